/**
 * Property test: the two-organization fixture (test/fixtures/two-orgs, read with parseCsv) is
 * corrupted at random — a cell replaced by garbage, a header deleted or renamed, a tab dropped,
 * rows duplicated, shuffled or padded with blank rows — 200 corruptions over rounds of a few
 * each, from a seeded PRNG, each round synced into the same database. After every round:
 *  - the sync did not throw and no organization failed;
 *  - for each organization and tab: either the tab loaded (its table holds this run's rows, and
 *    loaded rows + quarantined rows = the non-blank data rows of the tab as served), or the tab
 *    was missing and had no rows before (no rows), or it failed as a whole or went missing with
 *    rows stored and kept exactly its previous rows and their quarantine (issue #17: an optional
 *    tab that had rows is never emptied by its absence);
 *  - no row of a data table has a NULL in a required column.
 * The oracle counts non-blank rows on its own, from the contract's headers: it does not call
 * the layout code it checks.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABS, matchKey, type TabDecl } from '../../server/contract/index.ts';
import { dbColumns } from '../../server/db/schema.ts';
import { parseCsv } from '../../server/sources/csv.ts';
import { mulberry32 } from '../../server/sources/demo/index.ts';
import type { Cell, Grid, RawTab } from '../../server/sources/types.ts';
import { runSync } from '../../server/sync/run.ts';
import { createMemorySource } from '../support/memorySource.ts';
import { openTempDb, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;
const ORGS = ['СОШ-1', 'ДОУ-1'] as const;
const TOTAL_CORRUPTIONS = 200;
const SEED = 20_240_601;

const prng = mulberry32; // the demo generator's seeded PRNG

function pristine(): { registry: RawTab[]; sheets: Record<string, RawTab[]> } {
  const sheets: Record<string, RawTab[]> = {};
  for (const org of ORGS) {
    sheets[org] = readdirSync(join(FIXTURE, org)).map((f) => ({
      title: f.replace(/\.csv$/, ''),
      grid: parseCsv(readFileSync(join(FIXTURE, org, f), 'utf8')),
    }));
  }
  return { registry: [{ title: 'Организации', grid: parseCsv(readFileSync(join(FIXTURE, 'registry.csv'), 'utf8')) }], sheets };
}

const blank = (c: Cell | undefined) => c === null || c === undefined || (typeof c === 'string' && c.trim() === '');

/** The contract's tab for a title, and the header row of each fixture tab (row 3 of СОШ-1's «Педагоги»). */
const declOf = (title: string): TabDecl | undefined => TABS.find((t) => matchKey(t.title) === matchKey(title));
const headerIndexOf = (org: string, title: string) => (org === 'СОШ-1' && title === 'Педагоги' ? 2 : 0);

function isDeclaredHeader(decl: TabDecl, cell: Cell | undefined): boolean {
  if (typeof cell !== 'string') return false;
  const k = matchKey(cell);
  return decl.columns.some((c) => matchKey(c.header) === k || c.aliases.some((a) => matchKey(a) === k));
}

/** Data rows with a value in some column headed by a declared header. */
function nonBlankRows(g: Grid, headerIndex: number, decl: TabDecl): number {
  const header = g[headerIndex] ?? [];
  const cols = header.map((h, i) => (isDeclaredHeader(decl, h) ? i : -1)).filter((i) => i >= 0);
  let n = 0;
  for (let r = headerIndex + 1; r < g.length; r++) if (cols.some((i) => !blank(g[r]?.[i]))) n++;
  return n;
}

const GARBAGE: Cell[] = [
  '',
  null,
  '   ',
  '#REF!',
  '#N/A',
  '#DIV/0!',
  'мусор',
  'x'.repeat(700),
  12345,
  -1,
  0.5,
  true,
  '31.02.2023',
  '03/04/2023',
  '01.09.23г.',
  'Иванов Иван (СОШ-77)',
  'Неизвестный Педагог',
  '3.99',
  'Да?',
];

/** Applies one corruption and says what it did, or NOTHING when it found nothing to corrupt. */
type Corruption = (tabs: RawTab[], org: string, rnd: () => number) => string;
const NOTHING = '';

const pick = <T,>(xs: readonly T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)]!;

function dataRange(org: string, t: RawTab): [number, number] {
  return [headerIndexOf(org, t.title) + 1, t.grid.length];
}

