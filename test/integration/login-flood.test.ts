/**
 * A flood of logins (issue #17): the real app on 127.0.0.1 port 0 with real accounts in a
 * real DuckDB, requests sent all at once with fetch. Every attempt is reserved before its
 * password is hashed (server/auth/throttle.ts), at most two hashes run at once in the process
 * (server/auth/secrets.ts), so:
 *
 *   - 60 wrong passwords for one login, each from its own address (TRUST_PROXY=loopback and
 *     X-Forwarded-For, as behind the README's nginx): exactly 10 are hashed — the 10 that
 *     could still fail before the lock — the 10th failure locks the login, the other 50 are
 *     refused with 429 at once; the lock then behaves as before (15 minutes, then doubling);
 *   - 60 different logins from one address: at most 5 attempts of an address in flight, the
 *     other 55 refused with 429 and Retry-After at once: 5 hashes; the failures of an address
 *     in its window, those in flight included, stop at its limit;
 *   - more attempts in flight in the process than the cap: 503 «Сервер занят» at once;
 *   - meanwhile a light request (the session of a logged-in coordinator, the health check)
 *     answers in well under a second;
 *   - housekeeping deletes the audit log past its retention, expired sessions and the
 *     throttle rows of logins that do not exist once they no longer matter.
 * `store.stats.verifications` counts the password verifications the store performed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestHashCost } from '../../server/auth/secrets.ts';
import { AuthStore, DEFAULT_POLICY } from '../../server/auth/store.ts';
import { TEST_HASH_N } from '../support/hashCost.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';

const COORDINATOR = { login: 'koord', password: 'Координатор-2024-пароль' };
const VICTIM = { login: 'region38', password: 'Регион-38-сводный-пароль' };
const MINUTE = 60_000;

let tmp: TempDb;
let store: AuthStore;
let server: RunningServer;
/** The accounts' clock (the locks are checked by moving it). */
let clockMs = Date.now();
let coordinatorCookie = '';

interface Answer {
  status: number;
  code: string;
  message: string;
  retryAfter: string | null;
}

function login(loginName: string, password: string, from?: string): Promise<Answer> {
  return fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(from ? { 'X-Forwarded-For': from } : {}) },
    body: JSON.stringify({ login: loginName, password }),
  }).then(async (res) => {
    const body = await res.json();
    return { status: res.status, code: body.error?.code ?? 'ok', message: body.error?.message ?? '', retryAfter: res.headers.get('retry-after') };
  });
}

/** How many answers of each status (and error code). */
function tally(answers: Answer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) out[`${a.status} ${a.code}`] = (out[`${a.status} ${a.code}`] ?? 0) + 1;
  return out;
}

/**
 * Sends `flood` all at once and, 20 ms later, the light requests; each light answer's time,
 * and how many flood answers had arrived when the last light one did (the flood was still
 * being answered).
 */
async function floodWithLightRequests(flood: () => Promise<Answer>[]): Promise<{ answers: Answer[]; lightMs: number[]; floodDoneBeforeLight: number }> {
  let done = 0;
  const pending = flood().map((p) => p.finally(() => done++));
  await new Promise((r) => setTimeout(r, 20));
  const timed = async (path: string, headers: Record<string, string> = {}) => {
    const t0 = performance.now();
    const res = await fetch(`${server.url}${path}`, { headers });
    expect(res.status, path).toBe(200);
    await res.arrayBuffer();
    return performance.now() - t0;
  };
  const lightMs = await Promise.all([timed('/api/session', { Cookie: coordinatorCookie }), timed('/api/health')]);
  const floodDoneBeforeLight = done;
  const answers = await Promise.all(pending);
  return { answers, lightMs, floodDoneBeforeLight };
}

