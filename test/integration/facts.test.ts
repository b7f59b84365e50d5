/**
 * The derived facts (issue #18, server/db/facts.ts): built at the end of each sync, skipped when no
 * row they are made of changed, built at start for a database that has none (an older version)
 * or whose rows changed after them (a sync killed between its loads and its last write), and
 * never read half-built. The numbers themselves are checked by metrics.test.ts and the other
 * metric tests; here, that the answers stay the same through all of this.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Db } from '../../server/db/db.ts';
import { openDatabase } from '../../server/db/schema.ts';
import { FACT_TABLES, rebuildFacts } from '../../server/db/facts.ts';
import { parseParams, runMetric } from '../../server/metrics/metrics.ts';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync } from '../../server/sync/run.ts';
import { openTempDb, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/municipality/', import.meta.url).pathname;
const NOW = new Date('2024-06-15T10:00:00Z');
const P1 = parseParams({ from: '2023-09-01', to: '2024-08-31' }, NOW);
const NAMES = ['engagement', 'young_specialists', 'professional_development', 'qualification_growth', 'attestation_due', 'program_completion', 'data_quality'];

let tmp: TempDb;
let db: Db;

async function answers(d: Db): Promise<string> {
  const out: unknown[] = [];
  for (const name of NAMES) out.push((await runMetric(d, name, P1)).rows);
  return JSON.stringify(out);
}

beforeAll(async () => {
  tmp = await openTempDb();
  db = tmp.db;
  await runSync({ db, source: createFolderSource(FIXTURE), trigger: 'test', now: () => new Date('2025-01-20T09:00:00Z') });
});
afterAll(() => {
  // Not tmp.cleanup(): it closes the database it opened, and the tests reopen the file.
  db.close();
  rmSync(tmp.dir, { recursive: true, force: true });
});

describe('derived facts', () => {
  it('are rebuilt only when the rows they are made of changed', async () => {
    const again = await db.write((w) => rebuildFacts(w));
    expect(again).toMatchObject({ people: false, orgs: false });
    // A finding changes the counts of organizations, not the facts of people.
    await db.write((w) =>
      w.run(`INSERT INTO issues VALUES (0, 'sheet', 'ДДТ-1', 'Педагоги', 2, NULL, NULL, 'warning', 'тест', 'тест')`),
    );
    expect(await db.write((w) => rebuildFacts(w))).toMatchObject({ people: false, orgs: true });
    const warnings = async () => (await runMetric(db, 'data_quality', P1)).rows.find((r) => r.org === 'ДДТ-1')?.warnings;
    expect(await warnings()).toBe(1);
    await db.write((w) => w.run(`DELETE FROM issues WHERE run_id = 0 AND problem = 'тест'`));
    expect(await db.write((w) => rebuildFacts(w))).toMatchObject({ people: false, orgs: true });
    expect(await warnings()).toBe(0);
    // Two organizations leave the registry and come back: the same change on two rows is seen.
    const listed = async () => (await runMetric(db, 'engagement', P1)).rows.map((r) => r.org);
    await db.write((w) => w.run(`UPDATE orgs SET in_registry = false WHERE code <> 'СОШ-7'`));
    expect(await db.write((w) => rebuildFacts(w))).toMatchObject({ people: false, orgs: true });
    expect(await listed()).toEqual(['СОШ-7', null]);
    await db.write((w) => w.run(`UPDATE orgs SET in_registry = true`));
    expect(await db.write((w) => rebuildFacts(w))).toMatchObject({ people: false, orgs: true });
    expect(await listed()).toEqual(['СОШ-7', 'ДОУ-5', 'ДДТ-1', null]);
    const forced = await db.write((w) => rebuildFacts(w, { force: true }));
    expect(forced).toMatchObject({ people: true, orgs: true });
  });

  it('are built at start for a database without them, with the same answers', async () => {
    const before = await answers(db);
    // An older database: no fact tables, no stamp.
    await db.write(async (w) => {
      for (const t of FACT_TABLES) await w.run(`DROP TABLE IF EXISTS "${t}" CASCADE`);
      await w.run(`DELETE FROM meta WHERE key LIKE 'facts_stamp%'`);
    });
    db.close();
    db = await openDatabase(tmp.path);
    expect(await answers(db)).toBe(before);
  });

  it('are rebuilt at start when rows changed after them (a sync killed before its last write)', async () => {
    const before = await answers(db);
    // A teacher of СОШ-7 leaves the rows without a rebuild, as a killed sync would leave them.
    await db.write((w) => w.run(`DELETE FROM teachers WHERE org = 'СОШ-7' AND fio LIKE 'Алексеева%'`));
    db.close();
    db = await openDatabase(tmp.path);
    const after = JSON.parse(await answers(db)) as { org: string | null; teachers?: number }[][];
    const engagement = after[0]!;
    expect(engagement.find((r) => r.org === 'СОШ-7')?.teachers).toBe(13);
    expect(JSON.stringify(after)).not.toBe(before);
  });

  it('are never read half-built: answers during a rebuild are the old or the new ones', async () => {
    const expected = await answers(db);
    let stop = false;
    const seen: string[] = [];
    const reader = (async () => {
      while (!stop) seen.push(await answers(db));
    })();
    for (let i = 0; i < 3; i++) await db.write((w) => rebuildFacts(w, { force: true }));
    stop = true;
    await reader;
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(s).toBe(expected);
  });
});
