/**
 * Validation of one organization's tabs against the contract, in two phases:
 *  1. `parseOrg`: find tabs and headers, parse every cell (zod schemas from the declaration),
 *     apply the row rules. Yields the organization's teachers for the directory.
 *  2. `resolveOrg`: resolve person references against the directory of every organization
 *     (so `ФИО (КОД-ОО)` never depends on the order in which sheets were read), then the
 *     cross-row rules. A row with any error is quarantined whole; warnings keep the row.
 */
import {
  AS_TEXT,
  ROW_PARSERS,
  TABS,
  displayCell,
  isBlank,
  layoutGrid,
  longTextWarning,
  codeKey,
  cutsLongText,
  describesOnly,
  formulaError,
  daysFromIso,
  editDistance,
  hiddenOddities,
  INVISIBLE_CLASS,
  isoFromDays,
  matchKey,
  normalizePersonName,
  parsePersonRef,
  rawText,
  ruDate,
  type ColumnDecl,
  type DataIssue,
  type Level,
  type PersonRef,
  type TabDecl,
  type TabKey,
} from '../contract/index.ts';
import { dataRow, findTab, rowShape, type DataRow } from '../contract/layout.ts';
import type { Cell, RawTab } from '../sources/types.ts';
import { OrgPeople, personKey, type Person } from './people.ts';

export interface PendingRow {
  row: number;
  /** The laid-out row; its `raw` (header → text as typed) is built on first read, for quarantine. */
  src: DataRow;
  /** The cells as delivered, by column key (for messages: the value as the school sees it). */
  cells: Record<string, Cell>;
  /** Parsed values by column key (person columns hold a PersonRef). */
  values: Record<string, unknown>;
  /** A row refused by its cells: the values of its columns that parsed (`values` is empty). */
  partial?: Record<string, unknown>;
  problems: DataIssue[];
}

export interface TabOutcome {
  decl: TabDecl;
  /**
   * ok: rows replace the stored ones; missing: optional tab absent (no data yet); error: keep the
   * stored rows (the tab is broken); kept: keep the stored rows (an optional tab that had rows
   * went missing: sync/guard.ts).
   */
  status: 'ok' | 'missing' | 'error' | 'kept';
  /** The title found in the sheet (or the contract's title when missing). */
  title: string;
  rows: PendingRow[];
  /** Column key → header text as found in the sheet. */
  headers: Record<string, string>;
  /** Header text as found in the sheet → its column (0 = A), when the tab was laid out. */
  places?: Record<string, number>;
  /** Template columns the tab lacks that its layout's warnings name as written otherwise (contract/layout.ts). */
  misnamed?: ReadonlySet<string>;
}

export interface ParsedOrg {
  org: string;
  tabs: Map<TabKey, TabOutcome>;
  /** Tab-level findings (missing tabs and columns, notices). Row findings live on the rows. */
  issues: DataIssue[];
  /** This run's teachers (when the tab loaded), for the directory. */
  people: OrgPeople | null;
  /**
   * The organization's teachers' employment, by person key, when «Педагоги» is not among `tabs`:
   * the part resolved in phase 2 (splitOrg) checks its pairs against it as the whole sheet would.
   */
  employment?: Employment;
}

/** A teacher's employment as «Педагоги» gives it, by person key. */
export type Employment = ReadonlyMap<string, { row: number; hired: string | null; dismissed: string | null }>;

/** The employment of the teachers of a «Педагоги» tab, its refused rows left out (pairs begun after one left, or ended before one came, are told). */
export function employmentOf(teachers: TabOutcome | undefined): Employment {
  const out = new Map<string, { row: number; hired: string | null; dismissed: string | null }>();
  if (teachers?.status !== 'ok') return out;
  for (const r of teachers.rows) {
    if (hasErrors(r) || typeof r.values.person_key !== 'string') continue;
    const date = (k: string) => (typeof r.values[k] === 'string' ? (r.values[k] as string) : null);
    out.set(r.values.person_key, { row: r.row, hired: date('hired'), dismissed: date('dismissed') });
  }
  return out;
}

/** A row ready for the database: values by database column name. */
export interface StagedRow {
  row: number;
  values: Record<string, unknown>;
}

export interface QuarantinedRow {
  tab: string;
  row: number;
  raw: Record<string, string>;
  problems: DataIssue[];
}

export interface ValidatedOrg {
  org: string;
  tabs: Map<TabKey, { status: TabOutcome['status']; title: string; rows: StagedRow[] }>;
  issues: DataIssue[];
  quarantine: QuarantinedRow[];
}

/** Everything the second phase needs to know about the other organizations. */
export interface Directory {
  /** Registry code for a code as typed (tolerant match), or null when not in the registry. */
  orgCode(typed: string): string | null;
  /** The teachers of an organization: this run's, or as last loaded; null when never loaded. */
  people(org: string): OrgPeople | null;
  /** Whether the registry marks the organization inactive («Активна» — «Нет»): its sheet is not read. */
  inactive?(org: string): boolean;
  /** Mentor–mentee links of the organization's pair sheet, when the pairs tab did not load in this run. */
  storedPairs(org: string): Promise<Set<string>>;
}

function issue(
  org: string,
  tab: string,
  level: Level,
  row: number | null,
  column: string | null,
  value: string | null,
  problem: string,
): DataIssue {
  return { org, tab, level, row, column, value, problem };
}

/** A cell as quoted in a message: as the school sees it, or null when the cell is empty. */
function shown(decl: TabDecl, cells: Record<string, Cell>, key: string): string | null {
  const cell = cells[key];
  if (cell === undefined || isBlank(cell)) return null;
  return displayCell(cell, decl.columns.find((c) => c.key === key)?.type);
}

/** The tabs a spreadsheet has, as a message names them. */
function tabTitles(tabs: readonly RawTab[]): string {
  return tabs.map((t) => `«${t.title}»`).join(', ') || 'нет ни одного листа';
}

/**
 * Why a required tab is missing, and what to do: rename the tab of the sheet it probably is («Пары»,
 * «Педагоги 2023», «Повышение квалификации педагогов»: a tab of no template title that holds the
 * title's word or the title its words), or add it. It said «верните листу название» also when no
 * tab was there to rename, and never which tab (an outside review).
 */
