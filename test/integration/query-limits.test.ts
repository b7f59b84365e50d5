/**
 * Issue #17, part 3: nobody can stall the server with a metric request. Periods longer than
 * 10 years and monthly trends longer than 120 months are refused (400); a request's metric
 * computations stop at its deadline (503 `timeout`, the DuckDB query interrupted, the
 * connection healthy and back in its lane, nothing cached); heavy computations run on a lane of
 * their own, so the light queries every request makes (the token lookup, lists) never wait
 * behind them; an account runs at most two uncached computations at once.
 *
 * Real server on port 0, real DuckDB, the two-orgs fixture (its numbers: engagement.test.ts).
 * The heavy request is a real one: `overview` by month over 120 months is 120 × 7 queries,
 * seconds on the fixture, and what issue #17 was about. Where a test needs a query that runs
 * until it is stopped, it is a real DuckDB query that cannot finish (a filtered cross join of
 * two ranges of 10⁸ rows) on the metric lane.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../../server/auth/store.ts';
import { MetricCache, type MetricCacheOptions } from '../../server/metrics/cache.ts';
import { Deadline } from '../../server/metrics/limits.ts';
import type { HttpError } from '../../server/http/errors.ts';
import { MAX_PERIOD_YEARS, MAX_TREND_MONTHS, parseParams } from '../../server/metrics/metrics.ts';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync } from '../../server/sync/run.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;
const NOW = new Date('2024-03-15T10:00:00Z');
const YEAR = 'from=2023-09-01&to=2024-08-31';
/** 120 month ends: the longest trend there is, and seconds of work on the fixture. */
const TREND = 'from=2014-09-01&to=2024-08-31&grain=month';
/** A query DuckDB cannot finish: it runs until it is interrupted. */
const ENDLESS = 'SELECT count(*) AS n FROM range(100000000) a(x), range(100000000) b(y) WHERE a.x + b.y = -1';

let tmp: TempDb;
let store: AuthStore;
let tokenA: string;
let tokenB: string;
let keyA: string;
let keyB: string;
let server: RunningServer | null = null;

beforeAll(async () => {
  tmp = await openTempDb();
  await runSync({ db: tmp.db, source: createFolderSource(FIXTURE), trigger: 'test' });
  store = new AuthStore(tmp.db);
  const a = await store.createToken({ name: 'script-a', role: 'coordinator' });
  const b = await store.createToken({ name: 'script-b', role: 'coordinator' });
  [tokenA, tokenB] = [a.token, b.token];
  [keyA, keyB] = [`token:${a.info.id}:script-a`, `token:${b.info.id}:script-b`];
}, 60_000);
afterEach(async () => {
  await server?.close();
  server = null;
});
afterAll(() => tmp.cleanup());

/** A server with accounts (every request looks its token up on the light lane) and a cache of its own. */
async function serve(opts: MetricCacheOptions = {}): Promise<{ cache: MetricCache; url: string }> {
  const cache = new MetricCache(tmp.db, opts);
  server = await startServer({ db: tmp.db, now: () => NOW, metricCache: cache, auth: { store, demoLogin: false } });
  return { cache, url: server.url };
}

interface Answer {
  status: number;
  ms: number;
  headers: Headers;
  body: any;
}

async function get(url: string, token = tokenA): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  const text = await res.text();
  const ms = performance.now() - t0;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // CSV or a workbook
  }
  return { status: res.status, ms, headers: res.headers, body };
}

/** A request still running until it settles. */
function track(p: Promise<Answer>): { done: boolean; answer: Promise<Answer> } {
  const t = { done: false, answer: p };
  p.finally(() => (t.done = true)).catch(() => undefined);
  return t;
}

