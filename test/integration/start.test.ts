/**
 * `npm start` as a user runs it (`node scripts/launch.cjs main`, package.json): the real entry point in a child process, configured only by
 * environment variables, against the fake Sheets server — it syncs at start, serves the API,
 * refuses a second concurrent sync with 409, and reports a bad configuration in Russian.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSheets, type FakeSheets } from '../../fakes/googleSheets.ts';
import { startSmtp } from '../support/smtp.ts';
import { launch } from '../support/launch.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const REGISTRY = '1StartRegistryAbCdEfGhIj';
const SHEET = '1StartSchoolAbCdEfGhIjKl';

let fake: FakeSheets;
let dir: string;
let child: ChildProcess | null = null;

function run(env: Record<string, string>): { proc: ChildProcess; output: () => string; url: Promise<string> } {
  let out = '';
  const proc = launch('main', [], {
    cwd: ROOT,
    // ENV_FILE='': a developer's .env in the checkout never leaks into these runs.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'UTC', ENV_FILE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = new Promise<string>((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = out.match(/мониторинг — (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) resolve(m[1]!);
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  url.catch(() => undefined); // a run that is expected to exit never prints a URL
  return { proc, output: () => out, url };
}

beforeAll(async () => {
  fake = await startFakeSheets({ requireKey: 'start-key' });
  dir = mkdtempSync(join(tmpdir(), 'monitor-start-'));
  fake.setSpreadsheet(REGISTRY, {
    tabs: [{ title: 'Организации', rows: [['Код', 'Наименование', 'Тип', 'Таблица'], ['СОШ-5', 'МОУ СОШ № 5', 'Школа', SHEET]] }],
  });
  fake.setSpreadsheet(SHEET, {
    tabs: [
      { title: 'Педагоги', rows: [['ФИО', 'Должность', 'Категория', 'Дата приёма'], ['Лаптева Ирина Олеговна', 'учитель', 'Высшая', 40000], ['Гусев Олег Ильич', 'учитель', 'Первая', 43000]] },
      { title: 'Наставнические пары', rows: [['Наставник', 'Наставляемый', 'Форма', 'Направление', 'Дата начала', 'Статус'], ['Лаптева Ирина Олеговна', 'Гусев Олег Ильич', 'Групповая', 'Предметное содержание', 45200, 'Действует']] },
      { title: 'Программы наставничества', rows: [['Наставляемый', 'Наставник', 'Дата утверждения', 'Дата завершения (план)', 'Мероприятий запланировано', 'Мероприятий выполнено', 'Статус']] },
      { title: 'Повышение квалификации', rows: [['ФИО', 'Программа', 'Часов', 'Дата окончания']] },
      { title: 'Аттестация', rows: [['ФИО', 'Дата приказа', 'Присвоена категория']] },
    ],
  });
});
afterAll(async () => {
  child?.kill('SIGTERM');
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start with a Google registry', () => {
  it('syncs at start, serves the API and allows one sync at a time', async () => {
    const started = run({
      PORT: '0',
      MONITOR_DB: join(dir, 'm.duckdb'),
      SHEETS_REGISTRY_ID: `https://docs.google.com/spreadsheets/d/${REGISTRY}/edit`,
      GOOGLE_API_KEY: 'start-key',
      GOOGLE_API_ROOT: fake.url,
    });
    child = started.proc;
    const url = await started.url;
    // libuv's pool has the 10 threads the launcher sets before anything uses it (scripts/launch.cjs),
    // not Node's default 4: the server has at least 6 threads more than a bare Node process that
    // has used its pool (the main thread, V8's 4 and the pool's 4).
    const bare = execFileSync(process.execPath, ['-e', "require('fs').readFile('/proc/self/status', () => console.log(require('fs').readdirSync('/proc/self/task').length))"], {
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    });
    expect(readdirSync(`/proc/${started.proc.pid}/task`).length).toBeGreaterThanOrEqual(Number(bare) + 6);
    // No account yet: the first start creates the coordinator «admin» and prints its password once.
    const printed = /логин «admin», пароль (\S+) — он показан один раз/.exec(started.output());
    expect(printed).not.toBeNull();
    // Without logging in, the API answers 401.
    expect((await fetch(`${url}api/metrics/engagement`)).status).toBe(401);
    const login = await fetch(`${url}api/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ login: 'admin', password: printed![1] }),
    });
    expect(login.status).toBe(200);
    const printedCookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const printedSession = await login.json();
    expect(printedSession).toMatchObject({ role: 'coordinator', must_change_password: true });
    // The printed password opens only «Сменить пароль»: the coordinator sets an own one first.
    expect((await fetch(`${url}api/sync/runs`, { headers: { Cookie: printedCookie } })).status).toBe(403);
    const changed = await fetch(`${url}api/session/password`, {
      method: 'POST',
      headers: { Cookie: printedCookie, 'X-CSRF-Token': printedSession.csrf, 'Content-Type': 'application/json' },
      body: JSON.stringify({ current: printed![1], password: 'Собственный-пароль-админа' }),
    });
    expect(changed.status).toBe(200);
    const cookie = changed.headers.get('set-cookie')!.split(';')[0]!;
    const { csrf, role } = await changed.json();
    expect(role).toBe('coordinator');
    const auth = { Cookie: cookie };
    const post = { Cookie: cookie, 'X-CSRF-Token': csrf };
    // The start-up sync runs in the background: wait for its run to finish (bounded).
    let runs: any[] = [];
    for (let i = 0; i < 100; i++) {
      runs = (await (await fetch(`${url}api/sync/runs`, { headers: auth })).json()).runs;
      if (runs[0]?.status && runs[0].status !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(runs[0]).toMatchObject({ status: 'ok', trigger: 'start', orgs_ok: 1, rows_loaded: 3 });
    // Both teachers hired long ago (serials 40000, 43000), one active pair since 2023-10-01:
    // 2 teachers, 1 mentor, 1 mentee, 2 engaged → 1.
    const eng = await (await fetch(`${url}api/metrics/engagement?from=2024-01-01&to=2024-12-31`, { headers: auth })).json();
    expect(eng.rows[0]).toMatchObject({ org: 'СОШ-5', teachers: 2, mentors: 1, mentees: 1, engaged: 2, engagement_rate: 1 });

    fake.latencyMs = 300; // keep the next sync busy long enough to ask for a second one
    // A POST without the CSRF token is refused; with it, the sync starts.
    expect((await fetch(`${url}api/sync`, { method: 'POST', headers: auth })).status).toBe(403);
    const first = await fetch(`${url}api/sync`, { method: 'POST', headers: post });
    expect(first.status).toBe(202);
    const second = await fetch(`${url}api/sync`, { method: 'POST', headers: post });
    expect(second.status).toBe(409);
    expect((await second.json()).error).toEqual({ code: 'sync_running', message: 'синхронизация уже идёт; дождитесь её окончания' });
    fake.latencyMs = 0;
    expect(started.output()).not.toContain('start-key');
  }, 90_000);

  it('says at once, in Russian, that its port is taken, and exits 2 (it was a stack trace after the start-up sync)', async () => {
    const taken = createNetServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const busy = run({ PORT: String(port), HOST: '127.0.0.1', MONITOR_DB: join(dir, 'port.duckdb') });
      const code = await new Promise<number | null>((resolve) => busy.proc.on('exit', resolve));
      expect(code).toBe(2);
      expect(busy.output()).toContain(`Сервер не запущен: порт ${port} (адрес 127.0.0.1) уже занят другой программой — возможно, сервер уже запущен; остановите её или укажите другой порт в PORT`);
      expect(busy.output()).not.toMatch(/EADDRINUSE|at Server|Загружаю демонстрационный/);
      // A HOST that is no address of any machine: said so, not «ENOTFOUND».
      const nowhere = run({ PORT: '0', HOST: '999.1.1.1', MONITOR_DB: join(dir, 'host.duckdb') });
      expect(await new Promise<number | null>((resolve) => nowhere.proc.on('exit', resolve))).toBe(2);
      expect(nowhere.output()).toContain('Сервер не запущен: адрес «999.1.1.1» (HOST) не найден — это не IP-адрес и не имя этой машины');
      expect(nowhere.output()).not.toContain('ENOTFOUND');
    } finally {
      taken.close();
    }
  });

  it('a first sync from a folder that reads no registry leaves a new database new: the next start without a source loads the demo (it offered the demo login onto nothing)', async () => {
    const empty = join(dir, 'empty-src');
    mkdirSync(empty, { recursive: true });
    const db = join(dir, 'fresh.duckdb');
    const failed = await new Promise<number | null>((resolve) => {
      const proc = launch('sync', [], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'UTC', ENV_FILE: '', SOURCE_DIR: empty, MONITOR_DB: db }, stdio: 'ignore' });
      proc.on('exit', resolve);
    });
    expect(failed).toBe(1);
    const demo = run({ PORT: '0', MONITOR_DB: db });
    try {
      const url = await demo.url;
      expect(demo.output()).toContain('Загружаю демонстрационный муниципалитет');
      const options = (await (await fetch(`${url}api/session/options`)).json()) as { demo_login: boolean };
      expect(options.demo_login).toBe(true);
      const session = await fetch(`${url}api/session/demo`, { method: 'POST' });
      const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
      const orgs = (await (await fetch(`${url}api/orgs`, { headers: { Cookie: cookie } })).json()) as { orgs: unknown[] };
      expect(orgs.orgs.length).toBeGreaterThan(0);
    } finally {
      demo.proc.kill('SIGTERM');
      await new Promise((resolve) => demo.proc.once('exit', resolve));
    }
    // Stopped from outside: said in its log (it left no line: an acceptance run).
    expect(demo.output()).toContain('Остановка (SIGTERM): сервер остановлен.');
  }, 90_000);

  it('stops on SIGTERM in the middle of a sync: exit 0, said; the next start marks the run interrupted (it crashed with a segfault, or hung)', async () => {
    const db = join(dir, 'term.duckdb');
    const env = { PORT: '0', MONITOR_DB: db, SHEETS_REGISTRY_ID: REGISTRY, GOOGLE_API_KEY: 'start-key', GOOGLE_API_ROOT: fake.url, ADMIN_PASSWORD: 'Пароль-для-остановки-1' };
    fake.latencyMs = 1500; // every Google answer slow: the start-up sync is still running when the signal comes
    try {
      const first = run(env);
      await first.url;
      await new Promise((r) => setTimeout(r, 300));
      const exited = new Promise<number | null>((resolve) => first.proc.on('exit', resolve));
      first.proc.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
      expect(code).toBe(0);
      expect(first.output()).toContain('Остановка (SIGTERM): синхронизация прервана');
    } finally {
      fake.latencyMs = 0;
    }
    // The next start: the run is recorded as interrupted, and its own sync finishes the load.
    const second = run(env);
    try {
      const url = await second.url;
      const login = await fetch(`${url}api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'admin', password: 'Пароль-для-остановки-1' }) });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const runs = async () => {
        const r = await fetch(`${url}api/sync/runs`, { headers: { Cookie: cookie } });
        return ((await r.json()) as { runs: { status: string }[] }).runs.map((x) => x.status);
      };
      for (let i = 0; i < 100 && (await runs()).includes('running'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await runs()).toEqual(['ok', 'interrupted']);
    } finally {
      second.proc.kill('SIGTERM');
      await new Promise((resolve) => second.proc.once('exit', resolve));
    }
  }, 90_000);

  it('explains a bad configuration in Russian and exits', async () => {
    const bad = run({ PORT: 'восемь', MONITOR_DB: join(dir, 'x.duckdb'), SHEETS_REGISTRY_ID: REGISTRY });
    const code = await new Promise<number | null>((resolve) => bad.proc.on('exit', resolve));
    expect(code).toBe(2);
    expect(bad.output()).toContain('Ошибка в настройках');
    expect(bad.output()).toContain('SHEETS_REGISTRY_ID: для Google Таблиц нужен GOOGLE_APPLICATION_CREDENTIALS');
    expect(bad.output()).toMatch(/PORT: /);
    // A thread pool size libuv cannot take (it would run one thread): refused before anything starts.
    const pool = run({ UV_THREADPOOL_SIZE: 'abc', MONITOR_DB: join(dir, 'y.duckdb') });
    expect(await new Promise<number | null>((resolve) => pool.proc.on('exit', resolve))).toBe(2);
    expect(pool.output()).toContain('Ошибка в настройках: UV_THREADPOOL_SIZE: «abc» — ожидается целое число потоков от 1 до 1024 (по умолчанию у сервера 10)');
  });

  it('npm run sync lists every rejected row with its reason, exits 0 when every organization loaded, and reminds the school by mail', async () => {
    const src = join(dir, 'src');
    cpSync(new URL('../fixtures/two-orgs/', import.meta.url).pathname, src, { recursive: true });
    // Row 15 of СОШ-1's teachers (header on row 3, 11 teachers on rows 4–14).
    appendFileSync(join(src, 'СОШ-1', 'Педагоги.csv'), 'Григорьева Юлия Антоновна;учитель;география;01.02.2024;;3;;вторая;;\n');
    // СОШ-1's «E-mail ответственного» in the registry: the command tells the school as the server would.
    const registry = join(src, 'registry.csv');
    writeFileSync(
      registry,
      readFileSync(registry, 'utf8')
        .replace('Активна\n', 'Активна;E-mail ответственного\n')
        .replace('Иванова А. П.;Да\n', 'Иванова А. П.;Да;zavuch@school1.example.ru\n'),
    );
    const smtp = await startSmtp();
    const proc = launch('sync', [], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TZ: 'UTC',
        ENV_FILE: '',
        SOURCE_DIR: src,
        MONITOR_DB: join(dir, 'cli.duckdb'),
        SMTP_URL: smtp.url,
        MAIL_FROM: 'monitor@edu.example.ru',
        PUBLIC_URL: 'https://monitor.example.ru',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toContain('СОШ-1: загружена — строк 23, в карантине 1');
    // ДОУ-9 is «Активна = Нет» in the registry: not read, and said so (it was not in the output at all);
    // never loaded, it has no data to keep (it said «прежние данные сохранены»).
    expect(out).toContain('ДОУ-9: неактивна — организация отмечена в реестре как неактивная; таблица не читается, данных организации в базе ещё нет\n');
    expect(out).toContain(
      'ОШИБКА: СОШ-1, лист «Педагоги», строка 15, столбец «Категория»: значение «вторая» — неизвестное значение; допустимые: «Без категории»',
    );
    // Петров's «Первая» of 15.03.2019 lapsed on 15.03.2024 (5 years): on the day of the load he
    // holds «Без категории» — listed with the warnings, as «Качество данных» lists it.
    expect(out).toContain(
      'Замечания к данным — ошибок 1, предупреждений 1, из них о категории, не совпадающей с «Аттестацией», — 1 (в итоговой строке синхронизации они не считаются) (ошибки — строка не загружена; предупреждения — загружена; здесь все текущие замечания, также организаций без изменений, а итоговая строка считает только загруженное сейчас):',
    );
    expect(out).toContain(
      'предупреждение: СОШ-1, лист «Педагоги», строка 5, столбец «Категория»: значение «Первая» — по листу «Аттестация» (с учётом сроков действия категорий) на день загрузки категория педагога — «Без категории» (срок прежней категории истёк 15.03.2024)',
    );
    // Notices (not errors, not warnings) are counted, and listed with --all-findings only.
    expect(out).toContain('Заметок к оформлению таблиц (строки над заголовком, столбцы не из шаблона и т. п.) — 1: с ключом --all-findings или на странице «Качество данных»\n');
    expect(out).toMatch(/Синхронизация завершена: организаций загружено 2, без изменений 0, с ошибкой 0; строк загружено 38, в карантине 1/);
    expect(out).toContain('Напоминания школам: СОШ-1 (zavuch@school1.example.ru)');
    await smtp.close();
    expect(smtp.inbox.map((m) => m.subject)).toEqual(['Наставничество: ошибки в таблице СОШ-1']);
    expect(smtp.inbox[0]!.text).toContain('1. Лист «Педагоги», строка 15, столбец «Категория»: «вторая» — неизвестное значение');
  });

  it('reads the settings from .env in the working directory; a variable set in the environment wins over the file', async () => {
    const src = join(dir, 'env-src');
    cpSync(new URL('../fixtures/two-orgs/', import.meta.url).pathname, src, { recursive: true });
    const work = join(dir, 'env-work');
    mkdirSync(work);
    // The file as a coordinator writes it from .env.example: comments, quotes, an empty value.
    writeFileSync(
      join(work, '.env'),
      ['# настройки', `SOURCE_DIR="${src}"`, `MONITOR_DB=${join(dir, 'from-file.duckdb')}`, 'SHEETS_REGISTRY_ID=', 'STALE_AFTER_HOURS=72', ''].join('\n'),
    );
    const sync = (env: Record<string, string>) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const proc = launch('sync', [], {
          cwd: work,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'UTC', ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
        proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
        proc.on('exit', (code) => resolve({ code, out }));
      });
    // Nothing in the environment: everything from the file — the folder source, the database.
    const fromFile = await sync({});
    expect(fromFile.out).toMatch(/Синхронизация завершена: организаций загружено 2/);
    expect(fromFile.code).toBe(0);
    expect(existsSync(join(dir, 'from-file.duckdb'))).toBe(true);
    // MONITOR_DB set in the environment: the file's value is not used.
    const fromEnv = await sync({ MONITOR_DB: join(dir, 'from-env.duckdb') });
    expect(fromEnv.code).toBe(0);
    expect(existsSync(join(dir, 'from-env.duckdb'))).toBe(true);
    // A misspelt option: refused by name, nothing synced (it ran a plain sync, exit 0).
    const misspelt = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const proc = launch('sync', ['--accept-shrnk', 'СОШ-2'], { cwd: work, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
      proc.on('exit', (code) => resolve({ code, out }));
    });
    expect(misspelt).toEqual({ code: 2, out: 'Неизвестный параметр «--accept-shrnk». Использование: npm run sync [-- --full] [--all-findings] [--accept-shrink КОД] (подробнее: npm run sync -- --help)\n' });
    // --help: what it takes, exit 0, nothing synced (it was «Неизвестный параметр «--help»», exit 2: an acceptance run).
    const help = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const proc = launch('sync', ['--help'], { cwd: work, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      proc.on('exit', (code) => resolve({ code, out }));
    });
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Синхронизация: читает реестр организаций/);
    for (const option of ['--full', '--all-findings', '--accept-shrink КОД']) expect(help.out).toContain(option);
    // ENV_FILE names a file that is not there: said in Russian, exit 2.
    const missing = await sync({ ENV_FILE: 'нет-такого.env' });
    expect(missing.code).toBe(2);
    expect(missing.out).toContain(`файл настроек ${join(work, 'нет-такого.env')} (ENV_FILE) не найден`);
  }, 60_000);
});
