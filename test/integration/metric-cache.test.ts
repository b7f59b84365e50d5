/**
 * The metric cache: answers kept per (metric, parameters, data version) as the bytes sent,
 * revalidated with ETag/304, dropped when a sync changes the data, bounded in bytes, shared
 * by `overview` with its component metrics. Real DuckDB, real server, the two-orgs fixture
 * (its numbers are worked out in engagement.test.ts).
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetricCache, answerJson } from '../../server/metrics/cache.ts';
import { parseParams } from '../../server/metrics/metrics.ts';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync } from '../../server/sync/run.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;
const NOW = new Date('2024-03-15T10:00:00Z');
const YEAR = 'from=2023-09-01&to=2024-08-31';

let tmp: TempDb;
let dir: string;
let server: RunningServer;
let cache: MetricCache;

beforeEach(async () => {
  tmp = await openTempDb();
  dir = mkdtempSync(join(tmpdir(), 'monitor-cache-'));
  cpSync(FIXTURE, dir, { recursive: true });
  await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test' });
  cache = new MetricCache(tmp.db);
  server = await startServer({ db: tmp.db, now: () => NOW, metricCache: cache });
});
afterEach(async () => {
  await server.close();
  tmp.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const total = (body: any) => body.rows.find((r: any) => r.org === null);

/**
 * A conditional GET the way a browser's HTTP cache revalidates. Not `fetch`: by the Fetch
 * standard a request with a hand-set If-None-Match also gets `Cache-Control: no-cache`, which
 * a server must treat as "send it all".
 */
function revalidate(url: string, etag: string | null, encoding = 'gzip, deflate'): Promise<{ status: number; etag: string | undefined; encoding: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { ...(etag ? { 'If-None-Match': etag } : {}), 'Accept-Encoding': encoding, ...server.authHeaders } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const gz = res.headers['content-encoding'] === 'gzip' && raw.length > 0;
          resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, encoding: res.headers['content-encoding'], body: (gz ? gunzipSync(raw) : raw).toString('utf8') });
        });
      })
      .on('error', reject);
  });
}