const CORRUPTIONS: Corruption[] = [
  // Replace a data cell with garbage (the most common corruption: weight 4).
  ...Array.from({ length: 4 }, (): Corruption => (tabs, org, rnd) => {
    const t = pick(tabs, rnd);
    const [from, to] = dataRange(org, t);
    if (from >= to) return NOTHING;
    const r = from + Math.floor(rnd() * (to - from));
    const width = (t.grid[headerIndexOf(org, t.title)] ?? []).length;
    const c = Math.floor(rnd() * width);
    const row = t.grid[r]!;
    while (row.length <= c) row.push('');
    const v = pick(GARBAGE, rnd);
    row[c] = v;
    return `cell ${t.title}[${r + 1}, ${c + 1}] = ${JSON.stringify(v)?.slice(0, 20)}`;
  }),
  (tabs, org, rnd) => {
    const t = pick(tabs, rnd);
    const header = t.grid[headerIndexOf(org, t.title)] ?? [];
    const c = Math.floor(rnd() * header.length);
    header[c] = pick(['', 'Столбец без имени', 'Примечание'], rnd);
    return `header ${t.title}[${c + 1}] replaced`;
  },
  (tabs, _org, rnd) => {
    if (!tabs.length) return NOTHING;
    const [t] = tabs.splice(Math.floor(rnd() * tabs.length), 1);
    return `tab ${t!.title} dropped`;
  },
  (tabs, org, rnd) => {
    const t = pick(tabs, rnd);
    const [from, to] = dataRange(org, t);
    if (from >= to) return NOTHING;
    const r = from + Math.floor(rnd() * (to - from));
    t.grid.splice(from + Math.floor(rnd() * (to - from + 1)), 0, [...t.grid[r]!]);
    return `row ${r + 1} of ${t.title} duplicated`;
  },
  (tabs, org, rnd) => {
    const t = pick(tabs, rnd);
    const [from] = dataRange(org, t);
    const rows = t.grid.splice(from);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    t.grid.push(...rows);
    return `rows of ${t.title} shuffled`;
  },
  (tabs, org, rnd) => {
    const t = pick(tabs, rnd);
    const [from, to] = dataRange(org, t);
    const at = from + Math.floor(rnd() * (to - from + 1));
    t.grid.splice(at, 0, ...Array.from({ length: 1 + Math.floor(rnd() * 50) }, () => (rnd() < 0.5 ? [] : ['', null, ' '])));
    return `blank rows in ${t.title}`;
  },
];

let tmp: TempDb;
beforeAll(async () => {
  tmp = await openTempDb();
});
afterAll(() => tmp.cleanup());

interface Snapshot {
  /** `org|tab key` → `row_no:run_id` of every stored row, sorted. */
  rows: Map<string, string[]>;
  /** `org|tab key` → `row_no:run_id` of every quarantined row of that tab, sorted. */
  quarantine: Map<string, string[]>;
}

async function snapshot(): Promise<Snapshot> {
  const rows = new Map<string, string[]>();
  const all = TABS.map((t) => `SELECT '${t.key}' AS tab, org, row_no, run_id FROM "${t.key}"`).join(' UNION ALL ');
  for (const r of await tmp.db.query(`${all} ORDER BY tab, org, row_no, run_id`)) {
    const k = `${r.org}|${r.tab}`;
    rows.set(k, [...(rows.get(k) ?? []), `${r.row_no}:${r.run_id}`]);
  }
  const quarantine = new Map<string, string[]>();
  for (const r of await tmp.db.query(`SELECT org, tab, row_no, run_id FROM quarantine WHERE scope = 'sheet' ORDER BY org, tab, row_no`)) {
    const k = `${r.org}|${declOf(String(r.tab))?.key ?? `?${r.tab}`}`;
    quarantine.set(k, [...(quarantine.get(k) ?? []), `${r.row_no}:${r.run_id}`]);
  }
  return { rows, quarantine };
}

/** Counts of rows with a NULL in a required column, per table (all must be 0). */
const NULLS_SQL = TABS.map((t) => {
  const cols = dbColumns(t).filter((c) => c.from?.required || c.name === 'person_key').map((c) => `"${c.name}" IS NULL`);
  return `SELECT '${t.key}' AS tab, count(*)::INTEGER AS n FROM "${t.key}" WHERE ${cols.join(' OR ')}`;
}).join(' UNION ALL ');

async function nullsInRequired(): Promise<Record<string, number>> {
  return Object.fromEntries((await tmp.db.query(NULLS_SQL)).map((r) => [String(r.tab), Number(r.n)]));
}