beforeAll(async () => {
  // The floods are about what hashing at the production cost does to the server (test/support/hashCost.ts lowers it elsewhere).
  useTestHashCost(null);
  tmp = await openTempDb();
  store = new AuthStore(tmp.db, { clock: () => clockMs });
  await store.addUser({ login: COORDINATOR.login, role: 'coordinator', password: COORDINATOR.password });
  await store.addUser({ login: VICTIM.login, role: 'region', password: VICTIM.password });
  // Behind a proxy on this machine: X-Forwarded-For names the client's address.
  server = await startServer({ db: tmp.db, auth: { store, demoLogin: false }, trustProxy: 'loopback' });
  const res = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(COORDINATOR),
  });
  expect(res.status).toBe(200);
  coordinatorCookie = res.headers.get('set-cookie')!.split(';')[0]!;
});

afterAll(async () => {
  await server?.close();
  tmp?.cleanup();
  useTestHashCost(TEST_HASH_N);
});

describe('60 wrong passwords for one login at once', () => {
  it('hash exactly 10: the rest are refused with 429 before any hash, and the login is locked', async () => {
    const before = store.stats.verifications;
    const { answers, lightMs, floodDoneBeforeLight } = await floodWithLightRequests(() =>
      Array.from({ length: 60 }, (_, i) => login(VICTIM.login, `неверный-пароль-${i}`, `10.1.0.${i + 1}`)),
    );
    expect(store.stats.verifications - before).toBe(10);
    // 9 wrong passwords (401), the 10th locks (429 locked), 50 refused while 10 were in flight
    // (429 too_many_attempts) or after the lock (429 locked).
    const t = tally(answers);
    expect(t['401 bad_credentials']).toBe(9);
    expect((t['429 locked'] ?? 0) + (t['429 too_many_attempts'] ?? 0)).toBe(51);
    expect(t['429 locked']).toBeGreaterThanOrEqual(1);
    for (const a of answers.filter((x) => x.status === 429)) expect(Number(a.retryAfter), a.message).toBeGreaterThan(0);
    expect(answers.find((a) => a.code === 'too_many_attempts')?.message).toBe(
      'Слишком много одновременных попыток входа под этим логином. Повторите через несколько секунд.',
    );
    // Meanwhile a logged-in coordinator and the health check were answered at once.
    expect(floodDoneBeforeLight).toBeLessThan(60);
    for (const ms of lightMs) expect(ms).toBeLessThan(1000);

    // The lock as before: the right password is refused for 15 minutes, unchecked.
    const during = await login(VICTIM.login, VICTIM.password, '10.1.1.1');
    expect(during.status).toBe(429);
    expect(during.message).toMatch(/^Слишком много неудачных попыток входа\. Вход под этим логином временно заблокирован; повторите через 1[45] минут\.$/);
    expect(Number(during.retryAfter)).toBeGreaterThan(14 * 60);
    expect(store.stats.verifications - before).toBe(10);
    const [row] = await tmp.db.query(`SELECT failures, locks, locked_until_ms FROM login_throttle WHERE login_key = $k`, { k: VICTIM.login });
    expect(row).toMatchObject({ failures: 0, locks: 1 });
    expect(Number(row!.locked_until_ms) - clockMs).toBe(15 * MINUTE);

    // 15 minutes later: another flood costs 10 hashes again and locks twice as long (30 minutes).
    clockMs += 15 * MINUTE + 1000;
    const second = await Promise.all(Array.from({ length: 60 }, (_, i) => login(VICTIM.login, `снова-не-тот-${i}`, `10.2.0.${i + 1}`)));
    expect(store.stats.verifications - before).toBe(20);
    expect(tally(second)['401 bad_credentials']).toBe(9);
    clockMs += 16 * MINUTE;
    expect((await login(VICTIM.login, VICTIM.password, '10.1.1.2')).status).toBe(429);
    clockMs += 15 * MINUTE;
    // Over: the right password works (one more hash) and clears the counters.
    expect((await login(VICTIM.login, VICTIM.password, '10.1.1.3')).status).toBe(200);
    expect(store.stats.verifications - before).toBe(21);
    expect(await tmp.db.query(`SELECT * FROM login_throttle WHERE login_key = $k`, { k: VICTIM.login })).toEqual([]);
  });
});

