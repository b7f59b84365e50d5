/**
 * `npm run user` and `npm run token` as an administrator runs them: the real entry points in
 * child processes on a DuckDB file, each outcome checked by opening that file afterwards —
 * the passwords log in (or no longer do), tokens authenticate until revoked, nothing secret
 * is listed, refusals are in Russian with exit code 1, wrong usage and a locked database
 * with exit code 2, and every change is in the audit log.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthStore } from '../../server/auth/store.ts';
import { runTokenCli } from '../../server/cli/token.ts';
import { runUserCli } from '../../server/cli/user.ts';
import { Db } from '../../server/db/db.ts';
import { openDatabase } from '../../server/db/schema.ts';
import { launch } from '../support/launch.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const IP = '127.0.0.1';

let dir: string;
let dbPath: string;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a CLI. With standard input (a password) or another database file: as a child process,
 * exactly as `npm run` starts it. Otherwise in this process through the same entry function
 * (`runUserCli`/`runTokenCli`, what the script runs), output captured: a child costs
 * ~1 s of CPU, and the suite has a time budget.
 */
async function cli(tool: 'user' | 'token', args: string[], opts: { stdin?: string; db?: string } = {}): Promise<Outcome> {
  if (opts.stdin === undefined && opts.db === undefined) return inProcess(tool, args);
  return spawned(tool, args, opts);
}