/** Waits, turn of the event loop by turn, until the server reaches a state (no fixed sleeps). */
async function until(what: string, cond: () => boolean): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > 30_000) throw new Error(`не дождались: ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

const total = (body: any) => body.rows.find((r: any) => r.org === null);

describe('period limits (400, in parseParams: every route that takes a period)', () => {
  it('refuses a 200-year monthly overview, in JSON, CSV, XLSX and PDF alike, naming the limit', async () => {
    const { url, cache } = await serve();
    const long = 'from=1900-01-01&to=2099-12-31&grain=month';
    const json = await get(`${url}/api/metrics/overview?${long}`);
    expect(json.status).toBe(400);
    expect(json.body.error.code).toBe('bad_request');
    expect(json.body.error.message).toBe(
      'период 01.01.1900–31.12.2099 длиннее 10 лет: при начале 01.01.1900 конец периода — не позже 31.12.1909 (например, 01.09.2015–31.08.2025 — десять учебных лет)',
    );
    expect(json.ms).toBeLessThan(1000);
    for (const path of [`/api/metrics/overview?${long}&format=csv`, `/api/export.xlsx?${long}`, `/api/report.pdf?${long}`]) {
      const r = await get(`${url}${path}`);
      expect([path, r.status, r.body.error?.message]).toEqual([path, 400, json.body.error.message]);
    }
    expect(cache.size.entries).toBe(0); // nothing was computed
  });

  it('accepts 10 academic years (2015-09-01…2025-08-31), refuses one day more; far dates inside the limit are fine', async () => {
    expect(MAX_PERIOD_YEARS).toBe(10);
    const { url } = await serve();
    const ten = await get(`${url}/api/metrics/engagement?from=2015-09-01&to=2025-08-31`);
    expect(ten.status).toBe(200);
    expect(ten.body.params).toMatchObject({ from: '2015-09-01', to: '2025-08-31' });
    const more = await get(`${url}/api/metrics/engagement?from=2015-09-01&to=2025-09-01`);
    expect(more.status).toBe(400);
    expect(more.body.error.message).toContain('не позже 31.08.2025');
    // The past and the future within the limit: allowed (no data there, still an answer).
    for (const period of ['from=1950-09-01&to=1960-08-31', 'from=2090-09-01&to=2091-08-31']) {
      const r = await get(`${url}/api/metrics/engagement?${period}`);
      expect([period, r.status]).toEqual([period, 200]);
    }
  });

  it('names a year out of range and a parameter of the wrong shape in Russian (a year ≥ 9990 was «longer than 10 years», 0050 «no such date»)', async () => {
    const { url } = await serve();
    const cases: [string, string][] = [
      ['from=9999-01-01&to=9999-12-31', 'неверный параметр from (начало периода): год — от 1900 до 2999'],
      ['from=0050-01-01&to=0050-12-31', 'неверный параметр from (начало периода): год — от 1900 до 2999'],
      ['from=2024-01-01&to=2024-02-30', 'неверный параметр to (конец периода): такой даты нет в календаре'],
      ['from=2024-01-01&to=2024-12-31&type[a]=1', 'неверный параметр type: ожидается текст, получено: объект'],
    ];
    for (const [q, message] of cases) {
      const r = await get(`${url}/api/metrics/engagement?${q}`);
      expect([q, r.status, r.body.error?.message]).toEqual([q, 400, message]);
    }
  });

  it('reads 21 and more repeated `org=` as the organizations they name (past 20 they were «[object Object]»: an empty report with 200)', async () => {
    const { url } = await serve();
    // СОШ-1 and ДОУ-1 named 21 times in turn: the total is the two organizations'. (A code no
    // organization has is refused: export.test.ts.)
    const codes = Array.from({ length: 21 }, (_, i) => (i % 2 === 0 ? 'СОШ-1' : 'ДОУ-1'));
    const repeated = await get(`${url}/api/metrics/engagement?${codes.map((c) => `org=${encodeURIComponent(c)}`).join('&')}`);
    const two = await get(`${url}/api/metrics/engagement?org=${encodeURIComponent('СОШ-1')}&org=${encodeURIComponent('ДОУ-1')}`);
    expect(repeated.status).toBe(200);
    expect(repeated.body.params.org).toEqual(codes);
    const total = (b: any) => b.rows.find((r: any) => r.org === null);
    expect(total(two.body).teachers).toBeGreaterThan(0);
    expect(total(repeated.body)).toEqual(total(two.body));
    // An object is no list of codes: refused, not read as the code «[object Object]».
    const object = await get(`${url}/api/metrics/engagement?org[a]=x`);
    expect([object.status, object.body.error?.message]).toEqual([400, expect.stringContaining('неверный параметр org')]);
  });

  it('counts 10 years from any day, 29 February included', () => {
    expect(parseParams({ from: '2020-02-29', to: '2030-02-28' }, NOW)).toMatchObject({ from: '2020-02-29', to: '2030-02-28' });
    expect(() => parseParams({ from: '2020-02-29', to: '2030-03-01' }, NOW)).toThrow(/не позже 28\.02\.2030/);
    expect(parseParams({ from: '2015-01-15', to: '2025-01-14' }, NOW)).toMatchObject({ to: '2025-01-14' });
    expect(() => parseParams({ from: '2015-01-15', to: '2025-01-15' }, NOW)).toThrow(/длиннее 10 лет/);
    // Defaults stay one academic year.
    expect(parseParams({ from: '1990-09-01' }, NOW)).toMatchObject({ from: '1990-09-01', to: '1991-08-31' });
  });

  it('refuses a monthly trend of 121 months and answers one of 120', async () => {
    expect(MAX_TREND_MONTHS).toBe(120);
    const { url } = await serve();
    // Within 10 years (from 29 February the last day is 28 February), yet 121 month ends:
    // 2016-02-29 … 2026-02-28. With the 10-year limit only such a period has more than 120.
    const over = await get(`${url}/api/metrics/engagement?from=2016-02-29&to=2026-02-28&grain=month`);
    expect(over.status).toBe(400);
    expect(over.body.error.message).toBe(
      'помесячная динамика (grain=month) — не больше 120 месяцев, а в периоде 2016-02-29…2026-02-28 121 месяц (считаются месяцы, конец которых внутри периода); сократите период',
    );
    // The same period without grain=month is one computation: allowed.
    expect((await get(`${url}/api/metrics/engagement?from=2016-02-29&to=2026-02-28`)).status).toBe(200);
    // 120 months.
    expect((await get(`${url}/api/metrics/pairs_by_form?from=2016-03-01&to=2026-02-28&grain=month&org=${encodeURIComponent('ДОУ-1')}`)).status).toBe(200);
    const ok = await get(`${url}/api/metrics/engagement?from=2015-09-01&to=2025-08-31&grain=month`);
    expect(ok.status).toBe(200);
    const months = [...new Set(ok.body.rows.map((r: any) => r.month))];
    expect(months).toHaveLength(120);
    expect([months[0], months.at(-1)]).toEqual(['2015-09-30', '2025-08-31']);
    // One total row per month (its numbers are checked in metrics.test.ts).
    expect(ok.body.rows.filter((r: any) => r.org === null)).toHaveLength(120);
  }, 60_000);
});

describe('time limit (503 timeout)', () => {
  it('stops a 120-month overview at the deadline, caches nothing, and the server answers correctly afterwards', async () => {
    // 1 s: the trend needs seconds (840 queries), a one-year engagement a few milliseconds.
    const { url, cache } = await serve({ timeoutMs: 1000 });
    const before = tmp.db.lanes().metric;
    const r = await get(`${url}/api/metrics/overview?${TREND}`);
    expect(r.status).toBe(503);
    expect(r.body.error).toEqual({
      code: 'timeout',
      message: 'Показатель считался дольше 1 с и был остановлен; сузьте период или фильтры (организации, тип) и повторите запрос.',
    });
    // Stopped, not finished: well before the trend's seconds of work.
    expect(r.ms).toBeGreaterThanOrEqual(1000);
    expect(r.ms).toBeLessThan(10_000);
    // Every connection of the metric lane is back and idle, none had to be closed.
    const after = tmp.db.lanes().metric;
    expect(after).toMatchObject({ busy: 0, waiting: 0, discarded: before.discarded });
    expect(after.open).toBeLessThanOrEqual(after.size);
    // The failure is not cached: the next request computes again.
    expect(cache.has('overview', parseParams({ from: '2014-09-01', to: '2024-08-31', grain: 'month' }, NOW))).toBe(false);

    const next = await get(`${url}/api/metrics/engagement?${YEAR}`);
    expect(next.status).toBe(200);
    expect([total(next.body).teachers, total(next.body).engaged, total(next.body).engagement_rate]).toEqual([16, 12, 0.75]);
    const overview = await get(`${url}/api/metrics/overview?${YEAR}`);
    expect(overview.status).toBe(200);
    expect(total(overview.body).engagement_rate).toBe(0.75);
  }, 60_000);

  it('interrupts a running DuckDB query and puts its connection back in the lane, healthy', async () => {
    const before = tmp.db.lanes().metric;
    const t0 = performance.now();
    const reason = new Error('deadline');
    await expect(tmp.db.metricQuery(ENDLESS, {}, abortAfter(100, reason))).rejects.toBe(reason);
    expect(performance.now() - t0).toBeLessThan(5000);
    const after = tmp.db.lanes().metric;
    expect(after.interrupted).toBe(before.interrupted + 1);
    expect(after).toMatchObject({ busy: 0, discarded: before.discarded });
    // The same connection (the lane opened no new one) answers the next query.
    expect(await tmp.db.metricQuery('SELECT 42 AS x')).toEqual([{ x: 42 }]);
    expect(tmp.db.lanes().metric.open).toBe(Math.max(before.open, 1));
  }, 30_000);
});

/** A signal that aborts after `ms` with `reason`. */
function abortAfter(ms: number, reason: unknown): AbortSignal {
  const c = new AbortController();
  setTimeout(() => c.abort(reason), ms);
  return c.signal;
}

describe('heavy computations do not hold up light requests', () => {
  it('answers the token lookup, /api/orgs and a cached metric at once while two endless queries hold the metric lane', async () => {
    const { url } = await serve();
    expect((await get(`${url}/api/metrics/engagement?${YEAR}`, tokenB)).status).toBe(200); // now cached
    const stop = new AbortController();
    const heavy = [1, 2].map(() => tmp.db.metricQuery(ENDLESS, {}, stop.signal).catch((e: unknown) => e));
    await until('both connections of the metric lane busy', () => tmp.db.lanes().metric.busy === 2);
    try {
      for (const path of ['/api/health', '/api/session', '/api/orgs', `/api/metrics/engagement?${YEAR}`]) {
        const r = await get(`${url}${path}`, tokenB);
        expect([path, r.status]).toEqual([path, 200]);
        expect(r.ms).toBeLessThan(1000);
      }
      expect(tmp.db.lanes().metric.busy).toBe(2); // still running
    } finally {
      stop.abort(new Error('test over'));
    }
    for (const e of await Promise.all(heavy)) expect((e as Error).message).toBe('test over');
    expect(tmp.db.lanes().metric).toMatchObject({ busy: 0, waiting: 0 });
  }, 30_000);

  it('a request whose deadline passes while it waits for the metric lane is told the server is busy (503 busy, Retry-After), not to narrow its period', async () => {
    const { url } = await serve({ timeoutMs: 1000 });
    const stop = new AbortController();
    const heavy = [1, 2].map(() => tmp.db.metricQuery(ENDLESS, {}, stop.signal).catch((e: unknown) => e));
    await until('both connections of the metric lane busy', () => tmp.db.lanes().metric.busy === 2);
    try {
      // Uncached: it waits for a connection of the lane for its whole deadline (1 s) and never starts.
      const res = await fetch(`${url}/api/metrics/engagement?${YEAR}&org=${encodeURIComponent('СОШ-1')}`, { headers: { Authorization: `Bearer ${tokenB}` } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('60');
      expect(await res.json()).toEqual({
        error: { code: 'busy', message: 'Сервер занят: расчёт показателя ждал очереди дольше 1 с (сейчас считается много показателей) и не начался; повторите запрос через минуту.' },
      });
    } finally {
      stop.abort(new Error('test over'));
    }
    await Promise.all(heavy);
    expect(tmp.db.lanes().metric).toMatchObject({ busy: 0, waiting: 0 });
  }, 30_000);

  it('a deadline spent mostly waiting between a request’s queries is «busy»; spent mostly computing, «timeout»', async () => {
    // A request that had run a query and then waited its turn for the next was told to narrow its
    // period (an acceptance run): what counts is how much of its time its queries ran.
    const waited = new Deadline(300);
    await tmp.db.metricQuery('SELECT 1 AS x', {}, waited.signal);
    await new Promise((r) => setTimeout(r, 400));
    expect(waited.signal.aborted).toBe(true);
    expect((waited.signal.reason as HttpError).code).toBe('busy');
    expect((waited.signal.reason as HttpError).message).toBe(
      'Сервер занят: расчёт показателя не закончился за 0,3 с, потому что больше ждал очереди, чем считался (сейчас считается много показателей); повторите запрос через минуту.',
    );
    const computing = new Deadline(300);
    const endless = await tmp.db.metricQuery(ENDLESS, {}, computing.signal).catch((e: unknown) => e);
    expect((endless as HttpError).code).toBe('timeout');
    expect(tmp.db.lanes().metric).toMatchObject({ busy: 0, waiting: 0 });
  }, 30_000);

  it('while two 120-month overviews compute, light requests answer in under a second', async () => {
    const { url } = await serve({ timeoutMs: 3000 });
    expect((await get(`${url}/api/metrics/engagement?${YEAR}`, tokenB)).status).toBe(200);
    const heavy = ['СОШ-1', 'ДОУ-1'].map((org) => track(get(`${url}/api/metrics/overview?${TREND}&org=${encodeURIComponent(org)}`)));
    await until('both overviews computing', () => tmp.db.lanes().metric.busy === 2);
    for (const path of ['/api/health', '/api/orgs', `/api/metrics/engagement?${YEAR}`]) {
      const r = await get(`${url}${path}`, tokenB);
      expect([path, r.status]).toEqual([path, 200]);
      expect(r.ms).toBeLessThan(1000);
    }
    expect(heavy.map((h) => h.done)).toEqual([false, false]);
    // They end at their deadline (or, on a machine fast enough, with the answer).
    for (const h of heavy) {
      const r = await h.answer;
      expect([200, 503]).toContain(r.status);
      // Too long for its deadline, or — the two sharing the lane's connections — more waiting than computing.
      if (r.status === 503) expect(['timeout', 'busy']).toContain(r.body.error.code);
    }
    expect(tmp.db.lanes().metric).toMatchObject({ busy: 0, waiting: 0 });
  }, 60_000);
});

describe('per-account limit on uncached computations', () => {
  it('runs two of an account at once, queues the next, refuses past the queue (429, Retry-After); other accounts are not held', async () => {
    const { url, cache } = await serve({ timeoutMs: 2000, queuePerOwner: 1 });
    const q = (extra: string) => `${url}/api/metrics/overview?${TREND}&${extra}`;
    const a = [track(get(q('org=СОШ-1'))), track(get(q('org=ДОУ-1')))];
    await until('two of A running', () => cache.slots.of(keyA).running === 2);
    a.push(track(get(q('type=Школа'))));
    await until('the third of A waiting', () => cache.slots.of(keyA).waiting === 1);
    expect(cache.slots.of(keyA)).toEqual({ running: 2, waiting: 1 });

    // Past the queue: refused at once, with the time to wait.
    const refused = await get(q('type=' + encodeURIComponent('Детский сад')));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body.error).toEqual({
      code: 'too_many_requests',
      message:
        'Слишком много одновременных расчётов показателей от одной учётной записи: считаются не больше 2 сразу и ещё 1 ждут очереди. Повторите запрос через несколько секунд.',
    });
    // Another account computes meanwhile (its turn in the metric lane comes between A's queries);
    // then the same answer, cached, is no computation: A gets it although its slots are taken.
    const b = await get(`${url}/api/metrics/engagement?${YEAR}`, tokenB);
    expect(b.status).toBe(200);
    expect(total(b.body).engaged).toBe(12);
    const cached = await get(`${url}/api/metrics/engagement?${YEAR}`);
    expect(cached.status).toBe(200);

    for (const t of a) {
      const r = await t.answer;
      expect([200, 503]).toContain(r.status);
    }
    expect(cache.slots.of(keyA)).toEqual({ running: 0, waiting: 0 });
    expect(cache.slots.of(keyB)).toEqual({ running: 0, waiting: 0 });
  }, 60_000);
});
