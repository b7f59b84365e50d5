/**
 * The operations page's API (issue #20, part 5), on the real server with real accounts and a
 * sync of the base municipality (test/fixtures/bad/base.ts: СОШ-1 with 6 teachers, ДОУ-1 with 2)
 * from a source in memory:
 *  - the live progress of a sync (server-sent events) from its start to its end, and the run in
 *    the history;
 *  - a school's re-read of its own sheet: once, then refused for 10 minutes with the time to
 *    wait; only its own sheet is read; a coordinator re-reads any organization without a limit;
 *  - the audit log's filters; API tokens made, used and revoked while the server runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../server/sync/run.ts';
import type { SyncProgress } from '../../server/sync/progress.ts';
import { SHEET, addRow, baseMunicipality } from '../fixtures/bad/base.ts';
import { createMemorySource, type MemorySource } from '../support/memorySource.ts';
import { openTempDb, startServerAs, type ServerWithAccounts, type TempDb } from '../support/server.ts';

let tmp: TempDb;
let server: ServerWithAccounts;
let source: MemorySource;
const m = baseMunicipality();

beforeAll(async () => {
  tmp = await openTempDb();
  source = createMemorySource(m);
  await runSync({ db: tmp.db, source, trigger: 'test' });
  server = await startServerAs(
    {
      db: tmp.db,
      // As main.ts wires it: everything, or one organization read in full.
      startSync: (r) => runSync({ db: tmp.db, source, trigger: r?.trigger ?? 'api', ...(r?.org !== undefined ? { only: [r.org], full: true } : {}) }),
    },
    { koord: { role: 'coordinator' }, sosh1: { role: 'school', org: 'СОШ-1' }, dou1: { role: 'school', org: 'ДОУ-1' }, region: { role: 'region' } },
  );
}, 60_000);
afterAll(async () => {
  await server?.close();
  tmp?.cleanup();
});

const post = (path: string, as: string, body: unknown = {}) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { ...server.headers(as), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** Reads `progress` events of the stream until `until` holds for one; every event read, in order. */
async function readEvents(body: ReadableStream<Uint8Array>, until: (p: SyncProgress) => boolean): Promise<SyncProgress[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events: SyncProgress[] = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended after ${events.length} events`);
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (!block.startsWith('event: progress') || !data) continue;
      const p = JSON.parse(data.slice(6)) as SyncProgress;
      events.push(p);
      if (until(p)) {
        await reader.cancel();
        return events;
      }
    }
  }
}

describe('sync from the browser', () => {
  it('streams the progress of a sync from its start to its end; the run is in the history', async () => {
    // СОШ-1 gains a teacher (its sheet changed: loaded); ДОУ-1 is as it was (unchanged).
    addRow(m, 'СОШ-1', 'Педагоги', { ФИО: 'Новикова Ольга Сергеевна', Должность: 'учитель', Категория: 'Без категории' });
    const stream = await fetch(`${server.url}/api/sync/events`, { headers: server.headers('koord') });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    // The test's accounts call with API tokens: the run is the token's (a browser's is 'api').
    const events = readEvents(stream.body!, (p) => p.finished !== null && !p.running && p.trigger === 'token');
    const started = await post('/api/sync', 'koord');
    expect(started.status).toBe(202);
    const seen = await events;
    // The first event is the state when connecting (the start-up sync of the test: finished).
    expect(seen[0]!.running).toBe(false);
    const running = seen.filter((p) => p.running && p.trigger === 'token');
    expect(running.length).toBeGreaterThan(0);
    const last = seen.at(-1)!;
    // 2 organizations: СОШ-1 loaded, ДОУ-1 unchanged.
    expect(last).toMatchObject({ running: false, trigger: 'token', org: null, total: 2, fetched: 2, done: 2, counts: { ok: 1, unchanged: 1, failed: 0, held: 0 }, problems: [] });
    expect(last.finished!.status).toBe('ok');
    expect(last.finished!.line).toMatch(/^Синхронизация завершена: организаций загружено 1, без изменений 1, с ошибкой 0/);
    const { body } = await server.get('/api/sync/runs?limit=1', 'koord');
    expect(body.runs[0]).toMatchObject({ id: last.runId, trigger: 'token', status: 'ok', orgs_ok: 1, orgs_unchanged: 1, rows_loaded: 7 + 3 + 2 + 2 + 2 + 2 });
    // The organizations in the order of every other list: the school before the kindergarten (by code alone ДОУ-1 came first).
    expect(body.runs[0].orgs.map((o: { org: string }) => o.org)).toEqual(['СОШ-1', 'ДОУ-1']);
    // The status answers the same without a stream; a school or the region sees neither.
    expect((await server.get('/api/sync/status', 'koord')).body).toMatchObject({ configured: true, progress: { runId: last.runId, running: false } });
    for (const as of ['sosh1', 'region']) {
      expect((await fetch(`${server.url}/api/sync/events`, { headers: server.headers(as) })).status, as).toBe(403);
      expect((await server.get('/api/sync/status', as)).status, as).toBe(403);
    }
  }, 30_000);

  it('keeps at most 20 live progress streams; a closed page frees its place', async () => {
    const open = async () => {
      const controller = new AbortController();
      const res = await fetch(`${server.url}/api/sync/events`, { headers: server.headers('koord'), signal: controller.signal });
      return { res, close: () => controller.abort() };
    };
    const streams = [];
    for (let i = 0; i < 20; i++) streams.push(await open());
    expect(streams.every((s) => s.res.status === 200)).toBe(true);
    const extra = await fetch(`${server.url}/api/sync/events`, { headers: server.headers('koord') });
    expect(extra.status).toBe(503);
    expect((await extra.json()).error.message).toMatch(/слишком много открытых страниц с ходом синхронизации/);
    streams.pop()!.close();
    // The server notices the closed connection, then the place is free again.
    await expect.poll(async () => {
      const again = await open();
      const status = again.res.status;
      again.close();
      return status;
    }).toBe(200);
    for (const s of streams) s.close();
  });

  it('lets a school re-read its own sheet once in 10 minutes, and says when it last was read', async () => {
    const before = source.fetched.length;
    const first = await post('/api/sync/org', 'sosh1');
    expect(first.status).toBe(200);
    const answer = await first.json();
    // Read in full although unchanged: 7 teachers, 3 pairs, 2 programs, 2 courses, 2 attestations, 2 compliance rows.
    expect(answer).toMatchObject({ status: 'ok', outcome: { org: 'СОШ-1', status: 'ok', rowsLoaded: 18 }, state: { org: 'СОШ-1', last_status: 'ok', stale: false } });
    expect(answer.state.wait_s).toBeGreaterThan(590);
    // Only its own sheet was read.
    expect(source.fetched.slice(before)).toEqual([SHEET.school]);
    const second = await post('/api/sync/org', 'sosh1');
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(590);
    expect((await second.json()).error.message).toBe('Таблицу можно перечитывать не чаще раза в 10 минут: следующий раз — через 10 мин.');
    const state = await server.get('/api/sync/org', 'sosh1');
    expect(state.body).toMatchObject({ org: 'СОШ-1', last_status: 'ok', configured: true, running: false });
    expect(state.body.last_success).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    // Not another organization's sheet; not for the region; the other school has its own limit.
    expect((await post('/api/sync/org', 'sosh1', { org: 'ДОУ-1' })).status).toBe(403);
    expect((await post('/api/sync/org', 'region')).status).toBe(403);
    // The coordinator's re-read of ДОУ-1 does not use up the school's own (it blocked the school's button for 10 minutes).
    expect((await post('/api/sync/org', 'koord', { org: 'ДОУ-1' })).status).toBe(200);
    expect((await post('/api/sync/org', 'dou1')).status).toBe(200);
    // The coordinator names the organization and has no limit.
    expect((await post('/api/sync/org', 'koord', { org: 'СОШ-1' })).status).toBe(200);
    expect((await post('/api/sync/org', 'koord', { org: 'СОШ-1' })).status).toBe(200);
    expect((await post('/api/sync/org', 'koord')).status).toBe(400);
    // A code not in the registry: refused before any sync starts.
    const runs = (await server.get('/api/sync/runs', 'koord')).body.runs.length;
    const unknown = await post('/api/sync/org', 'koord', { org: 'ДОУ-99' });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.message).toBe('организации ДОУ-99 нет в реестре');
    expect((await server.get('/api/sync/runs', 'koord')).body.runs.length).toBe(runs);
  }, 30_000);
});

describe('the audit log and API tokens from the operations page', () => {
  it('filters the audit log by action, person and days', async () => {
    // The re-reads above, newest first: koord twice, dou1, koord, sosh1 (the refused ones are not recorded).
    const all = (await server.get('/api/audit?action=sync_org', 'koord')).body;
    expect(all.entries.map((e: any) => e.target)).toEqual(['СОШ-1', 'СОШ-1', 'ДОУ-1', 'ДОУ-1', 'СОШ-1']);
    expect(all.actions).toEqual(expect.arrayContaining(['sync_org', 'sync_start']));
    // A part of the name, any case: the two school tokens' names are test-2 and test-3 (startServerAs).
    const schools = (await server.get('/api/audit?action=sync_org&actor=TEST-2', 'koord')).body.entries;
    expect(schools.map((e: any) => e.target)).toEqual(['СОШ-1']);
    const today = new Date().toISOString().slice(0, 10);
    expect((await server.get(`/api/audit?action=sync_org&from=${today}&to=${today}`, 'koord')).body.entries).toHaveLength(5);
    expect((await server.get('/api/audit?action=sync_org&to=2020-01-01', 'koord')).body.entries).toEqual([]);
    const bad = await server.get('/api/audit?from=2024-02-30', 'koord');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('неверный параметр from: такой даты нет в календаре');
    expect((await server.get('/api/audit?from=2024-03-01&to=2024-02-01', 'koord')).status).toBe(400);
  });

  it('makes, lists and revokes an API token while the server runs', async () => {
    const made = await post('/api/tokens', 'koord', { name: 'region-report', role: 'region' });
    expect(made.status).toBe(201);
    const { token, secret } = await made.json();
    expect(token).toMatchObject({ name: 'region-report', role: 'region', org: null, revoked_at: null });
    const asToken = { Authorization: `Bearer ${secret}` };
    expect((await fetch(`${server.url}/api/metrics/engagement?from=2023-09-01&to=2024-08-31`, { headers: asToken })).status).toBe(200);
    // A region token: aggregates only.
    expect((await fetch(`${server.url}/api/mentors`, { headers: asToken })).status).toBe(403);
    const listed = (await server.get('/api/tokens', 'koord')).body.tokens.find((t: any) => t.id === token.id);
    expect(listed).toMatchObject({ name: 'region-report', revoked_at: null });
    // A second active token of the same name (any case): refused — revoking by name would end both.
    const twin = await post('/api/tokens', 'koord', { name: 'Region-Report', role: 'coordinator' });
    expect([twin.status, (await twin.json()).error.message]).toEqual([
      409,
      `токен с названием «region-report» уже есть; выберите другое название или отзовите прежний (npm run token -- revoke ${token.id})`,
    ]);
    expect(JSON.stringify((await server.get('/api/tokens', 'koord')).body)).not.toContain(secret);
    expect((await post(`/api/tokens/${token.id}/revoke`, 'koord')).status).toBe(200);
    expect((await fetch(`${server.url}/api/metrics/engagement`, { headers: asToken })).status).toBe(401);
    expect((await server.get('/api/tokens', 'koord')).body.tokens.find((t: any) => t.id === token.id).revoked_at).not.toBeNull();
    // Its name is free again once it is revoked.
    expect((await post('/api/tokens', 'koord', { name: 'region-report', role: 'region' })).status).toBe(201);
    // Revoked twice, an unknown number, a school or the region: refused.
    expect((await post(`/api/tokens/${token.id}/revoke`, 'koord')).status).toBe(400);
    expect((await post('/api/tokens/abc/revoke', 'koord')).status).toBe(400);
    expect((await post('/api/tokens', 'sosh1', { name: 'x', role: 'coordinator' })).status).toBe(403);
    expect((await server.get('/api/tokens', 'region')).status).toBe(403);
    const bad = await post('/api/tokens', 'koord', { name: 'для школы', role: 'school' });
    expect(bad.status).toBe(400);
  });
});

describe('re-reads at once', () => {
  it('start one sync; the others are told it runs (409), none fails (it was a 500), one is audited', async () => {
    const audited = async () => (await server.get('/api/audit?action=sync_org', 'koord')).body.entries.length;
    const before = await audited();
    const answers = await Promise.all(Array.from({ length: 8 }, () => post('/api/sync/org', 'koord', { org: 'ДОУ-1' })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    const busy = await answers.find((a) => a.status === 409)!.json();
    expect(busy.error.message).toBe('синхронизация уже идёт; дождитесь её окончания: таблица организации будет прочитана в ней, если изменилась');
    expect(await audited()).toBe(before + 1);
  });
});
