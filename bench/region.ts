/**
 * The benchmark's synthetic region: the demo generator at region scale (deterministic seed),
 * laid out as Google would serve it — a registry spreadsheet and one spreadsheet per
 * organization with a Sheets-like ID — plus the two deterministic edits the benchmark needs:
 * "5% of spreadsheets changed" and "5% of rows corrupted".
 *
 * The demo grids already follow UNFORMATTED_VALUE semantics: dates typed as dates are serial
 * numbers, dates typed as text stay text (some organizations do that on purpose), checkboxes
 * are booleans.
 */
import { REGISTRY_TAB, TABS, layoutGrid, matchKey, type TabDecl } from '../server/contract/index.ts';
import { generateMunicipality, type DemoOptions } from '../server/sources/demo/index.ts';
import type { Cell, FetchResult, Grid, OrgEntry, RawTab, Source } from '../server/sources/types.ts';

export const REGISTRY_ID = '1BenchRegistryAbCdEfGhIjKlMnOpQr';
export const REFERENCE_DATE = '2025-05-15';
const SEED = 20_250_515;

export interface RegionOrg {
  code: string;
  /** The Sheets-like spreadsheet ID written in the registry's `Таблица` column. */
  sheetId: string;
  tabs: RawTab[];
}

export interface Region {
  size: number;
  registry: RawTab;
  orgs: RegionOrg[];
  stats: { organizations: number; teachers: number; pairs: number; programs: number; courses: number; attestations: number };
  /** Non-blank rows below the header row, over every tab of every organization (approximate data rows). */
  gridRows: number;
}

/** A region of `size` organizations: 45% schools, 50% kindergartens, 5% additional; ~60 teachers per organization. */
export function regionOptions(size: number): DemoOptions {
  const schools = Math.round(size * 0.45);
  const kindergartens = Math.round(size * 0.5);
  return {
    schools,
    kindergartens,
    additional: size - schools - kindergartens,
    // teachersScale 2: schools 60–120, kindergartens 24–50 teachers → ~62 per organization on average.
    teachersScale: 2,
    inactive: 0,
    referenceDate: REFERENCE_DATE,
    seed: SEED,
  };
}

const sheetIdOf = (i: number) => `1Bench${String(i).padStart(6, '0')}SheetAbCdEfGhIjKlMn`;

export function buildRegion(size: number): Region {
  const m = generateMunicipality(regionOptions(size));
  const header = m.registry.grid[0] ?? [];
  const column = (key: string) => {
    const title = REGISTRY_TAB.columns.find((c) => c.key === key)!.header;
    return header.findIndex((h) => typeof h === 'string' && matchKey(h) === matchKey(title));
  };
  const sheetCol = column('sheet');
  const codeCol = column('code');
  if (sheetCol < 0 || codeCol < 0) throw new Error('bench: the demo registry has no «Код»/«Таблица» column');
  const orgs: RegionOrg[] = [];
  const grid: Grid = [header];
  for (const [i, row] of m.registry.grid.slice(1).entries()) {
    const demoKey = String(row[sheetCol]);
    const tabs = m.orgs.get(demoKey);
    if (!tabs) throw new Error(`bench: no tabs for ${demoKey}`);
    const sheetId = sheetIdOf(i + 1);
    const copy = [...row];
    // Half the registry rows hold a full link, as coordinators paste them.
    copy[sheetCol] = i % 2 === 0 ? sheetId : `https://docs.google.com/spreadsheets/d/${sheetId}/edit#gid=0`;
    grid.push(copy);
    orgs.push({ code: String(row[codeCol]), sheetId, tabs });
  }
  let gridRows = 0;
  for (const o of orgs) for (const t of o.tabs) gridRows += Math.max(0, t.grid.filter((r) => r.some((c) => c !== null && c !== '')).length - 1);
  return { size, registry: { title: m.registry.title, grid }, orgs, stats: m.stats, gridRows };
}

