/**
 * The registry tab `Организации` (docs/spec/CONTRACT.md section 1): one row per organization. A broken
 * row skips that organization only; duplicate codes skip every row with that code, since we
 * cannot know which spreadsheet is the right one.
 */
import {
  REGISTRY_SCHEMA,
  REQUIRED_EMPTY,
  REGISTRY_TAB,
  isBlank,
  layoutGrid,
  rawText,
  codeKey,
  formulaError,
  matchKey,
  splitEmails,
  statesNothing,
  type Cell,
  type DataIssue,
} from '../contract/index.ts';
import { extractSpreadsheetId } from '../google/sheetId.ts';
import type { OrgEntry, RawTab } from '../sources/types.ts';

export interface RegistryResult {
  entries: OrgEntry[];
  issues: DataIssue[];
  /** Codes named by broken rows: their stored data is kept and marked stale. */
  brokenCodes: string[];
  /** The title of the code column as the registry spells it (for findings about a code). */
  codeColumn: string;
  /** Rows rejected, with raw values, for quarantine. */
  rejected: { row: number; raw: Record<string, string>; problems: DataIssue[] }[];
  /** The whole registry tab could not be read (no header row, missing columns). */
  fatal: string | null;
  /**
   * Broken rows without a code (the cell emptied, a formula error): what else they hold, so that
   * a known organization they still describe is told apart from one removed (`identifyUnnamed`).
   */
  unnamed: { row: number; name: string | null; sheet: string | null; problems: DataIssue[] }[];
}

/**
 * What the «Таблица» column names: a Google URL gives its spreadsheet ID (null when it holds
 * none); anything else is kept as typed — a spreadsheet ID, or a file name for the folder source.
 */