function missingTabProblem(decl: TabDecl, tabs: readonly RawTab[]): string {
  const want = matchKey(decl.title);
  const words = want.split(' ').filter((w) => w.length >= 4);
  const near = tabs.find((t) => {
    const k = matchKey(t.title);
    if (k === '' || TABS.some((d) => matchKey(d.title) === k)) return false;
    return k.includes(want) || (k.length >= 4 && want.includes(k)) || editDistance(k, want) <= 2 || (words.length > 1 && words.every((w) => k.includes(w)));
  });
  const what = near
    ? `возможно, это лист «${near.title}» — назовите его «${decl.title}»`
    : `добавьте лист «${decl.title}» (как в шаблоне) или, если он переименован, верните ему это название`;
  return `нет обязательного листа «${decl.title}» (листы в таблице: ${tabTitles(tabs)}); ${what}`;
}

/**
 * Why not one tab of the spreadsheet could be loaded — a sheet emptied by mistake, or not the
 * template at all — or null when one could (a template with headers only loads: «данных пока
 * нет»). Such a read fails the organization instead of loading it: its data stays as it was and
 * ages (stale after STALE_AFTER_HOURS), and the run says so. It was «загружена — строк 0», a
 * success, fresh at every sync, whatever stood in the sheet.
 */
export function nothingLoadable(parsed: ParsedOrg, rawTabs: readonly RawTab[]): string | null {
  if ([...parsed.tabs.values()].some((t) => t.status === 'ok')) return null;
  const absent = TABS.filter((d) => d.required && !rawTabs.some((t) => matchKey(t.title) === matchKey(d.title))).map((d) => d.title);
  const others = parsed.issues
    .filter((i) => i.level === 'error' && !absent.includes(i.tab))
    .map((i) => (i.problem.includes(`«${i.tab}»`) ? i.problem : `лист «${i.tab}»: ${i.problem}`));
  const parts = [...(absent.length ? [`нет листов шаблона ${absent.map((t) => `«${t}»`).join(', ')} (листы в таблице: ${tabTitles(rawTabs)})`] : []), ...others];
  return `ни один лист таблицы не загружен: ${parts.join('; ')}. Прежние данные организации сохранены; проверьте, та ли это таблица (ссылка в реестре) и не удалены или переименованы ли листы`;
}

// ---- phase 1 ---------------------------------------------------------------------------

/** Dates of what has happened (not plans) more than this far after the sync's day are told. */
const FAR_FUTURE_DAYS = 366;

/**
 * What a date far ahead does to the figures, where it is not «the row counts from then on»: an
 * end that has not come keeps the row counting until it (a dismissal of 31.12.2099 was told
 * «до этой даты строка не входит ни в один период», and counted in every one: an acceptance run).
 */
const FAR_FUTURE_EFFECT: Readonly<Record<string, string>> = {
  'teachers.dismissed': 'до этой даты педагог считается работающим',
  'pairs.end_fact': 'до этой даты пара считается действующей',
  'programs.end_fact': 'до этой даты программа не считается завершённой',
};

/**
 * `today` (YYYY-MM-DD, the sync's day): a date of something that has happened — hired, a
 * course ended, an order signed — more than a year after it is loaded as typed and told as a
 * warning: usually a mistyped year (`01.09.85` is 2085 by the contract's `дд.мм.гг`), which
 * would quietly take the row out of every period. Plans (`… (план)`) may be far ahead.
 */