describe('random corruptions of a valid municipality', () => {
  it(`never throw, never lose rows, never load a NULL into a required column (${TOTAL_CORRUPTIONS} corruptions, seed ${SEED})`, async () => {
    const rnd = prng(SEED);
    const source = createMemorySource(pristine());
    const first = await runSync({ db: tmp.db, source, trigger: 'test' });
    expect(first.status).toBe('ok');
    const zeroNulls = Object.fromEntries(TABS.map((t) => [t.key, 0]));

    let applied = 0;
    let rounds = 0;
    const outcomes = { loaded: 0, kept: 0, keptMissing: 0, missing: 0 };
    while (applied < TOTAL_CORRUPTIONS) {
      rounds++;
      const data = pristine();
      const log: string[] = [];
      const k = 1 + Math.floor(rnd() * 12);
      for (let i = 0; i < k && applied < TOTAL_CORRUPTIONS; ) {
        const org = pick(ORGS, rnd);
        const done = pick(CORRUPTIONS, rnd)(data.sheets[org]!, org, rnd);
        if (done === NOTHING) continue; // e.g. no data rows left to corrupt: draw again
        log.push(`${org}: ${done}`);
        i++;
        applied++;
      }
      const before = await snapshot();
      source.data = data;
      const s = await runSync({ db: tmp.db, source, trigger: 'test' });
      const where = `round ${rounds}: ${log.join('; ')}`;
      expect({ where, status: s.status, failed: s.orgs.filter((o) => o.status === 'failed') }).toEqual({ where, status: 'ok', failed: [] });
      const after = await snapshot();
      const runTabs = new Map(
        (await tmp.db.query(`SELECT org, tabs FROM sync_run_orgs WHERE run_id = $run`, { run: s.runId })).map((r) => [
          String(r.org),
          r.tabs === null ? null : (JSON.parse(String(r.tabs)) as Record<string, number | string>),
        ]),
      );

      for (const org of ORGS) {
        const tabs = runTabs.get(org);
        for (const decl of TABS) {
          const key = `${org}|${decl.key}`;
          const stored = after.rows.get(key) ?? [];
          const outcome = tabs?.[decl.title];
          const at = `${where} — ${org}/${decl.title}`;
          if (tabs === null || tabs === undefined || outcome === 'ошибка листа' || outcome === 'сохранены прежние строки') {
            // Unchanged sheet, a tab that failed wholesale or a missing tab that had rows: exactly
            // the previous rows and quarantine.
            expect({ at, rows: stored, quarantine: after.quarantine.get(key) ?? [] }).toEqual({
              at,
              rows: before.rows.get(key) ?? [],
              quarantine: before.quarantine.get(key) ?? [],
            });
            if (outcome === 'ошибка листа') outcomes.kept++;
            if (outcome === 'сохранены прежние строки') {
              expect({ at, had: (before.rows.get(key) ?? []).length > 0 }).toEqual({ at, had: true });
              outcomes.keptMissing++;
            }
          } else if (outcome === 'нет листа') {
            expect({ at, rows: stored, before: before.rows.get(key) ?? [] }).toEqual({ at, rows: [], before: [] });
            outcomes.missing++;
          } else {
            // Loaded: this run's rows only, and loaded + quarantined = the non-blank rows served.
            const served = data.sheets[org]!.find((t) => declOf(t.title) === decl)!;
            const quarantined = (after.quarantine.get(key) ?? []).filter((q) => q.endsWith(`:${s.runId}`)).length;
            expect({ at, loaded: stored.length, allNew: stored.every((x) => x.endsWith(`:${s.runId}`)) }).toEqual({ at, loaded: outcome, allNew: true });
            expect({ at, total: stored.length + quarantined }).toEqual({ at, total: nonBlankRows(served.grid, headerIndexOf(org, served.title), decl) });
            outcomes.loaded++;
          }
        }
      }
      expect({ where, nulls: await nullsInRequired() }).toEqual({ where, nulls: zeroNulls });
    }
    expect(applied).toBe(TOTAL_CORRUPTIONS);
    // The corruptions exercised every outcome.
    expect(outcomes.loaded).toBeGreaterThan(0);
    expect(outcomes.kept).toBeGreaterThan(0);
    expect(outcomes.missing).toBeGreaterThan(0);
    expect(outcomes.keptMissing).toBeGreaterThan(0);
  }, 120_000);
});