describe('metric cache', () => {
  it('answers a repeated request with 304 until a sync changes the data', async () => {
    const path = `/api/metrics/engagement?${YEAR}`;
    const url = `${server.url}${path}`;
    const first = await server.fetch(path);
    const etag = first.headers.get('etag');
    const body1 = await first.json();
    // 16 teachers in the population, 12 engaged (engagement.test.ts).
    expect([total(body1).teachers, total(body1).engaged]).toEqual([16, 12]);
    expect(etag).toMatch(/^"[\w-]{27}-gz"$/); // sha1 of the JSON, base64url; fetch takes it gzip-compressed
    expect(first.headers.get('cache-control')).toBe('private, no-cache');

    const again = await revalidate(url, etag!);
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(cache.size.entries).toBe(1);

    // A sync with no change moves the data version (statuses and sync times are data too), so
    // the answer is computed again; its bytes are the same, so the ETag still matches.
    await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test' });
    expect((await revalidate(url, etag!)).status).toBe(304);
    expect(cache.size.entries).toBe(1); // the answer of the old version was dropped

    // A new СОШ-1 teacher hired 01.02.2024 joins the population on 31.08.2024: 16 + 1 = 17
    // teachers, still 12 engaged. The old ETag no longer matches; the old answer is dropped.
    appendFileSync(join(dir, 'СОШ-1', 'Педагоги.csv'), 'Григорьева Юлия Антоновна;учитель;география;01.02.2024;;3;;Первая;;\n');
    await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test' });
    const changed = await revalidate(url, etag!);
    expect(changed.status).toBe(200);
    expect(changed.etag).not.toBe(etag);
    const body2 = JSON.parse(changed.body);
    expect([total(body2).teachers, total(body2).engaged]).toEqual([17, 12]);
    expect(cache.size.entries).toBe(1);
  });

  it('sends the answer gzip-compressed to a client that accepts it, and the same JSON plain to one that does not', async () => {
    const url = `${server.url}/api/metrics/engagement?${YEAR}`;
    const zipped = await revalidate(url, null, 'gzip, deflate, br');
    const plain = await revalidate(url, null, 'identity');
    expect([zipped.status, plain.status]).toEqual([200, 200]);
    expect([zipped.encoding, plain.encoding]).toEqual(['gzip', undefined]);
    // One computation, two representations: the same JSON, each with its own validator.
    expect(cache.size.entries).toBe(1);
    expect(zipped.body).toBe(plain.body);
    expect([total(JSON.parse(plain.body)).teachers, total(JSON.parse(plain.body)).engaged]).toEqual([16, 12]);
    expect(plain.etag).toMatch(/^"[\w-]{27}"$/);
    expect(zipped.etag).toBe(`${plain.etag!.slice(0, -1)}-gz"`);
    // Each validator revalidates its own representation only.
    expect((await revalidate(url, plain.etag!, 'identity')).status).toBe(304);
    expect((await revalidate(url, zipped.etag!, 'gzip')).status).toBe(304);
    expect((await revalidate(url, plain.etag!, 'gzip')).status).toBe(200);
  });

  it('serves the same bytes as a fresh computation, and overview reads its parts through the cache', async () => {
    const overview = await (await server.fetch(`/api/metrics/overview?${YEAR}`)).json();
    // overview + the six metrics its tiles come from.
    expect(cache.size.entries).toBe(7);
    const engagement = await (await server.fetch(`/api/metrics/engagement?${YEAR}`)).json();
    expect(cache.size.entries).toBe(7); // engagement was already there, as a part of overview
    expect(total(overview).engagement_rate).toBe(total(engagement).engagement_rate);
    expect(total(overview).engagement_rate).toBe(0.75); // 12 / 16

    // A cache of its own (nothing shared) computes the same answer byte for byte.
    const fresh = new MetricCache(tmp.db);
    const p = parseParams({ from: '2023-09-01', to: '2024-08-31' }, NOW);
    const direct = await fresh.get('overview', p);
    expect(JSON.parse((await answerJson(direct)).toString('utf8'))).toEqual(overview);
  });

  it('keeps its size under the byte bound, dropping the least recently used', async () => {
    const names = ['engagement', 'young_specialists', 'pairs_by_form', 'pairs_by_topic', 'program_completion'];
    const p = parseParams({ from: '2023-09-01', to: '2024-08-31' }, NOW);
    const unbounded = new MetricCache(tmp.db);
    const sizes: number[] = [];
    for (const name of names) sizes.push((await unbounded.get(name, p)).gzip.length);
    // A bound of half their sum: all five cannot fit, the largest one alone does.
    const bound = Math.floor(sizes.reduce((a, b) => a + b, 0) / 2);
    expect(Math.max(...sizes)).toBeLessThan(bound);
    const small = new MetricCache(tmp.db, { maxBytes: bound });
    for (const name of names) {
      await small.get(name, p);
      await new Promise((r) => setImmediate(r)); // the size is booked when the answer settles
      expect(small.size.bytes).toBeLessThanOrEqual(bound);
    }
    expect(small.size.entries).toBeLessThan(5);
    expect(small.size.entries).toBeGreaterThan(0);
    // Asked in order, never again: the ones left are the newest ones (a suffix of the order), so the
    // first one asked left and the last one stayed.
    const survivors = names.filter((n) => small.has(n, p));
    expect(survivors).toEqual(names.slice(names.length - survivors.length));
    expect(small.has('engagement', p)).toBe(false);
    expect(small.has('program_completion', p)).toBe(true);
    // Asking again for a cached one adds nothing.
    const before = small.size.entries;
    await small.get('program_completion', p);
    expect(small.size.entries).toBe(before);
    // Use, not insertion, decides. A bound one byte short of engagement + young_specialists +
    // program_completion: any two fit, the three do not (at the fixture's sizes 645 + 742 + 1 387 =
    // 2 774 bytes, bound 2 773). Ask engagement, then young_specialists, then engagement again (a
    // hit: young_specialists is now the least recently used); program_completion then pushes the
    // total over and young_specialists leaves, though engagement was inserted before it.
    const [eng, young, completion] = [sizes[0]!, sizes[1]!, sizes[4]!];
    const lru = new MetricCache(tmp.db, { maxBytes: eng + young + completion - 1 });
    const settle = () => new Promise((r) => setImmediate(r));
    await lru.get('engagement', p);
    await settle();
    await lru.get('young_specialists', p);
    await settle();
    await lru.get('engagement', p);
    await lru.get('program_completion', p);
    await settle();
    expect(lru.has('engagement', p)).toBe(true);
    expect(lru.has('young_specialists', p)).toBe(false);
    expect(lru.has('program_completion', p)).toBe(true);
    expect(lru.size).toEqual({ entries: 2, bytes: eng + completion });
  });

  it('warms the first screen of the dashboard: every metric with default parameters', async () => {
    const fresh = new MetricCache(tmp.db);
    await fresh.warm(NOW);
    // 12 metrics; overview's six parts are the same keys as the metrics themselves.
    expect(fresh.size.entries).toBe(12);
    const p = parseParams({}, NOW);
    expect(p).toMatchObject({ from: '2023-09-01', to: '2024-08-31' });
    const before = fresh.size.entries;
    await fresh.get('qualification_growth', p);
    expect(fresh.size.entries).toBe(before);
  });
});