export function parseOrg(org: string, rawTabs: readonly RawTab[], today: string | null = null): ParsedOrg {
  const farFuture = today === null ? null : isoFromDays(daysFromIso(today) + FAR_FUTURE_DAYS);
  const tabs = new Map<TabKey, TabOutcome>();
  const issues: DataIssue[] = [];
  for (const decl of TABS) {
    const same = rawTabs.filter((t) => matchKey(t.title) === matchKey(decl.title));
    if (same.length > 1) {
      // Two tabs read as the same one (`Педагоги` and `педагоги.`): we cannot know which is current.
      issues.push(issue(org, decl.title, 'error', null, null, null, `несколько листов с названием «${decl.title}»: ${tabTitles(same)}; оставьте один (остальные переименуйте или удалите)`));
      tabs.set(decl.key, { decl, status: 'error', title: decl.title, rows: [], headers: {} });
      continue;
    }
    const raw = same[0];
    if (!raw) {
      if (decl.required) issues.push(issue(org, decl.title, 'error', null, null, null, missingTabProblem(decl, rawTabs)));
      tabs.set(decl.key, { decl, status: decl.required ? 'error' : 'missing', title: decl.title, rows: [], headers: {} });
      continue;
    }
    if (raw.refused !== undefined) {
      // Over the size limits: the source did not read it (its stored rows are kept).
      issues.push(issue(org, raw.title, 'error', null, null, null, raw.refused));
      tabs.set(decl.key, { decl, status: 'error', title: raw.title, rows: [], headers: {} });
      continue;
    }
    if (raw.hidden) {
      // Its rows load — it is the tab of that title — but nobody sees them: a school may be filling a visible copy instead.
      issues.push(
        issue(org, raw.title, 'warning', null, null, null,
          `лист «${raw.title}» скрыт в таблице, а загружаются его строки: если данные вносят на другом листе (копии), перенесите их на этот лист и покажите его, а копию удалите`),
      );
    }
    const layout = layoutGrid(raw.grid, decl.columns);
    for (const n of layout.notices) issues.push({ ...n, org, tab: raw.title });
    if (!layout.ok && layout.empty && !decl.required) {
      // An optional tab created but never filled: no data yet, like a missing one.
      issues.push(issue(org, raw.title, 'notice', null, null, null, 'лист пуст — данных пока нет'));
      tabs.set(decl.key, { decl, status: 'missing', title: raw.title, rows: [], headers: {} });
      continue;
    }
    if (!layout.ok) {
      issues.push(issue(org, raw.title, 'error', null, null, null, layout.problem));
      tabs.set(decl.key, { decl, status: 'error', title: raw.title, rows: [], headers: {} });
      continue;
    }
    const parseRow = ROW_PARSERS[decl.key];
    // The columns whose too long text parseText cuts (cutsLongText): found once per tab, not per row.
    const cutTexts = decl.columns.filter(cutsLongText).map((c) => ({ key: c.key, maxLength: c.type.maxLength }));
    const header = (key: string) => layout.headers[key] ?? decl.columns.find((c) => c.key === key)?.header ?? key;
    const softColumns = decl.columns.filter(describesOnly);
    const dateColumns = decl.columns.flatMap((c) => (c.type.kind === 'date' ? [{ key: c.key, minYear: c.type.minYear }] : []));
    const rows: PendingRow[] = layout.rows.map((r) => {
      const problems: DataIssue[] = [];
      const result = parseRow(r.cells);
      let values: Record<string, unknown> = {};
      if (result.success) {
        values = result.data;
      } else {
        for (const zi of result.error.issues) {
          const key = String(zi.path[0]);
          problems.push(issue(org, raw.title, 'error', r.row, header(key), shown(decl, r.cells, key), zi.message));
        }
      }
      const pending: PendingRow = { row: r.row, src: r, cells: r.cells, values, problems, ...(result.success ? {} : { partial: result.data }) };
      // On a row refused by its cells too, over the columns that parsed: all of its errors in one sync (an outside review).
      applyRowRules(decl.key, result.success ? values : result.data, (level, key, problem) => {
        pending.problems.push(issue(org, raw.title, level, r.row, header(key), shown(decl, r.cells, key), problem));
      });
      // A formula error in a column that only describes the row: loaded empty, and told (schemas.ts describesOnly).
      for (const c of softColumns) {
        const cell = r.cells[c.key];
        const broken = cell === undefined ? null : formulaError(cell);
        if (broken !== null && !broken.ok) {
          problems.push(issue(org, raw.title, 'warning', r.row, header(c.key), shown(decl, r.cells, c.key), `${broken.problem}; пока строка загружена с пустой ячейкой`));
        }
      }
      // Dates loaded as typed, and told: a year earlier than the column expects (values.ts
      // DATE_YEARS), or a fact more than a year ahead (plans may be far ahead).
      if (result.success) {
        for (const c of dateColumns) {
          const v = values[c.key];
          if (typeof v !== 'string') continue;
          const problem =
            Number(v.slice(0, 4)) < c.minYear
              ? `дата ${ruDate(v)} раньше ${c.minYear} года — проверьте год; строка загружена с этой датой`
              : farFuture !== null && c.key !== 'end_plan' && v > farFuture
                ? `дата ${ruDate(v)} позже сегодняшнего дня больше чем на год — проверьте год (две цифры года читаются как 20гг); ${FAR_FUTURE_EFFECT[`${decl.key}.${c.key}`] ?? 'до этой даты строка не входит ни в один период'}`
                : null;
          if (problem !== null) problems.push(issue(org, raw.title, 'warning', r.row, header(c.key), shown(decl, r.cells, c.key), problem));
        }
      }
      // A text longer than its limit: loaded cut (parseText), and told.
      for (const c of cutTexts) {
        const long = longTextWarning(r.cells[c.key], c.maxLength);
        if (long !== null) problems.push(issue(org, raw.title, 'warning', r.row, header(c.key), shown(decl, r.cells, c.key), long));
      }
      // Read as the school meant it, and told: invisible characters, Latin look-alikes in names.
      for (const c of decl.columns) {
        const cell = r.cells[c.key];
        if (typeof cell !== 'string' || !ODD.test(cell)) continue;
        const odd = hiddenOddities(cell, c.key === 'fio' || c.type.kind === 'person');
        if (odd !== null && !problems.some((p) => p.column === header(c.key))) problems.push(issue(org, raw.title, 'warning', r.row, header(c.key), cell, odd));
      }
      return pending;
    });
    tabs.set(decl.key, { decl, status: 'ok', title: raw.title, rows, headers: layout.headers, places: layout.places, misnamed: layout.misnamed });
  }

  let people: OrgPeople | null = null;
  const teachers = tabs.get('teachers');
  if (teachers?.status === 'ok') {
    people = new OrgPeople(org);
    const t = teachers;
    const keyOf = (r: PendingRow) => personKey(parsedValue(r, 'fio') as string, (parsedValue(r, 'code') as string | null) ?? null);
    const keyColumn = (r: PendingRow) => (typeof parsedValue(r, 'code') === 'string' && parsedValue(r, 'code') !== '' ? 'code' : 'fio');
    repeats(
      t.rows,
      keyOf,
      (r) => (typeof parsedValue(r, 'fio') === 'string' && !errorIn(r, [t.headers.fio, t.headers.code]) ? keyOf(r) : null),
      (r, first) =>
        r.problems.push(
          issue(org, t.title, 'error', r.row, t.headers[keyColumn(r)] ?? 'ФИО', shown(t.decl, r.cells, keyColumn(r)),
            `этот педагог уже указан в строке ${first}; оставьте одну строку (для однофамильцев заполните столбец «Код»)`),
        ),
      (r, rejected) =>
        r.problems.push(
          issue(org, t.title, 'warning', r.row, t.headers[keyColumn(r)] ?? 'ФИО', shown(t.decl, r.cells, keyColumn(r)),
            `этот педагог указан и в строке ${rejected}, которая не загружена из-за ошибки; исправляя её, оставьте одну из двух строк (для однофамильцев заполните столбец «Код»)`),
        ),
    );
    for (const r of t.rows) {
      if (hasErrors(r)) {
        if (typeof r.values.fio === 'string') people.addRejected(r.values.fio, r.row);
        else if (r.src.raw[t.headers.fio ?? '']) people.addRejected(r.src.raw[t.headers.fio ?? '']!, r.row);
        continue;
      }
      const fio = r.values.fio as string;
      const code = (r.values.code as string | null) ?? null;
      const key = personKey(fio, code);
      r.values.person_key = key;
      people.add({ key, fio, code });
    }
  }
  issues.push(...copiedTabs(org, rawTabs));
  return { org, tabs, issues, people };
}

/** The template's tabs by their titles (matchKey'd). */
const TAB_BY_TITLE = new Map(TABS.map((d) => [matchKey(d.title), d]));