export function sheetRef(s: string): string | null {
  const t = s.trim();
  if (/^https?:\/\//i.test(t) || /(docs|drive)\.google\.com/i.test(t)) return extractSpreadsheetId(t);
  return t;
}

/** Rows a finding lists by number (3,000 copies of a row made each finding 17,000 characters long). */
const LISTED = 10;

/** The first LISTED items, and how many more: «2, 3, …, 11 и ещё 2». */
function someOf(items: readonly string[]): string {
  return `${items.slice(0, LISTED).join(', ')}${items.length > LISTED ? ` и ещё ${items.length - LISTED}` : ''}`;
}

/** Organizations the database knows (every code and name ever listed): a row naming one is never a section's heading (parseRegistry). */
export interface KnownOrgs {
  codes: readonly string[];
  names: readonly string[];
}

/**
 * A row of the registry with one cell filled, its «Код» or «Наименование», naming no
 * organization the database knows: a section's heading («Школы», «Детские сады») or a total
 * («Итого: 5») — not an organization. They were organizations that failed every sync (the run
 * «partial», exit 1, for good: an outside review). A known organization's row left with its code
 * alone stays a broken row of that organization (its data kept), as before.
 */
function sectionRow(cells: Record<string, Cell>, known: { codes: Set<string>; names: Set<string> }): { column: 'code' | 'name'; text: string } | null {
  let filled: [string, Cell] | null = null;
  for (const [key, cell] of Object.entries(cells)) {
    if (statesNothing(cell)) continue;
    if (filled !== null) return null;
    filled = [key, cell];
  }
  if (filled === null || (filled[0] !== 'code' && filled[0] !== 'name') || typeof filled[1] !== 'string' || formulaError(filled[1]) !== null) return null;
  const text = filled[1].trim();
  const key = matchKey(text);
  if (key === '' || known.codes.has(key) || known.names.has(key)) return null;
  return { column: filled[0], text };
}

export function parseRegistry(tab: RawTab, knownOrgs: KnownOrgs = { codes: [], names: [] }): RegistryResult {
  const title = tab.title;
  const known = { codes: new Set(knownOrgs.codes.map(matchKey)), names: new Set(knownOrgs.names.map(matchKey)) };
  const out: RegistryResult = { entries: [], issues: [], brokenCodes: [], codeColumn: 'Код', rejected: [], fatal: null, unnamed: [] };
  const layout = layoutGrid(tab.grid, REGISTRY_TAB.columns);
  for (const n of layout.notices) out.issues.push({ ...n, org: null, tab: title });
  if (!layout.ok) {
    out.fatal = layout.problem;
    out.issues.push({ level: 'error', org: null, tab: title, row: null, column: null, value: null, problem: layout.problem });
    return out;
  }
  const header = (k: string) => layout.headers[k] ?? k;
  out.codeColumn = header('code');
  const candidates: { entry: OrgEntry; raw: Record<string, string>; row: number; typedSheet: string }[] = [];
  for (const r of layout.rows) {
    const section = sectionRow(r.cells, known);
    if (section !== null) {
      out.issues.push({
        level: 'notice',
        org: null,
        tab: title,
        row: r.row,
        column: header(section.column),
        value: section.text,
        problem: 'в строке заполнена только эта ячейка — строка прочитана как заголовок раздела или итог, а не организация; если это организация, заполните остальные столбцы',
      });
      continue;
    }
    const problems: DataIssue[] = [];
    // A formula error (#REF!) is no code: the row is told by its other cells (identifyUnnamed).
    const codeCell = r.cells.code;
    const codeText =
      (typeof codeCell === 'string' || typeof codeCell === 'number') && formulaError(codeCell) === null ? String(codeCell).trim() || null : null;
    const add = (key: string, value: string | null, problem: string) =>
      problems.push({ level: 'error', org: codeText, tab: title, row: r.row, column: header(key), value, problem });
    /** A cell as typed, null when blank. */
    const typed = (key: string) => {
      const cell = r.cells[key];
      return cell === undefined || isBlank(cell) ? null : rawText(cell);
    };
    const res = REGISTRY_SCHEMA.safeParse(r.cells);
    if (!res.success) {
      for (const zi of res.error.issues) {
        const key = String(zi.path[0]);
        add(key, typed(key), zi.message);
      }
    } else {
      const v = res.data as Record<string, unknown>;
      const sheet = sheetRef(String(v.sheet));
      // A wrong address does not stop the organization's sync: it is a warning, and no reminder
      // goes to it (the valid addresses of the cell still get them).
      const contacts = splitEmails(typed('contact') ?? '');
      if (contacts.bad.length) {
        out.issues.push({
          level: 'warning',
          org: codeText,
          tab: title,
          row: r.row,
          column: header('contact'),
          value: (typed('contact') ?? '').slice(0, 500),
          problem: `${contacts.bad
            .slice(0, 5)
            .map((a) => `«${a.slice(0, 80)}»`)
            .join(', ')}${contacts.bad.length > 5 ? ` и ещё ${contacts.bad.length - 5}` : ''} — не адрес электронной почты (пример: zavuch@school1.ru); напоминания на ${contacts.bad.length === 1 ? 'него' : 'них'} не отправляются`,
        });
      }
      if (sheet === null) {
        add('sheet', String(v.sheet), 'в ссылке нет ID таблицы; вставьте полный адрес вида https://docs.google.com/spreadsheets/d/<ID>/edit или сам ID');
      } else {
        candidates.push({
          row: r.row,
          raw: r.raw,
          typedSheet: String(v.sheet),
          entry: {
            code: String(v.code),
            name: String(v.name),
            type: String(v.type),
            sheet,
            curator: (v.curator as string | null) ?? null,
            contacts: contacts.ok,
            active: v.active === null ? true : Boolean(v.active),
            registryRow: r.row,
          },
        });
      }
    }
    if (problems.length) {
      out.rejected.push({ row: r.row, raw: r.raw, problems });
      out.issues.push(...problems);
      if (codeText) out.brokenCodes.push(codeText);
      else {
        const sheet = typed('sheet')?.trim() || null;
        out.unnamed.push({ row: r.row, name: typed('name')?.trim() || null, sheet: sheet === null ? null : sheetRef(sheet), problems });
      }
    }
  }
  const byCode = new Map<string, typeof candidates>();
  for (const c of candidates) {
    const k = codeKey(c.entry.code);
    byCode.set(k, [...(byCode.get(k) ?? []), c]);
  }
  const unique: typeof candidates = [];
  for (const group of byCode.values()) {
    if (group.length === 1) {
      unique.push(group[0]!);
      continue;
    }
    // The same row twice (copied by mistake: the same code, name, type, table, curator, contacts
    // and «Активна»): one organization, read once, and the copies are named. Different rows under
    // one code are two organizations, and which one the code means nobody can tell.
    const same = (c: (typeof group)[number]) => JSON.stringify({ ...c.entry, code: codeKey(c.entry.code), registryRow: 0 });
    if (group.every((g) => same(g) === same(group[0]!))) {
      unique.push(group[0]!);
      for (const g of group.slice(1)) {
        out.issues.push({
          level: 'warning',
          org: group[0]!.entry.code,
          tab: title,
          row: g.row,
          column: null,
          value: null,
          problem: `строка повторяет строку ${group[0]!.row} (организация «${group[0]!.entry.code}», та же таблица) — организация читается один раз; удалите лишнюю строку`,
        });
      }
      continue;
    }
    const rows = `${someOf(group.map((g) => String(g.row)))}${group.length > LISTED ? ` (всего ${group.length})` : ''}`;
    for (const g of group) {
      const problem = `код «${g.entry.code}» повторяется в строках ${rows}; у каждой организации должен быть свой код — организация не синхронизируется, пока код не станет уникальным`;
      const p: DataIssue = { level: 'error', org: g.entry.code, tab: title, row: g.row, column: header('code'), value: g.entry.code, problem };
      out.rejected.push({ row: g.row, raw: g.raw, problems: [p] });
      out.issues.push(p);
    }
    out.brokenCodes.push(group[0]!.entry.code);
  }
  // One spreadsheet per organization: two active organizations reading the same one means one of
  // them reads another's data, and we cannot know which.
  const bySheet = new Map<string, typeof candidates>();
  for (const c of unique) if (c.entry.active) bySheet.set(c.entry.sheet, [...(bySheet.get(c.entry.sheet) ?? []), c]);
  for (const c of unique) {
    const group = bySheet.get(c.entry.sheet) ?? [c];
    if (group.length === 1 || !c.entry.active) {
      out.entries.push(c.entry);
      continue;
    }
    const others = group.filter((g) => g !== c);
    const where = `${others.length === 1 ? 'строке' : 'строках'} ${someOf(others.map((g) => `${g.row} (${g.entry.code})`))}`;
    const problem = `та же таблица указана в ${where}; у каждой организации должна быть своя таблица — организация не синхронизируется, пока таблица не станет своей`;
    const p: DataIssue = { level: 'error', org: c.entry.code, tab: title, row: c.row, column: header('sheet'), value: c.typedSheet, problem };
    out.rejected.push({ row: c.row, raw: c.raw, problems: [p] });
    out.issues.push(p);
    out.brokenCodes.push(c.entry.code);
  }
  out.entries.sort((a, b) => a.registryRow - b.registryRow);
  out.rejected.sort((a, b) => a.row - b.row);
  return out;
}

/**
 * A broken row whose code is gone (the cell emptied by mistake, a formula error) that still
 * names, by its spreadsheet or else by its name, exactly one organization the last registry
 * listed and this one does not: that organization, as for any broken row, is not synced and
 * keeps its data (without this it would have left every figure as if removed from the
 * registry), and its findings name it. Changes `registry` in place.
 */
export function identifyUnnamed(
  registry: RegistryResult,
  known: readonly { code: string; name: string; sheet: string | null }[],
  title: string,
): void {
  const listed = new Set([...registry.entries.map((e) => e.code), ...registry.brokenCodes]);
  const taken = new Set<string>();
  for (const u of registry.unnamed) {
    const free = known.filter((k) => !listed.has(k.code) && !taken.has(k.code));
    const bySheet = u.sheet === null ? [] : free.filter((k) => k.sheet === u.sheet);
    const byName = u.name === null ? [] : free.filter((k) => matchKey(k.name) === matchKey(u.name!));
    const [match, how] = bySheet.length === 1 ? [bySheet[0]!, 'по таблице'] : bySheet.length === 0 && byName.length === 1 ? [byName[0]!, 'по названию'] : [null, ''];
    if (match === null) continue;
    taken.add(match.code);
    registry.brokenCodes.push(match.code);
    for (const p of u.problems) p.org = match.code;
    const said = `${how} это «${match.code}» (${match.name}) — организация не синхронизируется, пока в строке нет кода: впишите код «${match.code}»`;
    // Said with the code cell's own finding (empty, a formula error); for an empty cell the code
    // to write replaces what a code looks like.
    const own = u.problems.find((p) => p.column === registry.codeColumn);
    if (own) own.problem = own.problem.startsWith(REQUIRED_EMPTY) ? `${REQUIRED_EMPTY}; ${said}` : `${own.problem}; ${said}`;
    else registry.issues.push({ level: 'error', org: match.code, tab: title, row: u.row, column: registry.codeColumn, value: null, problem: `в строке нет кода организации; ${said}` });
  }
}

/**
 * An organization known from earlier syncs whose code the registry now spells differently —
 * another case, Latin letters drawn like Russian ones («сош-7», «COШ-7» for «СОШ-7») — is the
 * same organization: its entry takes the known code, so that its data and history stay its
 * own (read as a new organization, the old one would silently leave every figure), and a
 * warning names the registry row. Only when exactly one known code matches and that code is
 * not itself listed. Changes `registry` in place.
 */
export function adoptKnownCodes(registry: RegistryResult, known: readonly string[], title: string): void {
  const listed = new Set(registry.entries.map((e) => e.code));
  const byKey = new Map<string, string[]>();
  for (const code of known) {
    const k = codeKey(code);
    byKey.set(k, [...(byKey.get(k) ?? []), code]);
  }
  const knownSet = new Set(known);
  for (const e of registry.entries) {
    if (knownSet.has(e.code)) continue;
    const match = byKey.get(codeKey(e.code));
    if (match === undefined || match.length !== 1 || listed.has(match[0]!)) continue;
    const was = match[0]!;
    registry.issues.push({
      level: 'warning',
      org: was,
      tab: title,
      row: e.registryRow,
      column: registry.codeColumn,
      value: e.code,
      problem: `код записан иначе, чем в прошлых синхронизациях («${was}»: другой регистр или латинские буквы вместо русских); это та же организация — её данные и история сохранены под кодом «${was}»; исправьте код в реестре`,
    });
    listed.add(was);
    e.code = was;
  }
}