/** FNV-1a: a stable hash for deterministic choices. */
export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Every 20th organization (5%), chosen by position so the same ones change at every run. */
export function changedOrgs(region: Region, share = 0.05): RegionOrg[] {
  const step = Math.max(1, Math.round(1 / share));
  return region.orgs.filter((_, i) => i % step === step - 1);
}

/**
 * An edit a school would make: the hours of the first course are raised by one. Returns new
 * tabs (the region's grids are not touched).
 */
export function editedTabs(org: RegionOrg): RawTab[] {
  const decl = TABS.find((t) => t.key === 'courses')!;
  return org.tabs.map((t) => {
    if (matchKey(t.title) !== matchKey(decl.title)) return t;
    const grid = t.grid.map((r) => [...r]);
    const at = columnPosition(grid, decl, 'hours');
    if (at === null) return { title: t.title, grid };
    const row = grid[at.headerRow + 1];
    if (row && typeof row[at.col] === 'number') row[at.col] = (row[at.col] as number) + 1;
    return { title: t.title, grid };
  });
}

/** Where a declared column sits in a grid: the header row index (0-based) and the column index. */
function columnPosition(grid: Grid, decl: TabDecl, key: string): { headerRow: number; col: number } | null {
  const layout = layoutGrid(grid, decl.columns);
  if (!layout.ok) return null;
  const text = layout.headers[key];
  if (text === undefined) return null;
  const headerRow = layout.headerRow - 1;
  const col = (grid[headerRow] ?? []).findIndex((c) => typeof c === 'string' && matchKey(c) === matchKey(text));
  return col < 0 ? null : { headerRow, col };
}

/** A value no date column accepts (31 February), whatever the organization's date style. */
const BAD_DATE: Cell = '31.02.2024';

/**
 * Corrupts about `share` of the data rows of every tab, deterministically (a hash of
 * organization, tab and row): a date cell becomes 31.02.2024, so the row is quarantined.
 * A rejected teacher also rejects the rows that refer to them (pairs, courses…), as in life.
 * Returns the corrupted tabs and how many rows were corrupted.
 */
export function corruptedTabs(org: RegionOrg, share = 0.05): { tabs: RawTab[]; corrupted: number } {
  let corrupted = 0;
  const modulo = Math.round(1 / share);
  const tabs = org.tabs.map((t) => {
    const decl = TABS.find((d) => matchKey(d.title) === matchKey(t.title));
    if (!decl) return t;
    const dateCol = decl.columns.find((c) => c.type.kind === 'date' && c.required) ?? decl.columns.find((c) => c.type.kind === 'date');
    if (!dateCol) return t;
    const grid = t.grid.map((r) => [...r]);
    const at = columnPosition(grid, decl, dateCol.key);
    if (at === null) return { title: t.title, grid };
    for (let r = at.headerRow + 1; r < grid.length; r++) {
      const row = grid[r]!;
      if (!row.some((c) => c !== null && c !== '')) continue;
      if (hash(`${org.code}|${decl.key}|${r}`) % modulo !== 0) continue;
      while (row.length <= at.col) row.push(null);
      row[at.col] = BAD_DATE;
      corrupted++;
    }
    return { title: t.title, grid };
  });
  return { tabs, corrupted };
}

/** A Source over grids in memory: what a sync does once the network part is done (the load and answers phases). */
export function memorySource(registry: RawTab, sheets: Map<string, RawTab[]>): Source {
  return {
    kind: 'folder',
    description: 'бенчмарк: таблицы в памяти',
    async readRegistry() {
      return registry;
    },
    async fetchOrg(org: OrgEntry): Promise<FetchResult> {
      const id = /\/d\/([^/]+)/.exec(org.sheet)?.[1] ?? org.sheet;
      const tabs = sheets.get(id);
      if (!tabs) throw new Error(`no sheet ${org.sheet}`);
      return { status: 'ok', tabs, version: 'bench', requests: 0, retries: 0 };
    },
  };
}