/** A tab's title with what a copy adds stripped (matchKey'd): «Педагоги (2)», «Копия Педагоги», «Copy of Педагоги», «Педагоги копия». */
function copyOf(title: string): string {
  return matchKey(title)
    .replace(/^(копиялиста|копия|copyof)/, '')
    .replace(/(копия|copy)?\d{0,2}$/, '');
}

/**
 * Tabs that look like copies of a template tab the spreadsheet also has («Педагоги (2)» beside
 * «Педагоги»): only the tab of the template's title loads, so rows a school adds on a copy are
 * in no figure — said, with the tab to move them to (they were left out without a word).
 */
function copiedTabs(org: string, rawTabs: readonly RawTab[]): DataIssue[] {
  const out: DataIssue[] = [];
  for (const t of rawTabs) {
    if (TAB_BY_TITLE.has(matchKey(t.title))) continue;
    const decl = TAB_BY_TITLE.get(copyOf(t.title));
    const original = decl && findTab(rawTabs, decl.title);
    if (!decl || !original) continue;
    out.push(
      issue(org, t.title, 'warning', null, null, null,
        `лист «${t.title}» похож на копию листа «${original.title}»: его строки не загружаются — загружается только лист «${original.title}»; перенесите нужные строки на лист «${original.title}» и удалите копию (или переименуйте её, если это не копия)`),
    );
  }
  return out;
}

/** A cell worth a look by hiddenOddities: an invisible character, or a Latin letter (most cells have neither). */
const ODD = new RegExp(`[${INVISIBLE_CLASS}A-Za-z]`);

type Report = (level: Level, key: string, problem: string) => void;

function fmt(iso: unknown): string {
  return ruDate(String(iso));
}

/**
 * Rules that read several cells of one row (docs/spec/CONTRACT.md 2.1–2.5). `v`: the row's
 * values — of a row refused by its cells, only the columns that parsed (a column that did not is
 * absent: no rule reads it as empty).
 */
function applyRowRules(tab: TabKey, v: Record<string, unknown>, report: Report): void {
  switch (tab) {
    case 'teachers': {
      if (v.hired && v.dismissed && String(v.dismissed) < String(v.hired)) {
        report('error', 'dismissed', `дата увольнения раньше даты приёма (${fmt(v.hired)})`);
      }
      // Young specialist: as stated, else derived from the experience (< 3 years); both empty: not young.
      if (v.young === null) v.young = typeof v.experience === 'number' ? v.experience < 3 : false;
      break;
    }
    case 'pairs': {
      if (typeof v.status === 'string' && v.status !== 'Действует' && v.end_fact === null) {
        report('error', 'end_fact', `для статуса «${String(v.status)}» нужна фактическая дата окончания`);
      }
      if (v.end_fact && typeof v.start_date === 'string' && String(v.end_fact) < v.start_date) {
        report('error', 'end_fact', `дата окончания раньше даты начала (${fmt(v.start_date)})`);
      }
      if (v.end_plan && typeof v.start_date === 'string' && String(v.end_plan) < v.start_date) {
        report('error', 'end_plan', `плановая дата окончания раньше даты начала (${fmt(v.start_date)})`);
      }
      if (v.status === 'Действует' && v.end_fact) {
        report('warning', 'status', `статус «Действует», но указана фактическая дата окончания ${fmt(v.end_fact)}; для расчётов берётся дата`);
      }
      break;
    }
    case 'programs': {
      if (v.end_plan && v.approved && String(v.end_plan) < String(v.approved)) {
        report('error', 'end_plan', `плановая дата завершения раньше даты утверждения (${fmt(v.approved)})`);
      }
      if ((v.status === 'Завершена' || v.status === 'Прекращена') && v.end_fact === null) {
        report('error', 'end_fact', `для статуса «${String(v.status)}» нужна фактическая дата завершения`);
      }
      if (v.end_fact && v.approved && String(v.end_fact) < String(v.approved)) {
        report('error', 'end_fact', `фактическая дата завершения раньше даты утверждения (${fmt(v.approved)})`);
      }
      if (typeof v.events_done === 'number' && typeof v.events_planned === 'number' && v.events_done > v.events_planned) {
        report('warning', 'events_done', `выполнено мероприятий больше, чем запланировано (${v.events_planned})`);
      }
      break;
    }
    case 'courses':
      if (v.mentoring_topic === null) v.mentoring_topic = false;
      break;
    default:
      break;
  }
}

function hasErrors(r: PendingRow): boolean {
  return r.problems.some((p) => p.level === 'error');
}

/** A column's parsed value: of a row without errors, or of a row refused by other cells (`partial`). */
function parsedValue(r: PendingRow, key: string): unknown {
  return key in r.values ? r.values[key] : r.partial?.[key];
}

/** Whether a row has an error of its own in one of these columns (by header as found in the sheet). */
function errorIn(r: PendingRow, headers: readonly (string | undefined)[]): boolean {
  return r.problems.some((p) => p.level === 'error' && headers.includes(p.column ?? undefined));
}

/**
 * A tab's rows that repeat one identity, all said in one round. An outside review: a row with an
 * unknown form that also repeated a pair showed the form alone; fixed, it was refused again, as
 * the repeat. `loadedId`: the identity of a row without errors (references resolved); `typedId`:
 * the identity as typed (names normalized, nothing resolved), or null when a column of it has an
 * error of its own. A row without errors that repeats one without errors is refused
 * (`repeat`, the first loads); a row with errors that repeats any earlier row is told so too
 * (it is refused already); a row without errors that repeats a row refused for other errors
 * loads, with a warning (`afterRejected`) — fixing that row would otherwise bring the repeat as
 * a new error.
 */
function repeats(
  rows: readonly PendingRow[],
  loadedId: (r: PendingRow) => string,
  typedId: (r: PendingRow) => string | null,
  repeat: (r: PendingRow, firstRow: number) => void,
  afterRejected: (r: PendingRow, rejectedRow: number) => void,
): void {
  const loaded = new Map<string, number>();
  const typedLoaded = new Map<string, number>();
  const typedRejected = new Map<string, number>();
  // Identities as typed are needed only beside rows with errors (most tabs have none).
  const typed = rows.some(hasErrors);
  for (const r of rows) {
    if (hasErrors(r)) {
      const t = typedId(r);
      if (t === null) continue;
      const first = typedLoaded.get(t) ?? typedRejected.get(t);
      if (first !== undefined) repeat(r, first);
      else typedRejected.set(t, r.row);
      continue;
    }
    const id = loadedId(r);
    const first = loaded.get(id);
    if (first !== undefined) {
      repeat(r, first);
      continue;
    }
    loaded.set(id, r.row);
    const t = typed ? typedId(r) : null;
    if (t === null) continue;
    if (!typedLoaded.has(t)) typedLoaded.set(t, r.row);
    const rejected = typedRejected.get(t);
    if (rejected !== undefined) afterRejected(r, rejected);
  }
}

