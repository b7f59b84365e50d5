/**
 * Which sync a moment stands for (`as_of`, server/metrics/asof.ts), at the edges of a sync's end:
 * a moment asked while a sync ends must stand for the same sync when asked again later (a report
 * made with `as_of` is reproducible), and the finish time the product shows — to the second —
 * must select that sync. Real syncs of the two-orgs folder into a real DuckDB.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAsOf } from '../../server/metrics/asof.ts';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync } from '../../server/sync/run.ts';
import { openTempDb, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;

let tmp: TempDb;
beforeAll(async () => {
  tmp = await openTempDb();
});
afterAll(() => tmp.cleanup());

const sync = (now: () => Date) => runSync({ db: tmp.db, source: createFolderSource(FIXTURE), trigger: 'test', full: true, now });
const runAt = async (moment: string) => (await resolveAsOf(tmp.db, moment)).run;

describe('before the first sync that holds data', () => {
  it('the message names that sync, not a first one that loaded nothing', async () => {
    // A server started before its registry was there: its first sync failed, the next one loaded.
    const own = await openTempDb();
    const empty = mkdtempSync(join(tmpdir(), 'as-of-empty-'));
    try {
      const failed = await runSync({ db: own.db, source: createFolderSource(empty), trigger: 'test', now: () => new Date('2024-05-15T09:00:00Z') });
      expect(failed.status).toBe('failed');
      const loaded = await runSync({ db: own.db, source: createFolderSource(FIXTURE), trigger: 'test', now: () => new Date('2024-05-15T10:00:00Z') });
      expect(loaded.status).toBe('ok');
      // It said «первая синхронизация завершилась 15.05.2024 09:00:00 UTC»: a moment after it was refused too.
      await expect(resolveAsOf(own.db, '2024-05-15T08:00:00Z')).rejects.toThrow(
        `на 15.05.2024 08:00:00 (UTC) данных ещё нет: данные есть с синхронизации № ${loaded.runId} (15.05.2024 10:00:00 (UTC))`,
      );
    } finally {
      own.cleanup();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('the end of a sync', () => {
  it('is shown to the second, and that second selects the sync; before it there is nothing yet', async () => {
    // The clock reads 10:00:07.251 at the end: shown as 10:00:08 (rounded up). Shown as 10:00:07, it
    // selected the sync before when typed in.
    const first = await sync(() => new Date('2024-05-15T10:00:07.251Z'));
    const [row] = await tmp.db.query(`SELECT finished_at::VARCHAR AS f FROM sync_runs WHERE id = $id`, { id: first.runId });
    expect(row!.f).toBe('2024-05-15 10:00:07.251');
    expect((await resolveAsOf(tmp.db, '2024-05-15T10:00:08Z')).finished_at).toBe('2024-05-15 10:00:08');
    expect(await runAt('2024-05-15T10:00:08Z')).toBe(first.runId);
    expect(await runAt('2024-05-15T10:00:07.251Z')).toBe(first.runId);
    // Before it, the message names both moments to the second (to the minute both read 10:00).
    await expect(resolveAsOf(tmp.db, '2024-05-15T10:00:07.25Z')).rejects.toThrow(
      'на 15.05.2024 10:00:07 (UTC) данных ещё нет: первая синхронизация завершилась 15.05.2024 10:00:08 (UTC)',
    );
  });

  it('a moment asked while a sync ends stands for the same sync when asked again afterwards', async () => {
    // A second sync on the real clock; meanwhile `as_of` = the moment of asking, over and over.
    // Its finish time used to be taken before the history and the facts were written: a moment
    // asked in between stood for the sync before, and for this one once its end was committed.
    let done = false;
    const second = sync(() => new Date()).finally(() => {
      done = true;
    });
    const asked: [string, number][] = [];
    while (!done) {
      const moment = new Date().toISOString();
      asked.push([moment, await runAt(moment)]);
      await new Promise((r) => setTimeout(r, 2));
    }
    const { runId } = await second;
    for (let i = 0; i < 20; i++) {
      const moment = new Date().toISOString();
      asked.push([moment, await runAt(moment)]);
    }
    expect(asked.length).toBeGreaterThan(30);
    // The last ones were asked after the sync: they stand for it.
    expect(asked.at(-1)![1]).toBe(runId);
    const again = await Promise.all(asked.map(async ([moment]) => [moment, await runAt(moment)] as [string, number]));
    expect(again).toEqual(asked);
  });
});