describe('wrong passwords from elsewhere', () => {
  it('do not lock a login’s owner out at an address it signed in from: there its own counter applies', async () => {
    // The victim signed in from 10.1.1.3 at the end of the test above. Anybody on the network
    // locked the only coordinator out for a day with ten requests (an acceptance run).
    const before = store.stats.verifications;
    const flood = await Promise.all(Array.from({ length: 60 }, (_, i) => login(VICTIM.login, `чужой-пароль-${i}`, `10.6.0.${i + 1}`)));
    expect(tally(flood)['401 bad_credentials']).toBe(9);
    expect(store.stats.verifications - before).toBe(10);
    // Locked for everybody else (another address, the right password: refused unchecked) …
    expect((await login(VICTIM.login, VICTIM.password, '10.6.1.1')).status).toBe(429);
    expect(store.stats.verifications - before).toBe(10);
    // … not for its owner at 10.1.1.3: the right password is checked and works.
    expect((await login(VICTIM.login, VICTIM.password, '10.1.1.3')).status).toBe(200);
    expect(store.stats.verifications - before).toBe(11);
    // There, wrong passwords count for that address alone: the 10th locks it, the login's lock elsewhere stays as it was.
    const own: number[] = [];
    for (let i = 0; i < 10; i++) own.push((await login(VICTIM.login, `опечатка-${i}`, '10.1.1.3')).status);
    expect(own).toEqual([...Array(9).fill(401), 429]);
    expect((await login(VICTIM.login, VICTIM.password, '10.1.1.3')).status).toBe(429);
    const rows = await tmp.db.query(`SELECT replace(login_key, chr(1), ' @ ') AS k, locks FROM login_throttle WHERE starts_with(login_key, $k) ORDER BY k`, { k: VICTIM.login });
    expect(rows).toEqual([
      { k: VICTIM.login, locks: 1 },
      { k: `${VICTIM.login} @ 10.1.1.3`, locks: 1 },
    ]);
    // A new password (set by a coordinator, or at the command line) clears every lock and the known addresses.
    await store.setPassword(VICTIM.login, VICTIM.password);
    expect(await tmp.db.query(`SELECT * FROM login_throttle WHERE starts_with(login_key, $k)`, { k: VICTIM.login })).toEqual([]);
    expect(await tmp.db.query(`SELECT * FROM login_addresses WHERE login_key = $k`, { k: VICTIM.login })).toEqual([]);
    expect((await login(VICTIM.login, VICTIM.password, '10.6.1.1')).status).toBe(200);
  });
});