// ---- phase 2 ---------------------------------------------------------------------------

interface Resolved {
  org: string;
  person: Person;
}

function resolveRef(org: string, ref: PersonRef, crossOrg: boolean, dir: Directory):
  { ok: true; value: Resolved } | { ok: false; problem: string } {
  let target = org;
  let name = ref.text;
  if (ref.orgHint !== null) {
    const code = dir.orgCode(ref.orgHint);
    if (code !== null) {
      target = code;
      name = ref.name;
    } else {
      const own = dir.people(org);
      // Not an organization code: maybe part of the name itself…
      const whole = own?.find(ref.text);
      if (whole?.ok) return { ok: true, value: { org, person: whole.person } };
      // …or `ФИО (Код)`: a namesake told apart by the teacher's Код.
      const byCode = own?.byTeacherCode(ref.orgHint);
      if (byCode) {
        if (normalizePersonName(byCode.fio) === normalizePersonName(ref.name)) return { ok: true, value: { org, person: byCode } };
        return {
          ok: false,
          problem: `на листе «Педагоги» организации ${org} код «${ref.orgHint}» у педагога «${byCode.fio}», а не «${ref.name}»; проверьте ФИО и код`,
        };
      }
      const teacherCode = own?.hasCodes ? ` и педагога с таким кодом нет на листе «Педагоги» организации ${org}` : '';
      return {
        ok: false,
        problem: crossOrg
          ? `организации с кодом «${ref.orgHint}» нет в реестре${teacherCode}; для наставника из другой организации пишите «ФИО (КОД-ОО)» с кодом из реестра`
          : `организации с кодом «${ref.orgHint}» нет в реестре${teacherCode}; здесь нужен педагог этой организации (${org}) — ФИО как на листе «Педагоги»`,
      };
    }
  }
  if (target !== org && !crossOrg) {
    return { ok: false, problem: `здесь нужен педагог этой организации (${org}), а указан педагог организации ${target}` };
  }
  const people = dir.people(target);
  if (!people) {
    return {
      ok: false,
      problem:
        target === org
          ? 'лист «Педагоги» этой организации ещё ни разу не загружен; сначала исправьте его'
          : dir.inactive?.(target)
            ? `организация ${target} отмечена в реестре как неактивная («Активна» — «Нет»), её педагоги не загружаются, сверить педагога не с чем; укажите педагога действующей организации или попросите координатора отметить ${target} активной`
            : `данные организации ${target} ещё ни разу не загружены (её таблица пока не прочитана), сверить педагога не с чем; строка загрузится, когда таблица ${target} будет прочитана`,
    };
  }
  // Another organization's staff are never suggested by name (people.ts find).
  const found = people.find(name, target === org);
  return found.ok ? { ok: true, value: { org: target, person: found.person } } : found;
}

/**
 * The references of a row refused already by its cells, checked all the same, so that a school
 * sees all of the row's errors in one sync (an outside review: an unknown mentee behind a bad
 * date came up only once the date was fixed). Only references to the organization's own
 * teachers: another organization's may not be read yet in this phase. What resolves is kept in
 * the row's `partial` values, for the rules between rows (a program's pair).
 */
function refusedRowRefs(org: string, t: TabOutcome, r: PendingRow, personCols: readonly ColumnDecl[], dir: Directory): void {
  // Refused by its cells (the columns that parsed), or by a rule of the row (all of them).
  const values = r.partial ?? r.values;
  for (const c of personCols) {
    const ref = values[c.key] as PersonRef | null | undefined;
    if (!ref) continue;
    if (ref.orgHint !== null) {
      const code = dir.orgCode(ref.orgHint);
      if (code !== null && code !== org) continue;
    }
    const res = resolveRef(org, ref, c.type.kind === 'person' && c.type.crossOrg, dir);
    if (res.ok) {
      values[`${c.key}_org`] = res.value.org;
      values[`${c.key}_key`] = res.value.person.key;
    } else {
      r.problems.push(issue(org, t.title, 'error', r.row, t.headers[c.key] ?? c.header, ref.text, res.problem));
    }
  }
}

/** A reference as typed: resolved (the text) or not (a PersonRef, in a row refused already). */
const refText = (v: unknown): string => (typeof v === 'string' ? v : ((v as PersonRef | null)?.text ?? ''));

const linkKey = (mentorOrg: string, mentorKey: string, menteeOrg: string, menteeKey: string) =>
  `${mentorOrg}|${mentorKey}|${menteeOrg}|${menteeKey}`;

