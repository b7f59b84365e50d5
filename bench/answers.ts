/**
 * Byte-identical answers (issue #18): records every metric's JSON on the benchmark region for
 * many parameter sets, so that a change of the metric SQL can be checked against the answers of
 * the code before it. Run the recording with the old code first, then with the new one, then
 * compare:
 *
 *   npx tsx bench/answers.ts build   <db> [--size=1000]   the region, synced with a pinned clock
 *   npx tsx bench/answers.ts record  <db> <out-dir>       runMetric (and the cache's bytes) per set
 *   npx tsx bench/answers.ts compare <dir-a> <dir-b>      every answer equal byte for byte?
 *
 * Parameter sets: bench/params.ts paramSet 0…9 and 1000…1009 (the benchmark's uncached sets),
 * a few edge periods (ten years, a future year, one day, a year long past), and `grain=month`
 * for three of them. Each answer is stored gzipped (for a diff) with its SHA-256 in index.json.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { openDatabase } from '../server/db/schema.ts';
import { runSync } from '../server/sync/run.ts';
import { paramSet, type QueryParams } from './params.ts';
import { REFERENCE_DATE, buildRegion, memorySource } from './region.ts';

const NOW = new Date(`${REFERENCE_DATE}T12:00:00Z`);

interface Entry {
  key: string;
  metric: string;
  via: 'runMetric' | 'cache';
  query: Record<string, string>;
  sha256: string;
  bytes: number;
  file: string;
}


async function build(dbPath: string, size: number): Promise<void> {
  const region = buildRegion(size);
  const sheets = new Map(region.orgs.map((o) => [o.sheetId, o.tabs]));
  const db = await openDatabase(dbPath);
  const t0 = performance.now();
  const s = await runSync({ db, source: memorySource(region.registry, sheets), trigger: 'cli', full: true, now: () => NOW });
  process.stdout.write(`синхронизация ${size} орг.: ${s.status}, строк ${s.totals.rowsLoaded}, ${Math.round(performance.now() - t0)} мс\n`);
  db.close();
}

function querySets(orgs: readonly string[]): { query: Record<string, string>; month: boolean }[] {
  const out: { query: Record<string, string>; month: boolean }[] = [];
  const q = (p: QueryParams): Record<string, string> => {
    const r: Record<string, string> = { from: p.from, to: p.to };
    if (p.type) r.type = p.type;
    if (p.org) r.org = p.org;
    return r;
  };
  for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009]) {
    out.push({ query: q(paramSet(i, orgs)), month: false });
  }
  const edge: Record<string, string>[] = [
    { from: '2015-09-01', to: '2025-08-31' },
    { from: '2025-09-01', to: '2026-08-31' },
    { from: '2023-09-01', to: '2023-09-01' },
    { from: '2018-01-01', to: '2018-12-31', type: 'Детский сад' },
    { from: '2022-09-01', to: '2023-08-31', org: orgs[17]! },
    { from: '2028-01-01', to: '2029-06-30' },
  ];
  for (const e of edge) out.push({ query: e, month: false });
  for (const i of [0, 2, 3]) out.push({ query: { ...q(paramSet(i, orgs)), grain: 'month' }, month: true });
  out.push({ query: { from: '2023-01-01', to: '2024-12-31', grain: 'month' }, month: true });
  return out;
}

async function record(dbPath: string, outDir: string): Promise<void> {
  const { METRICS, parseParams, runMetric } = await import('../server/metrics/metrics.ts');
  const { MetricCache, answerJson } = await import('../server/metrics/cache.ts');
  mkdirSync(outDir, { recursive: true });
  const db = await openDatabase(dbPath);
  const orgs = (await db.query(`SELECT code FROM orgs WHERE in_registry ORDER BY code`)).map((r) => String(r.code));
  const entries: Entry[] = [];
  const save = (metric: string, via: Entry['via'], query: Record<string, string>, json: Buffer) => {
    const key = `${metric}|${via}|${new URLSearchParams(query).toString()}`;
    const sha256 = createHash('sha256').update(json).digest('hex');
    const file = `${String(entries.length).padStart(4, '0')}.json.gz`;
    writeFileSync(join(outDir, file), gzipSync(json));
    entries.push({ key, metric, via, query, sha256, bytes: json.length, file });
  };
  const t0 = performance.now();
  for (const m of METRICS) {
    const t1 = performance.now();
    for (const { query } of querySets(orgs)) {
      const params = parseParams(query, NOW);
      const result = await runMetric(db, m.name, params);
      save(m.name, 'runMetric', query, Buffer.from(JSON.stringify(result), 'utf8'));
      if (m.name === 'overview' && params.grain === null) {
        // What HTTP sends: overview reads its parts through the cache.
        const cache = new MetricCache(db, { timeoutMs: 600_000 });
        save(m.name, 'cache', query, await answerJson(await cache.get(m.name, params)));
      }
    }
    process.stdout.write(`  ${m.name}: ${Math.round(performance.now() - t1)} мс\n`);
  }
  writeFileSync(join(outDir, 'index.json'), `${JSON.stringify(entries, null, 1)}\n`);
  process.stdout.write(`записано ${entries.length} ответов в ${outDir} за ${Math.round((performance.now() - t0) / 1000)} с\n`);
  db.close();
}

function compare(a: string, b: string): void {
  const load = (dir: string) => JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Entry[];
  const ea = load(a);
  const eb = new Map(load(b).map((e) => [e.key, e]));
  let equal = 0;
  const differ: string[] = [];
  const missing: string[] = [];
  for (const e of ea) {
    const f = eb.get(e.key);
    if (!f) {
      missing.push(e.key);
      continue;
    }
    eb.delete(e.key);
    if (e.sha256 === f.sha256 && e.bytes === f.bytes) {
      equal++;
      continue;
    }
    differ.push(e.key);
    if (differ.length <= 5) {
      const ja = gunzipSync(readFileSync(join(a, e.file))).toString('utf8');
      const jb = gunzipSync(readFileSync(join(b, f.file))).toString('utf8');
      let i = 0;
      while (i < ja.length && ja[i] === jb[i]) i++;
      process.stdout.write(`РАЗЛИЧИЕ ${e.key} (${e.bytes} / ${f.bytes} байт), с позиции ${i}:\n  было:  ${ja.slice(Math.max(0, i - 200), i + 200)}\n  стало: ${jb.slice(Math.max(0, i - 200), i + 200)}\n`);
    }
  }
  process.stdout.write(
    `сравнено ${ea.length} ответов: совпадают байт в байт ${equal}, различаются ${differ.length}, нет во втором ${missing.length}, лишних во втором ${eb.size}\n`,
  );
  if (differ.length || missing.length || eb.size) process.exitCode = 1;
}

const [cmd, x, y] = process.argv.slice(2).filter((s) => !s.startsWith('--'));
const size = Number(process.argv.find((s) => s.startsWith('--size='))?.split('=')[1] ?? 1000);
if (cmd === 'build' && x) await build(x, size);
else if (cmd === 'record' && x && y) await record(x, y);
else if (cmd === 'compare' && x && y) compare(x, y);
else {
  process.stderr.write('usage: tsx bench/answers.ts build <db> [--size=N] | record <db> <dir> | compare <dir-a> <dir-b>\n');
  process.exitCode = 2;
}