describe('60 different logins from one address at once', () => {
  it('hash at most 5 (the attempts an address may have in flight); the rest get 429 with Retry-After at once', async () => {
    const before = store.stats.verifications;
    const { answers, lightMs, floodDoneBeforeLight } = await floodWithLightRequests(() =>
      // Unknown logins, and the coordinator's among them: the same cost and the same answers.
      Array.from({ length: 60 }, (_, i) => login(i === 30 ? COORDINATOR.login : `ghost-${i}`, `какой-то-пароль-${i}`, '10.3.0.1')),
    );
    const hashed = store.stats.verifications - before;
    expect(hashed).toBeGreaterThan(0);
    expect(hashed).toBeLessThanOrEqual(5);
    const t = tally(answers);
    expect(t['401 bad_credentials']).toBe(hashed);
    expect(t['429 too_many_attempts']).toBe(60 - hashed);
    const refused = answers.find((a) => a.code === 'too_many_attempts')!;
    expect(refused.message).toBe('Слишком много одновременных попыток входа с этого адреса. Дождитесь ответа на предыдущие и повторите через несколько секунд.');
    expect(refused.retryAfter).toBe('5');
    expect(floodDoneBeforeLight).toBeLessThan(60);
    for (const ms of lightMs) expect(ms).toBeLessThan(1000);
    // Once answered, the address may try again (one at a time is never refused).
    expect((await login('ghost-x', 'ещё-один-пароль', '10.3.0.1')).status).toBe(401);
    // The refusals for too much in flight are in the audit log once, not 55 times.
    const flood = await tmp.db.query(`SELECT actor, detail FROM audit_log WHERE action = 'login_flood' AND ip = '10.3.0.1'`);
    expect(flood.length).toBe(1);
  });

  it('refuse the failure past the address limit in its window, in flight or not', async () => {
    // The same rule as the default 50 failures in 15 minutes, with 10 (fewer hashes to wait for).
    const strict = new AuthStore(tmp.db, { clock: () => clockMs, policy: { ...DEFAULT_POLICY, ipMaxFailures: 10 } });
    const app = await startServer({ db: tmp.db, auth: { store: strict, demoLogin: false }, trustProxy: 'loopback' });
    const at = (loginName: string, password: string, from: string) =>
      fetch(`${app.url}/api/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': from },
        body: JSON.stringify({ login: loginName, password }),
      }).then(async (res) => ({ status: res.status, code: (await res.json()).error?.code ?? 'ok' }) as Answer);
    try {
      // 10.4.0.1 has failed 8 times (one at a time); two more attempts may be in flight at most.
      for (let i = 0; i < 8; i++) expect((await at(`nobody-${i}`, 'неверный-пароль', '10.4.0.1')).status).toBe(401);
      const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => at(`someone-${i}`, 'неверный-пароль', '10.4.0.1')));
      expect(strict.stats.verifications).toBe(10);
      expect(tally(answers)).toEqual({ '401 bad_credentials': 2, '429 too_many_attempts': 3 });
      // 10 failures: the address is refused, the right password too, without a hash.
      const blocked = await fetch(`${app.url}/api/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '10.4.0.1' },
        body: JSON.stringify(COORDINATOR),
      });
      expect(blocked.status).toBe(429);
      expect((await blocked.json()).error.message).toMatch(/^Слишком много неудачных попыток входа с этого адреса\. Повторите через 1[45] минут\.$/);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
      expect(strict.stats.verifications).toBe(10);
      // Another address is not affected; 15 minutes later neither is this one.
      expect((await at(COORDINATOR.login, COORDINATOR.password, '10.4.0.2')).status).toBe(200);
      clockMs += 15 * MINUTE + 1000;
      expect((await at(COORDINATOR.login, COORDINATOR.password, '10.4.0.1')).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('more attempts in flight than the process takes', () => {
  it('are refused with 503 «Сервер занят» at once', async () => {
    // A store whose cap is 4 attempts in flight (the default is 32), on the same database.
    const small = new AuthStore(tmp.db, { clock: () => clockMs, policy: { ...DEFAULT_POLICY, maxPendingHashes: 4 } });
    const busy = await startServer({ db: tmp.db, auth: { store: small, demoLogin: false }, trustProxy: 'loopback' });
    try {
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          fetch(`${busy.url}/api/session`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': `10.5.0.${i + 1}` },
            body: JSON.stringify({ login: `crowd-${i}`, password: 'неверный-пароль' }),
          }).then(async (res) => ({ status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() })),
        ),
      );
      const refused = answers.filter((a) => a.status === 503);
      expect(refused.length).toBeGreaterThanOrEqual(20);
      expect(refused[0]!.body.error).toEqual({ code: 'busy', message: 'Сервер занят: сейчас проверяется слишком много паролей. Повторите вход через несколько секунд.' });
      expect(refused[0]!.retryAfter).toBe('5');
      expect(answers.filter((a) => a.status === 401).length).toBe(small.stats.verifications);
      expect(small.stats.verifications).toBeLessThanOrEqual(40 - refused.length);
      expect(small.throttleTracked.pending).toBe(0);
    } finally {
      await busy.close();
    }
  });
});