export async function resolveOrg(parsed: ParsedOrg, dir: Directory): Promise<ValidatedOrg> {
  const { org } = parsed;
  const out: ValidatedOrg = { org, tabs: new Map(), issues: [...parsed.issues], quarantine: [] };

  // References first, so the cross-row rules see resolved people.
  for (const t of parsed.tabs.values()) {
    if (t.status !== 'ok') continue;
    const personCols = t.decl.columns.filter((c) => c.type.kind === 'person');
    for (const r of t.rows) {
      if (hasErrors(r)) {
        refusedRowRefs(org, t, r, personCols, dir);
        continue;
      }
      for (const c of personCols) {
        const ref = r.values[c.key] as PersonRef | null;
        if (!ref) continue;
        const res = resolveRef(org, ref, c.type.kind === 'person' && c.type.crossOrg, dir);
        if (res.ok) {
          r.values[`${c.key}_org`] = res.value.org;
          r.values[`${c.key}_key`] = res.value.person.key;
          r.values[c.key] = ref.text;
        } else {
          r.problems.push(issue(org, t.title, 'error', r.row, t.headers[c.key] ?? c.header, ref.text, res.problem));
        }
      }
    }
  }

  const pairs = parsed.tabs.get('pairs');
  const pairLinks = new Set<string>();
  /** Pairs typed on the sheet but rejected: «mentor|mentee» names as typed (normalized, no code) → row. */
  const rejectedPairs = new Map<string, number>();
  const typedName = (cell: Cell | undefined) => {
    const ref = parsePersonRef(rawText(cell));
    return ref.ok ? normalizePersonName(ref.value.name) : '';
  };
  const typedPair = (cells: Record<string, Cell>) => `${typedName(cells.mentor)}|${typedName(cells.mentee)}`;
  // This organization's teachers' employment, by person key: a pair begun after one of its two
  // left, or ended before one came, contradicts «Педагоги» (an outside review: a mentor dismissed
  // in 2020 led pairs begun in 2023 and 2025 without a word, counted in the pairs' figures). The
  // part resolved in phase 2 has it from the first (its pairs were told only when the sheets they
  // name had been read before it — the warnings came and went with the order: an acceptance run).
  const employment = parsed.employment ?? employmentOf(parsed.tabs.get('teachers'));
  if (pairs?.status === 'ok') {
    const h = (k: string) => pairs.headers[k] ?? k;
    const pairLink = (v: Record<string, unknown>) => linkKey(String(v.mentor_org), String(v.mentor_key), String(v.mentee_org), String(v.mentee_key));
    for (const r of pairs.rows) {
      const v = r.values;
      if (!hasErrors(r) && v.mentor_org === v.mentee_org && v.mentor_key === v.mentee_key) {
        r.problems.push(issue(org, pairs.title, 'error', r.row, h('mentee'), String(v.mentee), 'наставляемый не может быть своим же наставником'));
      }
    }
    // The mentee as typed (a row with errors has its references unresolved).
    const mentee = (r: PendingRow) => (typeof r.values.mentee === 'string' ? r.values.mentee : shown(pairs.decl, r.cells, 'mentee'));
    repeats(
      pairs.rows,
      (r) => `${pairLink(r.values)}|${String(r.values.start_date)}`,
      (r) => {
        const start = parsedValue(r, 'start_date');
        return typeof start === 'string' && !errorIn(r, [pairs.headers.start_date, pairs.headers.mentor, pairs.headers.mentee]) ? `${typedPair(r.cells)}|${start}` : null;
      },
      (r, first) =>
        r.problems.push(
          issue(org, pairs.title, 'error', r.row, h('mentee'), mentee(r), `эта пара с той же датой начала уже указана в строке ${first}; оставьте одну строку`),
        ),
      (r, rejected) =>
        r.problems.push(
          issue(org, pairs.title, 'warning', r.row, h('mentee'), mentee(r),
            `эта пара с той же датой начала указана и в строке ${rejected}, которая не загружена из-за ошибки; исправляя её, оставьте одну из двух строк`),
        ),
    );
    /** Each link's rows loaded so far: start and actual end (null: going on). */
    const linkSpans = new Map<string, { row: number; start: string; end: string | null }[]>();
    for (const r of pairs.rows) {
      if (hasErrors(r)) continue;
      const v = r.values;
      const link = pairLink(v);
      pairLinks.add(link);
      // The same link on another row whose time overlaps this one's (two «Действует» rows, other
      // start dates): each row is a pair in the counts (METRICS) — said, for the school to check.
      const start = String(v.start_date);
      const end = v.end_fact === null || v.end_fact === undefined ? null : String(v.end_fact);
      const spans = linkSpans.get(link) ?? [];
      const overlap = spans.find((b) => (b.end === null || start <= b.end) && (end === null || b.start <= end));
      if (overlap) {
        r.problems.push(
          issue(org, pairs.title, 'warning', r.row, h('start_date'), shown(pairs.decl, r.cells, 'start_date'),
            `эта же пара указана в строке ${overlap.row} (с ${ruDate(overlap.start)}) на пересекающийся срок: в показателях это две пары; если это одна пара, оставьте одну строку (новый срок после окончания прежнего — отдельная строка с датой окончания у прежней)`),
        );
      }
      spans.push({ row: r.row, start, end });
      linkSpans.set(link, spans);
      for (const [role, who] of [['mentor', 'наставник'], ['mentee', 'наставляемый']] as const) {
        const e = v[`${role}_org`] === org ? employment.get(String(v[`${role}_key`])) : undefined;
        if (e?.dismissed && start > e.dismissed) {
          r.problems.push(
            issue(org, pairs.title, 'warning', r.row, h('start_date'), shown(pairs.decl, r.cells, 'start_date'),
              `${who} уволен ${ruDate(e.dismissed)} (лист «Педагоги», строка ${e.row}) — раньше начала пары; проверьте дату начала пары или дату увольнения`),
          );
        } else if (e?.hired && end !== null && end < e.hired) {
          r.problems.push(
            issue(org, pairs.title, 'warning', r.row, h('end_fact'), shown(pairs.decl, r.cells, 'end_fact'),
              `${who} принят ${ruDate(e.hired)} (лист «Педагоги», строка ${e.row}) — позже окончания пары; проверьте даты пары или дату приёма`),
          );
        }
      }
    }
    for (const r of pairs.rows) {
      const key = typedPair(r.cells);
      if (hasErrors(r) && !rejectedPairs.has(key)) rejectedPairs.set(key, r.row);
    }
  }

  const programs = parsed.tabs.get('programs');
  if (programs?.status === 'ok') {
    const links = pairs?.status === 'ok' ? pairLinks : await dir.storedPairs(org);
    for (const r of programs.rows) {
      // A row refused already is checked too when both its people resolved (refusedRowRefs).
      const v = r.partial ?? r.values;
      if (typeof v.mentor_key !== 'string' || typeof v.mentee_key !== 'string') continue;
      const link = linkKey(String(v.mentor_org), String(v.mentor_key), String(v.mentee_org), String(v.mentee_key));
      if (!links.has(link)) {
        const pair = `«${refText(v.mentor)} — ${refText(v.mentee)}»`;
        const rejectedRow = rejectedPairs.get(typedPair(r.cells));
        const problem =
          rejectedRow !== undefined
            ? `пара ${pair} указана на листе «Наставнические пары» в строке ${rejectedRow}, но та строка не загружена из-за ошибки; исправьте её`
            : pairs?.status === 'ok'
              ? `нет пары ${pair} на листе «Наставнические пары»; программа составляется для существующей пары`
              : `нет пары ${pair} среди пар прошлой загрузки (лист «Наставнические пары» сейчас не загружен); программа составляется для существующей пары`;
        r.problems.push(issue(org, programs.title, 'error', r.row, programs.headers.mentor ?? 'Наставник', refText(v.mentor), problem));
      }
    }
  }

  uniqueBy(parsed, 'attestations', (v) => `${String(v.person_org)}|${String(v.person_key)}|${String(v.order_date)}`,
    { columns: ['person', 'order_date'], id: (r) => `${typedName(r.cells.person)}|${String(parsedValue(r, 'order_date'))}` }, 'order_date',
    (first) => `решение о категории этого педагога на эту дату уже указано в строке ${first}`,
    (rejected) => `решение о категории этого педагога на эту дату указано и в строке ${rejected}, которая не загружена из-за ошибки; исправляя её, оставьте одну из двух строк`);
  // 3.10 typed into a number cell is the number 3.1: one of two «3.1» is then probably 3.10 — this
  // row's, or the first's when only that one is a number.
  const asText = `задайте столбцу «Пункт» ${AS_TEXT} и введите 3.10 заново`;
  uniqueBy(parsed, 'compliance', (v) => String(v.item), { columns: ['item'], id: (r) => String(parsedValue(r, 'item')) }, 'item', (first, cells, firstCells) =>
    cells.item === 3.1
      ? `этот пункт уже указан в строке ${first}; если здесь пункт 3.10, ячейка с числом хранит его как 3.1 — ${asText}`
      : firstCells.item === 3.1
        ? `этот пункт уже указан в строке ${first}; если в строке ${first} пункт 3.10, ячейка с числом хранит его как 3.1 — ${asText}`
        : `этот пункт уже указан в строке ${first}`,
    (rejected) => `этот пункт указан и в строке ${rejected}, которая не загружена из-за ошибки; исправляя её, оставьте одну из двух строк`);

  for (const t of parsed.tabs.values()) {
    const staged: StagedRow[] = [];
    for (const r of t.rows) {
      if (hasErrors(r)) {
        out.quarantine.push({ tab: t.title, row: r.row, raw: r.src.raw, problems: r.problems });
      } else {
        staged.push({ row: r.row, values: r.values });
      }
      out.issues.push(...r.problems);
    }
    out.tabs.set(t.decl.key, { status: t.status, title: t.title, rows: staged });
  }
  return out;
}

