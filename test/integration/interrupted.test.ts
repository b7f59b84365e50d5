/**
 * A sync stopped after some organizations loaded (the process killed): what they loaded is the
 * data from then on — in the metrics (derived facts), in the lists (tables) and `as_of` the
 * stopped run — as soon as the run is marked interrupted (at the next start), not only after the
 * next sync has ended. Real syncs of a copy of the two-orgs folder into a real DuckDB; the "kill"
 * is a sheet that never answers, with one organization per load transaction.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFolderSource } from '../../server/sources/folder.ts';
import type { Source } from '../../server/sources/types.ts';
import { markInterrupted, runSync } from '../../server/sync/run.ts';
import { openTempDb, startServer, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;
const PERIOD = 'from=2023-09-01&to=2024-08-31';

let tmp: TempDb;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monitor-interrupted-'));
  cpSync(FIXTURE, dir, { recursive: true });
  tmp = await openTempDb();
});
afterAll(() => {
  tmp.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('a sync stopped after a load', () => {
  it('has what it loaded in the figures, the lists and as_of it from the moment it is marked interrupted', async () => {
    const first = await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test', now: () => new Date('2024-06-01T08:00:00Z') });
    expect(first.status).toBe('ok');
    const teachersOf = async (org: string) => Number((await tmp.db.query(`SELECT count(*) AS n FROM teachers WHERE org = $org`, { org }))[0]!.n);
    expect(await teachersOf('СОШ-1')).toBe(11);

    // СОШ-1 hires a twelfth teacher; ДОУ-1's sheet then never answers (the process will be "killed").
    const file = join(dir, 'СОШ-1', 'Педагоги.csv');
    writeFileSync(file, `${readFileSync(file, 'utf8').trimEnd()}\nГромова Юлия Олеговна;учитель;география;01.09.2020;;4;;Первая;;\n`);
    let release!: () => void;
    const never = new Promise<never>((_, reject) => (release = () => reject(new Error('остановлено'))));
    const folder = createFolderSource(dir);
    const hanging: Source = { ...folder, readRegistry: () => folder.readRegistry(), fetchOrg: (org, ctx) => (org.code === 'ДОУ-1' ? never : folder.fetchOrg(org, ctx)) };
    const second = runSync({ db: tmp.db, source: hanging, trigger: 'test', full: true, batchRows: 1, now: () => new Date('2024-06-02T08:00:00Z') });
    try {
      // СОШ-1's load is committed; the run waits for ДОУ-1.
      await expect.poll(async () => (await tmp.db.query(`SELECT count(*) AS n FROM sync_run_orgs WHERE run_id = 2 AND org = 'СОШ-1' AND status = 'ok'`))[0]!.n, { timeout: 10_000 }).toBe(1);
      expect(await teachersOf('СОШ-1')).toBe(12);
      // The next start marks it interrupted.
      await tmp.db.write((w) => markInterrupted(w));
      expect((await tmp.db.query(`SELECT status FROM sync_runs WHERE id = 2`))[0]!.status).toBe('interrupted');

      const server = await startServer({ db: tmp.db, now: () => new Date('2024-06-03T08:00:00Z') });
      try {
        const total = async (q: string) => (await server.getJson(`/api/metrics/engagement?${PERIOD}&org=${encodeURIComponent('СОШ-1')}${q}`)).body.rows.find((r: any) => r.org === null);
        // Teachers working on 31.08.2024: the 11 of the fixture less Смирнова (left 30.06.2024),
        // Новиков (left 31.08.2024) and Попова (hired 05.09.2024) = 8, and Громова = 9. The facts
        // were the first run's: 8, beside a list of 12 rows.
        expect((await total('')).teachers).toBe(9);
        // As of the stopped run (it stands for moments after its start): the same, now and later.
        const asOf = await total('&as_of=2024-06-02T12:00:00Z');
        expect(asOf.teachers).toBe(9);
        // As of the first run: its 8.
        expect((await total('&as_of=2024-06-01T12:00:00Z')).teachers).toBe(8);
      } finally {
        await server.close();
      }
    } finally {
      release();
      await second.catch(() => undefined);
    }
  });
});

describe('a load batch that is not full', () => {
  it('is written once it has waited maxBatchAgeMs: a sheet that hangs does not hold back the others read already', async () => {
    const own = await openTempDb();
    const copy = mkdtempSync(join(tmpdir(), 'monitor-batch-age-'));
    cpSync(FIXTURE, copy, { recursive: true });
    let release!: () => void;
    const never = new Promise<never>((_, reject) => (release = () => reject(new Error('остановлено'))));
    const folder = createFolderSource(copy);
    const hanging: Source = { ...folder, readRegistry: () => folder.readRegistry(), fetchOrg: (org, ctx) => (org.code === 'ДОУ-1' ? never : folder.fetchOrg(org, ctx)) };
    // The default batch (16,000 rows) never fills with the fixture's rows: before the batch had
    // an age, СОШ-1 waited in memory for ДОУ-1, and a process stopped then had loaded nothing.
    const run = runSync({ db: own.db, source: hanging, trigger: 'test', maxBatchAgeMs: 100, now: () => new Date('2024-06-02T08:00:00Z') });
    try {
      await expect.poll(async () => (await own.db.query(`SELECT count(*)::INTEGER AS n FROM sync_run_orgs WHERE org = 'СОШ-1' AND status = 'ok'`))[0]!.n, { timeout: 10_000 }).toBe(1);
      // СОШ-1's 11 teachers are in the database while the run still waits for ДОУ-1.
      expect((await own.db.query(`SELECT count(*)::INTEGER AS n FROM teachers GROUP BY org ORDER BY org`)).map((r) => r.n)).toEqual([11]);
      expect((await own.db.query(`SELECT status FROM sync_runs`)).map((r) => r.status)).toEqual(['running']);
    } finally {
      release();
      await run.catch(() => undefined);
      own.cleanup();
      rmSync(copy, { recursive: true, force: true });
    }
    // ДОУ-1 then failed («остановлено»): СОШ-1 loaded (ДОУ-9 is not active in the registry).
    expect((await run).orgs.filter((o) => o.status !== 'inactive').map((o) => [o.org, o.status])).toEqual([['СОШ-1', 'ok'], ['ДОУ-1', 'failed']]);
  });
});