describe('housekeeping', () => {
  it('keeps the audit log for the retention, sweeps expired sessions and forgotten throttle rows', async () => {
    const now = Date.now();
    await tmp.db.write(async (w) => {
      for (const [actor, days] of [['давно', 400], ['в срок', 300], ['неделю назад', 10]] as const) {
        await w.run(
          `INSERT INTO audit_log VALUES (nextval('audit_seq'), now()::TIMESTAMP - to_days(CAST($days AS INTEGER)), $actor, NULL, 'test_entry', NULL, NULL, NULL)`,
          { actor, days },
        );
      }
    });
    const entries = async () => (await tmp.db.query(`SELECT actor FROM audit_log WHERE action = 'test_entry' ORDER BY id`)).map((r) => r.actor);
    // Default retention 365 days: only the entry of 400 days ago goes.
    expect(store.auditRetentionDays).toBe(365);
    const first = await store.housekeeping(now);
    expect(first.auditDeleted).toBe(1);
    expect(await entries()).toEqual(['в срок', 'неделю назад']);
    // A store told 7 days (AUDIT_RETENTION_DAYS=7) deletes the others too, nothing of today.
    const week = new AuthStore(tmp.db, { auditRetentionDays: 7 });
    const todayBefore = (await tmp.db.query(`SELECT count(*)::INTEGER AS n FROM audit_log WHERE action <> 'test_entry'`))[0]!.n;
    expect((await week.housekeeping(now)).auditDeleted).toBe(2);
    expect(await entries()).toEqual([]);
    expect((await tmp.db.query(`SELECT count(*)::INTEGER AS n FROM audit_log WHERE action <> 'test_entry'`))[0]!.n).toBe(todayBefore);
    expect(() => new AuthStore(tmp.db, { auditRetentionDays: 0 })).toThrow(RangeError);

    // Throttle rows: the ghosts' (logins that do not exist) go once their failures are
    // forgotten (24 hours) and no lock runs; an existing account's row stays. (A success
    // first: the coordinator's wrong password of the flood above may have been counted.)
    // (The wrong one from an address it never signed in from: counted on the login itself.)
    expect((await login(COORDINATOR.login, COORDINATOR.password, '10.6.0.1')).status).toBe(200);
    await fetch(`${server.url}/api/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '10.6.9.9' },
      body: JSON.stringify({ login: COORDINATOR.login, password: 'неверный-пароль' }),
    });
    const ghostRows = async () => Number((await tmp.db.query(`SELECT count(*)::INTEGER AS n FROM login_throttle WHERE login_key NOT IN (SELECT login FROM users)`))[0]!.n);
    const koordRow = async () => (await tmp.db.query(`SELECT failures FROM login_throttle WHERE login_key = 'koord'`)).map((r) => r.failures);
    // ghost-…, nobody-…, someone-…, ghost-x and the like: every hashed unknown login left a row.
    const ghosts = await ghostRows();
    expect(ghosts).toBeGreaterThanOrEqual(10);
    expect(await koordRow()).toEqual([1]);
    expect((await store.housekeeping(clockMs + 60 * MINUTE)).throttleDeleted).toBe(0);
    expect(await ghostRows()).toBe(ghosts);
    const later = await store.housekeeping(clockMs + 25 * 60 * MINUTE);
    expect(later.throttleDeleted).toBe(ghosts);
    expect(await ghostRows()).toBe(0);
    expect(await koordRow()).toEqual([1]);
    expect(store.throttleTracked.addresses).toBe(0);

    // Sessions: ended 8 hours after their last request (the accounts' clock). The sweep 25
    // hours ahead above ended every one so far: two new ones.
    const sessions = async () => Number((await tmp.db.query(`SELECT count(*)::INTEGER AS n FROM sessions`))[0]!.n);
    expect(await sessions()).toBe(0);
    for (const from of ['10.7.0.1', '10.7.0.2']) expect((await login(COORDINATOR.login, COORDINATOR.password, from)).status).toBe(200);
    expect(await sessions()).toBe(2);
    expect((await store.housekeeping(clockMs)).sessionsDeleted).toBe(0);
    const all = await sessions();
    expect((await store.housekeeping(clockMs + 8 * 60 * MINUTE + 1000)).sessionsDeleted).toBe(all);
    expect(await sessions()).toBe(0);
  });
});