function uniqueBy(
  parsed: ParsedOrg,
  key: TabKey,
  identity: (v: Record<string, unknown>) => string,
  /** The identity as typed (nothing resolved), or null; `columns`: the keys of the identity's columns (an error in one: null). */
  typed: { columns: readonly string[]; id: (r: PendingRow) => string },
  column: string,
  problem: (firstRow: number, cells: Record<string, Cell>, firstCells: Record<string, Cell>) => string,
  /** The warning of a loaded row that a row refused for other errors repeats. */
  warning: (rejectedRow: number) => string,
): void {
  const t = parsed.tabs.get(key);
  if (t?.status !== 'ok') return;
  const col = t.headers[column] ?? t.decl.columns.find((c) => c.key === column)?.header ?? column;
  const cellsOf = new Map(t.rows.map((r) => [r.row, r.cells]));
  const typedHeaders = typed.columns.map((k) => t.headers[k]);
  repeats(
    t.rows,
    (r) => identity(r.values),
    (r) => (errorIn(r, typedHeaders) || typed.columns.some((k) => parsedValue(r, k) === null || parsedValue(r, k) === undefined) ? null : typed.id(r)),
    (r, first) => r.problems.push(issue(parsed.org, t.title, 'error', r.row, col, shown(t.decl, r.cells, column), problem(first, r.cells, cellsOf.get(first) ?? {}))),
    (r, rejected) => r.problems.push(issue(parsed.org, t.title, 'warning', r.row, col, shown(t.decl, r.cells, column), warning(rejected))),
  );
}

/** Tolerant lookup of registry codes as typed in `ФИО (КОД-ОО)`. */
export function codeMatcher(codes: Iterable<string>): (typed: string) => string | null {
  const m = new Map<string, string>();
  for (const c of codes) m.set(codeKey(c), c);
  return (typed) => m.get(codeKey(typed)) ?? null;
}

// ---- between the phases (sync/run.ts) ---------------------------------------------------

/**
 * The tabs whose references may name a teacher of another organization (`ФИО (КОД-ОО)`), with
 * the tabs whose rules read those references: pairs (the mentor) and programs (the mentor; a
 * program's pair must be on the pairs tab). The references of every other tab resolve against
 * the organization's own teachers alone, so those tabs can be finished as soon as the
 * organization is read.
 */
export const CROSS_ORG_TABS: readonly TabKey[] = ['pairs', 'programs'];

for (const t of TABS) {
  if (!CROSS_ORG_TABS.includes(t.key) && t.columns.some((c) => c.type.kind === 'person' && c.type.crossOrg)) {
    throw new Error(`validate.ts: the tab ${t.key} takes «ФИО (КОД-ОО)» but is not in CROSS_ORG_TABS`);
  }
}

/**
 * Other organizations this organization's references name (`ФИО (КОД-ОО)` with a registry
 * code not its own, in rows without errors): its references can be resolved only once their
 * teachers are known. Empty: `resolveOrg` needs the organization's own teachers alone.
 */
export function foreignCodes(parsed: ParsedOrg, orgCode: (typed: string) => string | null): Set<string> {
  const out = new Set<string>();
  for (const key of CROSS_ORG_TABS) {
    const t = parsed.tabs.get(key);
    if (t?.status !== 'ok') continue;
    const cols = t.decl.columns.filter((c) => c.type.kind === 'person' && c.type.crossOrg);
    for (const r of t.rows) {
      if (hasErrors(r)) continue;
      for (const c of cols) {
        const ref = r.values[c.key] as PersonRef | null | undefined;
        if (!ref || ref.orgHint === null) continue;
        const code = orgCode(ref.orgHint);
        if (code !== null && code !== parsed.org) out.add(code);
      }
    }
  }
  return out;
}

