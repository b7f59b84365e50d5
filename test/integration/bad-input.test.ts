/**
 * The bad input corpus (test/fixtures/bad/cases.ts) through the real sync and a real DuckDB:
 * for every case, exactly the findings it lists are in `issues`, exactly the rows it lists are
 * in `quarantine` (each with its own messages), the good rows of the same sheets loaded, and no
 * quarantined row is also in a data table. A handful of cases run again through the Google
 * path — the real googleapis client against the fake Sheets server, with dates and numbers
 * delivered as Sheets delivers them — and must give the very same messages.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TABS, matchKey } from '../../server/contract/index.ts';
import { createGoogleSource } from '../../server/sources/google.ts';
import type { Source } from '../../server/sources/types.ts';
import { runSync, type SyncSummary } from '../../server/sync/run.ts';
import { BASE_ROWS, baseMunicipality, type Municipality } from '../fixtures/bad/base.ts';
import { BAD_CASES, type BadCase } from '../fixtures/bad/cases.ts';
import { startFakeSheets, type FakeSheets } from '../../fakes/googleSheets.ts';
import { createMemorySource, type MemorySource } from '../support/memorySource.ts';
import { resetDb } from '../support/resetDb.ts';
import { openTempDb, type TempDb } from '../support/server.ts';
import { asFakeTabs } from '../support/sheetsGrid.ts';

// One database for the file, emptied before each case: opening one costs more than a case.
let tmp: TempDb;
beforeAll(async () => {
  tmp = await openTempDb();
});
afterAll(() => tmp.cleanup());
beforeEach(() => resetDb(tmp.db));

const q = (sql: string) => tmp.db.query(sql);

/** Where a quarantined row's messages start: `СОШ-1, лист «Педагоги», строка 7, `. */
const prefix = (org: string | null, tab: string, row: number) => `${org ? `${org}, ` : ''}лист «${tab}», строка ${row}, `;

interface Driver {
  /** Serves the municipality (again) and returns a source for the next sync. */
  serve(m: Municipality): Promise<Source>;
  /** Spreadsheets read by the last sync (memory driver only). */
  fetched?: () => string[];
}

const sync = (source: Source): Promise<SyncSummary> => runSync({ db: tmp.db, source, trigger: 'test' });

async function checkCase(c: BadCase, driver: Driver): Promise<void> {
  if (c.resync) {
    const first = await sync(await driver.serve(baseMunicipality()));
    expect({ status: first.status, message: first.message }).toEqual({ status: 'ok', message: null });
    expect(await q(`SELECT message FROM issues`)).toEqual([]);
  }
  const m = baseMunicipality();
  c.corrupt(m);
  const summary = await sync(await driver.serve(m));

  const [run] = await tmp.db.query(`SELECT message FROM sync_runs WHERE id = $id`, { id: summary.runId });
  expect({ status: summary.status, message: run!.message }).toEqual({ status: c.status ?? 'ok', message: c.message ?? null });

  // Every finding, word for word.
  const issues = (await q(`SELECT level, message FROM issues`)).map((r) => [String(r.level), String(r.message)]);
  const sortPairs = (xs: string[][]) => [...xs].sort((a, b) => (a.join('\u0000') < b.join('\u0000') ? -1 : 1));
  expect(sortPairs(issues)).toEqual(sortPairs(c.issues));

  // Exactly the listed rows are in quarantine, each with exactly its own error messages.
  const quarantined = await q(`SELECT org, tab, row_no, raw, messages FROM quarantine`);
  expect(quarantined.map((r) => `${r.org ?? '—'} · ${r.tab} · ${r.row_no}`).sort()).toEqual([...(c.quarantine ?? [])].sort());
  const errors = c.issues.filter(([level]) => level === 'error').map(([, msg]) => msg);
  for (const r of quarantined) {
    const start = prefix(r.org as string | null, String(r.tab), Number(r.row_no));
    expect(String(r.messages).split('\n').sort()).toEqual(errors.filter((e) => e.startsWith(start)).sort());
    expect(Object.keys(JSON.parse(String(r.raw))).length).toBeGreaterThan(0);
    // Never half-loaded: a quarantined row of a sheet is not in its data table.
    const decl = TABS.find((t) => matchKey(t.title) === matchKey(String(r.tab)));
    if (decl) {
      const same = await tmp.db.query(`SELECT count(*)::INTEGER AS n FROM "${decl.key}" WHERE org = $org AND row_no = $row`, {
        org: String(r.org),
        row: Number(r.row_no),
      });
      expect(same[0]!.n).toBe(0);
    }
  }

  // The good rows loaded (or were kept): row counts per organization and tab.
  const counted = await q(TABS.map((t) => `SELECT '${t.key}' AS tab, org, count(*)::INTEGER AS n FROM "${t.key}" GROUP BY org`).join(' UNION ALL '));
  for (const [org, base] of Object.entries(BASE_ROWS)) {
    const expected = { ...base, ...(c.rows?.[org as keyof typeof BASE_ROWS] ?? {}) };
    const actual = Object.fromEntries(Object.keys(base).map((t) => [t, counted.find((r) => r.org === org && r.tab === t)?.n ?? 0]));
    expect({ org, ...actual }).toEqual({ org, ...expected });
  }

  for (const check of c.checks ?? []) expect(await q(check.sql)).toEqual(check.rows);
  if (c.fetched && driver.fetched) expect(driver.fetched().sort()).toEqual([...c.fetched].sort());
}

function memoryDriver(): Driver {
  let source: MemorySource | null = null;
  return {
    async serve(m) {
      source = createMemorySource(m);
      return source;
    },
    fetched: () => [...(source?.fetched ?? [])],
  };
}

describe('the valid base', () => {
  it('loads with no finding at all', async () => {
    const s = await sync(createMemorySource(baseMunicipality()));
    expect(s.status).toBe('ok');
    expect(await q(`SELECT * FROM issues`)).toEqual([]);
    expect(await q(`SELECT * FROM quarantine`)).toEqual([]);
    // 6 + 3 + 2 + 2 + 2 + 2 rows of СОШ-1, 2 + 1 of ДОУ-1.
    expect(s.totals.rowsLoaded).toBe(20);
  });
});

describe('bad input corpus', () => {
  it('has at least 50 distinct cases', () => {
    expect(BAD_CASES.length).toBeGreaterThanOrEqual(50);
    expect(new Set(BAD_CASES.map((c) => c.name)).size).toBe(BAD_CASES.length);
  });

  for (const c of BAD_CASES) {
    it(c.name, () => checkCase(c, memoryDriver()));
  }
});

describe('the same cases through Google Sheets', () => {
  const REGISTRY_ID = '1BadCorpusRegistryAbCdEfGh';
  let fake: FakeSheets;
  beforeAll(async () => {
    fake = await startFakeSheets({ requireKey: 'corpus-key' });
  });
  afterAll(() => fake.close());

  const googleDriver = (): Driver => ({
    async serve(m) {
      fake.setSpreadsheet(REGISTRY_ID, { tabs: asFakeTabs(m.registry) });
      for (const [id, tabs] of Object.entries(m.sheets)) fake.setSpreadsheet(id, { tabs: asFakeTabs(tabs) });
      return createGoogleSource({ registryId: REGISTRY_ID, apiKey: 'corpus-key', rootUrl: fake.url, sleep: async () => undefined });
    },
  });

  const cases = BAD_CASES.filter((c) => c.google);
  it('covers a handful of cases', () => expect(cases.length).toBeGreaterThanOrEqual(10));
  for (const c of cases) {
    it(c.name, () => checkCase(c, googleDriver()));
  }
});