async function inProcess(tool: 'user' | 'token', args: string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const saved = process.env.MONITOR_DB;
  process.env.MONITOR_DB = dbPath;
  try {
    const code = tool === 'user' ? await runUserCli(args) : await runTokenCli(args);
    return { code, stdout: out.map((l) => `${l}\n`).join(''), stderr: err.map((l) => `${l}\n`).join('') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    if (saved === undefined) delete process.env.MONITOR_DB;
    else process.env.MONITOR_DB = saved;
  }
}

function spawned(tool: 'user' | 'token', args: string[], opts: { stdin?: string; db?: string }): Promise<Outcome> {
  const proc = launch(tool, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'UTC', ENV_FILE: '', MONITOR_DB: opts.db ?? dbPath },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  proc.stdin!.end(opts.stdin ?? '');
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Opens the CLI's database in this process for `fn`, and closes it again (DuckDB locks the file). */
async function withStore<T>(fn: (store: AuthStore, db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase(dbPath);
  try {
    return await fn(new AuthStore(db), db);
  } finally {
    db.close();
  }
}

const COORD_PASSWORD = 'Весна-2025-пароль';
let schoolPassword = '';
let schoolCookie = '';
let token = '';

/**
 * Runs that need no shared state, each on its own file (or none), started at once so they
 * overlap the main sequence: a weak password, an unknown command, a database held open.
 */
let side: Promise<{ weak: Outcome; unknown: Outcome; locked: Outcome }>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'monitor-cli-auth-'));
  dbPath = join(dir, 'm.duckdb');
  side = (async () => {
    // Held open, as `npm start` holds its database.
    const held = await openDatabase(join(dir, 'held.duckdb'));
    try {
      const [weak, unknown, locked] = await Promise.all([
        cli('user', ['add', 'weak', '--role', 'region', '--password-stdin'], { stdin: 'abc123\n', db: join(dir, 'weak.duckdb') }),
        spawned('user', ['frobnicate'], {}),
        cli('token', ['list'], { db: join(dir, 'held.duckdb') }),
      ]);
      return { weak, unknown, locked };
    } finally {
      held.close();
    }
  })();
  side.catch(() => undefined); // awaited (and reported) by the tests below
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run user', () => {
  it('add: a password from stdin is never printed, a generated one is printed once; both log in', async () => {
    const coord = await cli('user', ['add', 'Ivanova', '--role', 'coordinator', '--name', 'Иванова Анна Сергеевна', '--password-stdin'], {
      stdin: `${COORD_PASSWORD}\nвторая строка не читается\n`,
    });
    expect(coord.code).toBe(0);
    expect(coord.stdout).toContain('Учётная запись «ivanova» создана (роль: муниципальный координатор)');
    expect(coord.stdout + coord.stderr).not.toContain(COORD_PASSWORD);
    // The registry is empty before the first sync: any code is accepted, and said unchecked.
    const school = await cli('user', ['add', 'petrov', '--role', 'school', '--org', 'СОШ-2']);
    expect(school.code).toBe(0);
    expect(school.stdout).toContain(
      'Код «СОШ-2» не проверен: реестра организаций ещё нет (не было синхронизации с таблицами организаций) — после первой синхронизации проверьте его на странице «Пользователи»: код не из реестра там отмечен.',
    );
    const m = /Учётная запись «petrov» создана \(роль: образовательная организация, СОШ-2\)\. Пароль: (\S+) — сообщите его владельцу; он показан один раз\./.exec(school.stdout);
    expect(m).not.toBeNull();
    expect(school.stdout).toContain('При первом входе владелец сменит его на свой.');
    schoolPassword = m![1]!;
    await withStore(async (store, db) => {
      const c = await store.login('ivanova', COORD_PASSWORD, IP);
      expect(c.ok && c.principal).toMatchObject({ login: 'ivanova', role: 'coordinator', org: null });
      expect((await store.user('ivanova'))?.full_name).toBe('Иванова Анна Сергеевна');
      const s = await store.login('petrov', schoolPassword, IP);
      expect(s.ok && s.principal).toMatchObject({ login: 'petrov', role: 'school', org: 'СОШ-2' });
      // A printed password is known to whoever ran the command: changed at the first login;
      // one typed into standard input is the owner's own.
      expect((await store.user('petrov'))?.must_change_password).toBe(true);
      expect(s.ok && s.principal.mustChangePassword).toBe(true);
      expect((await store.user('ivanova'))?.must_change_password).toBe(false);
      if (s.ok) schoolCookie = s.cookie;
      // The registry as a real sync leaves it (the demo's organizations are no registry to check
      // against): from now on an unknown code is refused.
      await db.write((w) => w.run(`INSERT INTO orgs VALUES ('СОШ-2','МОУ СОШ № 2','Школа',NULL,NULL,true,1,true)`));
      expect(await store.registryCodes()).toBeNull();
      await db.write((w) => w.run(`INSERT INTO meta VALUES ('real_data_since', '2025-05-15 12:00:00')`));
      expect(await store.registryCodes()).toEqual(['СОШ-2']);
    });
  });

  it('add refuses an organization missing from the registry, and a weak password from stdin', async () => {
    const unknown = await cli('user', ['add', 'sidorov', '--role', 'school', '--org', 'СОШ-9']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Ошибка: нет организации с кодом «СОШ-9» в реестре');
    expect(unknown.stdout).toBe('');

    const { weak } = await side;
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('Ошибка: пароль слишком короткий');
    expect(weak.stdout).toBe('');
    const db = await openDatabase(join(dir, 'weak.duckdb'));
    try {
      expect(await new AuthStore(db).countUsers()).toBe(0);
    } finally {
      db.close();
    }
  });

  it('list shows the accounts with role titles and never a hash', async () => {
    const r = await cli('user', ['list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Логин\s+Роль\s+Организация\s+ФИО\s+Создана\s+Пароль изменён$/);
    expect(lines.find((l) => l.startsWith('ivanova'))).toMatch(/^ivanova\s+муниципальный координатор\s+—\s+Иванова Анна Сергеевна\s+\d\d\.\d\d\.\d{4} \d\d:\d\d \(UTC\)\s+\d\d\.\d\d\.\d{4} \d\d:\d\d \(UTC\)$/);
    expect(lines.find((l) => l.startsWith('petrov'))).toMatch(/^petrov\s+образовательная организация\s+СОШ-2\s+—\s/);
    expect(r.stdout).toContain('Всего учётных записей: 2.');
    expect(r.stdout).not.toContain('sidorov');
    expect(r.stdout).not.toContain('scrypt$');
    expect(r.stdout).not.toContain(schoolPassword);
  });

  it('list, passwd, remove and token list/revoke on a MONITOR_DB with no file: refused, named, no empty database made (it listed «0»)', async () => {
    const typo = join(dir, 'monitr.duckdb');
    const saved = dbPath;
    dbPath = typo;
    try {
      for (const [tool, args] of [['user', ['list']], ['user', ['passwd', 'petrov']], ['user', ['remove', 'petrov']], ['token', ['list']], ['token', ['revoke', '1']]] as const) {
        const r = await cli(tool, [...args]);
        expect([tool, ...args, r.code, r.stdout]).toEqual([tool, ...args, 2, '']);
        expect(r.stderr).toBe(`Файла базы данных ${typo} (MONITOR_DB) нет: проверьте MONITOR_DB — база создаётся при первом запуске сервера (npm start) или синхронизации (npm run sync).\n`);
        expect(existsSync(typo)).toBe(false);
      }
    } finally {
      dbPath = saved;
    }
  });

  it('passwd sets a new password: the old one stops working and the sessions end', async () => {
    const r = await cli('user', ['passwd', 'petrov']);
    expect(r.code).toBe(0);
    const m = /Пароль учётной записи «petrov» изменён; все её сеансы завершены\. Новый пароль: (\S+) — сообщите его владельцу; он показан один раз\./.exec(r.stdout);
    expect(m).not.toBeNull();
    const fresh = m![1]!;
    expect(fresh).not.toBe(schoolPassword);
    await withStore(async (store) => {
      expect(await store.sessionFor(schoolCookie)).toBeNull();
      expect(await store.login('petrov', schoolPassword, IP)).toMatchObject({ ok: false, status: 401 });
      expect((await store.login('petrov', fresh, IP)).ok).toBe(true);
      expect((await store.user('petrov'))?.must_change_password).toBe(true);
    });
  });

  it('remove deletes an account but never the last coordinator', async () => {
    const r = await cli('user', ['remove', 'petrov']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Учётная запись «petrov» удалена');
    const last = await cli('user', ['remove', 'ivanova']);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('Ошибка: это единственный координатор: сначала создайте другого');
    // What is left in the database is checked at the end.
  });
});

describe('npm run token', () => {
  it('create prints a working token once; list never shows it; revoke ends it', async () => {
    const r = await cli('token', ['create', '--role', 'school', '--name', 'report-bot', '--org', 'СОШ-2']);
    expect(r.code).toBe(0);
    const m = /Токен «report-bot» \(№ 1, роль: образовательная организация, СОШ-2\): (nmt_\S+) — сохраните его: он показан один раз\. Передавайте его в заголовке Authorization: Bearer <токен>\./.exec(r.stdout);
    expect(m).not.toBeNull();
    token = m![1]!;
    await withStore(async (store, db) => {
      expect(await store.tokenFor(token)).toMatchObject({ kind: 'token', id: 1, login: 'report-bot', role: 'school', org: 'СОШ-2' });
      const [row] = await db.query(`SELECT token_hash FROM api_tokens WHERE id = 1`);
      expect(row!.token_hash).not.toBe(token);
    });

    const list = await cli('token', ['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^№\s+Название\s+Роль\s+Организация\s+Создан\s+Отозван\s+Использован\n/);
    // Used once above, not revoked yet.
    expect(list.stdout).toMatch(/\n1\s+report-bot\s+образовательная организация\s+СОШ-2\s+\d\d\.\d\d\.\d{4} \d\d:\d\d \(UTC\)\s+—\s+\d\d\.\d\d\.\d{4} \d\d:\d\d \(UTC\)\n/);
    expect(list.stdout).toContain('Всего токенов: 1, действующих: 1.');
    expect(list.stdout).not.toContain(token);
    expect(list.stdout).not.toContain('nmt_');

    const revoke = await cli('token', ['revoke', 'report-bot']);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toContain('Отозван токен «report-bot» (№ 1)');
  });

  it('afterwards: the revoked token is refused, one account is left, every change is in the audit log', async () => {
    const rows = await withStore(async (store) => {
      expect(await store.tokenFor(token)).toBeNull();
      expect((await store.listUsers()).map((u) => u.login)).toEqual(['ivanova']);
      return (await store.auditLog()).reverse();
    });
    // The refusals (unknown organization, last coordinator) changed nothing and are not logged.
    expect(rows.map((r) => [r.actor, r.action, r.target])).toEqual([
      ['командная строка', 'user_add', 'ivanova'],
      ['командная строка', 'user_add', 'petrov'],
      ['командная строка', 'user_passwd', 'petrov'],
      ['командная строка', 'user_remove', 'petrov'],
      ['командная строка', 'token_create', 'report-bot'],
      ['командная строка', 'token_revoke', 'report-bot'],
    ]);
    expect(JSON.stringify(rows)).not.toContain(token);
  });
});

describe('wrong usage and a busy database', () => {
  it('exit with code 2 and say what to do, in Russian', async () => {
    const { unknown, locked } = await side;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Ошибка: неизвестная команда «frobnicate»');
    expect(unknown.stderr).toContain('Использование: npm run user -- <команда>');
    expect(locked.code).toBe(2);
    expect(locked.stderr).toMatch(/Не удалось открыть базу .*: её уже открыл другой процесс \(PID \d+\) — сервер \(npm start\) или другая синхронизация \(npm run sync\)/);
    expect(locked.stderr).toContain('Остановите сервер (npm start), выполните команду и запустите сервер снова.');
  });
});