/**
 * One organization as two parts that `resolveOrg` validates apart with the same result as
 * whole: `cross` holds CROSS_ORG_TABS, `local` every other tab and the tab-level findings.
 */
export function splitOrg(parsed: ParsedOrg): { local: ParsedOrg; cross: ParsedOrg } {
  const local = new Map<TabKey, TabOutcome>();
  const cross = new Map<TabKey, TabOutcome>();
  for (const [key, t] of parsed.tabs) (CROSS_ORG_TABS.includes(key) ? cross : local).set(key, t);
  return { local: { ...parsed, tabs: local }, cross: { org: parsed.org, tabs: cross, issues: [], people: null } };
}

/** A number JSON would not keep (NaN, ±Infinity, -0), as an object; anything else as is. */
const freezeCell = (c: Cell): unknown => (typeof c === 'number' && (!Number.isFinite(c) || Object.is(c, -0)) ? { n: String(c) } : c);
const thawCell = (c: unknown): Cell => (c !== null && typeof c === 'object' ? Number((c as { n: string }).n) : (c as Cell));

type FrozenRows = [row: number, cells: Record<string, unknown> | null, values: Record<string, unknown>, problems: DataIssue[] | null][];

interface FrozenOrg {
  /** Validated tabs (`resolveOrg` done). */
  done: [key: TabKey, status: TabOutcome['status'], title: string, rows: FrozenRows][];
  issues: DataIssue[];
  quarantine: QuarantinedRow[];
  /** Parsed tabs still to resolve. */
  todo: [key: TabKey, status: TabOutcome['status'], title: string, headers: Record<string, string>, rows: FrozenRows][];
  /** Values equal to -0 (JSON writes 0): [done or todo, tab index, row index, column key]. */
  negativeZeros: [0 | 1, number, number, string][];
  /** The teachers' employment for the part still to resolve (ParsedOrg.employment): [person key, row, hired, dismissed]. */
  employment?: [key: string, row: number, hired: string | null, dismissed: string | null][];
}

function freezeRows<R extends { row: number; values: Record<string, unknown> }>(
  rows: readonly R[],
  cells: (r: R) => Record<string, Cell> | null,
  problems: (r: R) => DataIssue[] | null,
  zeros: (row: number, key: string) => void,
): FrozenRows {
  return rows.map((r, i) => {
    const v = r.values;
    for (const k in v) if (v[k] === 0 && Object.is(v[k], -0)) zeros(i, k);
    const c = cells(r);
    let frozen: Record<string, unknown> | null = null;
    if (c) {
      frozen = {};
      for (const k in c) frozen[k] = freezeCell(c[k]!);
    }
    return [r.row, frozen, v, problems(r)];
  });
}

/**
 * An organization validated in part, as JSON text, so that it waits for the second phase in
 * the database rather than in memory: `done` is what `resolveOrg` made of its tabs that need
 * no other organization, `todo` its parsed tabs that do (splitOrg). `thawOrg` gives both back
 * as they were (the quarantine's raw values of `todo` rows are rebuilt from their cells, as on
 * first read).
 */
export function freezeOrg(done: ValidatedOrg, todo: ParsedOrg): string {
  const negativeZeros: FrozenOrg['negativeZeros'] = [];
  const frozen: FrozenOrg = {
    done: [...done.tabs].map(([key, t], ti) => [
      key,
      t.status,
      t.title,
      freezeRows(t.rows, () => null, () => null, (ri, k) => negativeZeros.push([0, ti, ri, k])),
    ]),
    issues: done.issues,
    quarantine: done.quarantine,
    todo: [...todo.tabs].map(([key, t], ti) => [
      key,
      t.status,
      t.title,
      t.headers,
      freezeRows(t.rows, (r) => r.cells, (r) => r.problems, (ri, k) => negativeZeros.push([1, ti, ri, k])),
    ]),
    negativeZeros,
    ...(todo.employment ? { employment: [...todo.employment].map(([k, e]) => [k, e.row, e.hired, e.dismissed] as [string, number, string | null, string | null]) } : {}),
  };
  return JSON.stringify(frozen);
}

export function thawOrg(org: string, json: string): { done: ValidatedOrg; todo: ParsedOrg } {
  const f = JSON.parse(json) as FrozenOrg;
  for (const [part, ti, ri, k] of f.negativeZeros) {
    const rows = part === 0 ? f.done[ti]![3] : f.todo[ti]![4];
    rows[ri]![2][k] = -0;
  }
  const done: ValidatedOrg = { org, tabs: new Map(), issues: f.issues, quarantine: f.quarantine };
  for (const [key, status, title, rows] of f.done) done.tabs.set(key, { status, title, rows: rows.map(([row, , values]) => ({ row, values })) });
  const tabs = new Map<TabKey, TabOutcome>();
  for (const [key, status, title, headers, rows] of f.todo) {
    const decl = TABS.find((d) => d.key === key)!;
    const shape = rowShape(headers, decl.columns);
    tabs.set(key, {
      decl,
      status,
      title,
      headers,
      rows: rows.map(([row, frozenCells, values, problems]): PendingRow => {
        const cells: Record<string, Cell> = {};
        for (const k in frozenCells) cells[k] = thawCell(frozenCells[k]);
        return { row, src: dataRow(row, cells, shape), cells, values, problems: problems ?? [] };
      }),
    });
  }
  const employment = f.employment ? new Map(f.employment.map(([k, row, hired, dismissed]) => [k, { row, hired, dismissed }])) : undefined;
  return { done, todo: { org, tabs, issues: [], people: null, ...(employment ? { employment } : {}) } };
}

/** Two validated parts of one organization (disjoint tabs) as one, tabs in the contract's order. */
export function mergeValidated(a: ValidatedOrg, b: ValidatedOrg): ValidatedOrg {
  const tabs: ValidatedOrg['tabs'] = new Map();
  for (const t of TABS) {
    const x = a.tabs.get(t.key) ?? b.tabs.get(t.key);
    if (x) tabs.set(t.key, x);
  }
  return { org: a.org, tabs, issues: [...a.issues, ...b.issues], quarantine: [...a.quarantine, ...b.quarantine] };
}
