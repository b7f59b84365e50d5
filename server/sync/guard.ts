/**
 * What keeps a sync from losing data silently (issue #17), as pure rules over what was read
 * and what is stored:
 *
 *  - an optional tab that held rows at the last load and is now missing (renamed, deleted,
 *    or emptied to nothing, not even its header) keeps its rows, with a warning naming the tab
 *    and how many rows were kept; a tab that keeps its header and no rows means "no rows";
 *  - the shrink guard: when a tab of an organization would lose more than half of its rows,
 *    and at least MIN_LOST_ROWS, compared with its last load, the organization's load is held
 *    (previous data kept) until the coordinator accepts it;
 *  - the registry likewise: one that would drop more than half of the organizations it listed
 *    (and at least MIN_LOST_ORGS) stops the sync until accepted.
 */
import { SHRINK_RULE, TABS, countOf, normalizePersonName, type DataIssue, type TabKey } from '../contract/index.ts';
import type { OrgTally } from './load.ts';
import type { StoredTeachers } from './state.ts';
import type { ParsedOrg } from './validate.ts';
import { plural } from '../../shared/plural.ts';

/** A tab is held only when it would lose at least this many rows (a small sheet's edits are normal). */
export const MIN_LOST_ROWS = SHRINK_RULE.minLostRows;
/** The registry is held only when it would drop at least this many organizations. */
export const MIN_LOST_ORGS = SHRINK_RULE.minLostOrgs;

/** The acceptance key of the registry in `shrink_acceptances` (organization codes are never empty). */
export const REGISTRY_ACCEPT_KEY = '';

/** True when going from `before` to `after` loses more than half, and at least `minLost`. */
export function shrinks(before: number, after: number, minLost: number): boolean {
  const lost = before - after;
  return lost >= minLost && lost * 2 > before;
}

/** Rows stored per organization and tab (the last load). */
export type StoredCounts = Map<string, Partial<Record<TabKey, number>>>;

const rowsWord = (n: number) => countOf(n, 'строка', 'строки', 'строк');
const rowsWordGen = (n: number) => countOf(n, 'строку', 'строки', 'строк');

/**
 * Optional tabs absent from the sheet (or left without even a header) whose organization holds
 * rows of them from an earlier load: kept (not replaced by nothing), with a warning. Changes
 * `parsed` in place; returns the Russian notes for the organization's outcome.
 */
export function keepMissingTabs(parsed: ParsedOrg, stored: Partial<Record<TabKey, number>> | undefined): string[] {
  const notes: string[] = [];
  for (const decl of TABS) {
    const t = parsed.tabs.get(decl.key);
    const had = stored?.[decl.key] ?? 0;
    if (!t || t.status !== 'missing' || had === 0) continue;
    t.status = 'kept';
    const found = t.title !== decl.title ? `лист «${t.title}» пуст (нет даже строки заголовков)` : `листа «${decl.title}» нет в таблице`;
    const problem =
      `${found}; сохранены данные прошлой загрузки — ${rowsWord(had)}. Если лист переименован, верните ему название «${decl.title}»; ` +
      'если записи удалены намеренно, оставьте на листе строку заголовков — тогда лист загрузится пустым';
    parsed.issues.push({ level: 'warning', org: parsed.org, tab: t.title, row: null, column: null, value: null, problem });
    // «сохранена 1 строка», «сохранены 2 строки» (it said «сохранены 1 строка»: an outside review).
    notes.push(`лист «${decl.title}» не найден — ${plural(had, 'сохранена', 'сохранены', 'сохранены')} ${rowsWord(had)} прошлой загрузки`);
  }
  return notes;
}

/** The columns each tab loaded with (column keys, comma-separated, sheet order), for `tab_columns`. */
export function loadedColumns(parsed: ParsedOrg): Map<TabKey, string> {
  const out = new Map<TabKey, string>();
  for (const [key, t] of parsed.tabs) if (t.status === 'ok') out.set(key, Object.keys(t.headers).join(','));
  return out;
}

/**
 * Whether a loaded tab of the organization lacks an optional column of the template while it
 * holds rows from an earlier load: only then are the columns of that load worth reading.
 */
export function lacksOptionalColumns(parsed: ParsedOrg, stored: Partial<Record<TabKey, number>> | undefined): boolean {
  for (const [key, t] of parsed.tabs) {
    if (t.status !== 'ok' || !(stored?.[key] ?? 0)) continue;
    if (t.decl.columns.some((c) => !c.required && !(c.key in t.headers))) return true;
  }
  return false;
}

/**
 * Optional columns a tab had at the organization's last load and lacks now (deleted, or renamed
 * away from the template): their values are empty in every row from this load on — a teacher's
 * «Молодой специалист», a course's «Тема наставничества» — and the figures move. Said as a
 * warning on the tab (it went without a word). Changes `parsed` in place.
 */
export function droppedColumns(parsed: ParsedOrg, before: ReadonlyMap<string, ReadonlySet<string>> | undefined): void {
  if (!before) return;
  for (const [key, t] of parsed.tabs) {
    const had = before.get(key);
    if (t.status !== 'ok' || !had) continue;
    for (const c of t.decl.columns) {
      if (c.required || c.key in t.headers || !had.has(c.key)) continue;
      // Renamed with a typo («Организатр»): the layout's warning names it already — one mistake, one warning.
      if (t.misnamed?.has(c.key)) continue;
      parsed.issues.push({
        level: 'warning',
        org: parsed.org,
        tab: t.title,
        row: null,
        column: c.header,
        value: null,
        problem:
          `столбца нет на листе, хотя при прошлой загрузке он был: с этой загрузки он во всех строках считается пустым, и показатели, которые его учитывают, могут измениться; ` +
          `если столбец удалён или переименован по ошибке, верните его с заголовком «${c.header}»`,
      });
    }
  }
}

export interface TabShrink {
  title: string;
  before: number;
  /** Rows that would be loaded now. */
  after: number;
  /** Rows of the tab with an error (quarantined), among those in the sheet now. */
  rejected: number;
}

/** The tabs that would lose more than half of their rows if this load went ahead (`v`: the organization's validation, load.ts `tallyOf`). */
export function tabShrinks(v: OrgTally, stored: Partial<Record<TabKey, number>> | undefined): TabShrink[] {
  const out: TabShrink[] = [];
  for (const decl of TABS) {
    const t = v.tabs.get(decl.key);
    // Tabs that keep their stored rows (errors, kept) lose nothing.
    if (!t || (t.status !== 'ok' && t.status !== 'missing')) continue;
    const before = stored?.[decl.key] ?? 0;
    if (!shrinks(before, t.rows, MIN_LOST_ROWS)) continue;
    out.push({ title: t.status === 'missing' ? decl.title : t.title, before, after: t.rows, rejected: t.rejected });
  }
  return out;
}

/**
 * Whether some tab already loses more than half of its rows after the first phase — rows with no
 * error yet, as many as could load — so the organization will be held whatever the second phase
 * finds (tabShrinks decides then, on the rows that pass). Known before the others are checked
 * against its teachers: a held organization's new «Педагоги» checked them, although it loads
 * nothing and its stored teachers stay (an acceptance run).
 */
export function shrinksSurely(parsed: ParsedOrg, stored: Partial<Record<TabKey, number>> | undefined): boolean {
  for (const [key, t] of parsed.tabs) {
    if (t.status !== 'ok' && t.status !== 'missing') continue;
    const loadable = t.rows.filter((r) => !r.problems.some((p) => p.level === 'error')).length;
    if (shrinks(stored?.[key] ?? 0, loadable, MIN_LOST_ROWS)) return true;
  }
  return false;
}

/** The teachers tab alone, known after the first phase (the directory of people depends on it). */
export function teachersShrink(parsed: ParsedOrg, stored: Partial<Record<TabKey, number>> | undefined): boolean {
  const t = parsed.tabs.get('teachers');
  if (!t || t.status !== 'ok') return false;
  // Rows that passed the first phase carry their person key (errors and repeats do not).
  const valid = t.rows.filter((r) => r.values.person_key !== undefined).length;
  return shrinks(stored?.teachers ?? 0, valid, MIN_LOST_ROWS);
}

/** Teachers each list must have before «none in common» means another organization's list, not this one edited. */
export const MIN_REPLACED_TEACHERS = 5;

export interface TeachersReplaced {
  /** Teachers of the last load. */
  before: number;
  /** Teachers in the sheet now, none of them among those. */
  after: number;
}

/**
 * «Педагоги» holds none of the teachers of the last load, both lists of at least
 * MIN_REPLACED_TEACHERS: the sheet is another organization's (its copy pasted over, a link to
 * another file), not this one edited. Held like a shrink: it loaded without a word — the other
 * school's people counted twice in every total, and other schools' rows naming this one's
 * teachers quarantined. `before`: the teachers the last load stored for the organization. A
 * teacher is the same one by person key or by name: a school that adds the «Код» column (as the
 * template advises for namesakes) or removes it changes every key (code instead of name), not
 * its people — that was held as «скопирована таблица другой организации» (an outside review).
 */
export function teachersReplaced(parsed: ParsedOrg, before: StoredTeachers | undefined): TeachersReplaced | null {
  const t = parsed.tabs.get('teachers');
  if (!t || t.status !== 'ok' || !before || before.keys.size < MIN_REPLACED_TEACHERS) return null;
  const now = new Set<string>();
  for (const r of t.rows) if (typeof r.values.person_key === 'string') now.add(r.values.person_key);
  if (now.size < MIN_REPLACED_TEACHERS) return null;
  for (const k of now) if (before.keys.has(k)) return null;
  for (const r of t.rows) if (typeof r.values.fio === 'string' && before.names.has(normalizePersonName(r.values.fio))) return null;
  return { before: before.keys.size, after: now.size };
}

function replacedText(r: TeachersReplaced): string {
  return (
    `на листе «Педагоги» нет ни одного из ${countOf(r.before, 'педагога', 'педагогов', 'педагогов')} прошлой загрузки (теперь там ${countOf(r.after, 'другой', 'других', 'других')}) — ` +
    'похоже, в таблицу скопирована таблица другой организации или ссылка в реестре ведёт на чужую таблицу'
  );
}

/** What to do about a held load of `code`; `intended`: when accepting it is right. */
export function acceptHint(code: string, intended = 'если строки удалены намеренно'): string {
  return `${intended}, подтвердите загрузку: кнопка «Принять уменьшение и загрузить» на странице организации или npm run sync -- --accept-shrink ${code}`;
}

/** acceptHint of a load held for its teachers replaced (teachersReplaced) alone. */
const REPLACED_INTENDED = 'если это таблица организации и список педагогов заменён намеренно';

/**
 * Tabs that load empty now though the last load had rows on them, too few to hold the
 * organization (fewer than MIN_LOST_ROWS lost): a warning of the tab each — «Наставнические
 * пары» gone from 5 rows to none loaded without a word. Not when every row is there but
 * rejected (their errors say it), nor after the coordinator accepted the load.
 */
export function emptiedTabs(v: OrgTally, stored: Partial<Record<TabKey, number>> | undefined): DataIssue[] {
  const out: DataIssue[] = [];
  for (const decl of TABS) {
    const t = v.tabs.get(decl.key);
    const before = stored?.[decl.key] ?? 0;
    if (!t || t.status !== 'ok' || t.rows > 0 || t.rejected > 0 || before === 0) continue;
    out.push({
      level: 'warning',
      org: v.org,
      tab: t.title,
      row: null,
      column: null,
      value: null,
      problem: `в прошлой загрузке на листе ${rowsWord(before)}, теперь — ни одной: лист загружен пустым; если строки удалены по ошибке, верните их`,
    });
  }
  return out;
}

/** The Russian message of a held load: the teachers replaced, every shrinking tab with both counts, and what to do. */
export function holdMessage(org: string, list: readonly TabShrink[], replaced: TeachersReplaced | null = null): string {
  const shrinks = list.map((s) => {
    const errors = s.rejected > 0 ? ` (ещё ${rowsWord(s.rejected)} листа с ошибками)` : '';
    return `на листе «${s.title}» в прошлой загрузке ${rowsWord(s.before)}, теперь загрузилось бы ${rowsWordGen(s.after)}${errors}`;
  });
  const parts = [...(replaced ? [replacedText(replaced)] : []), ...(shrinks.length ? [`${shrinks.join('; ')} — пропало больше половины строк`] : [])];
  const hint = replaced && !shrinks.length ? acceptHint(org, REPLACED_INTENDED) : acceptHint(org);
  return `загрузка задержана: ${parts.join('; ')}. Прежние данные организации сохранены; ${hint}`;
}

/** The hold as findings, one per shrinking tab (and one for teachers replaced): where the coordinator and the school look. */
export function holdIssues(org: string, list: readonly TabShrink[], replaced: { r: TeachersReplaced; title: string } | null = null): DataIssue[] {
  const whole: DataIssue[] = replaced
    ? [
        {
          level: 'error',
          org,
          tab: replaced.title,
          row: null,
          column: null,
          value: null,
          problem: `${replacedText(replaced.r)}; поэтому таблица организации не загружена и показаны прежние данные; ${acceptHint(org, REPLACED_INTENDED)}`,
        },
      ]
    : [];
  return whole.concat(list.map((s) => ({
    level: 'error' as const,
    org,
    tab: s.title,
    row: null,
    column: null,
    value: null,
    problem:
      `в прошлой загрузке на листе ${rowsWord(s.before)}, теперь загрузилось бы ${rowsWordGen(s.after)}` +
      `${s.rejected > 0 ? ` (ещё ${rowsWord(s.rejected)} с ошибками)` : ''} — больше половины строк пропало, ` +
      `поэтому таблица организации не загружена и показаны прежние данные; ${acceptHint(org)}`,
  })));
}

/** The registry's hold, or null: organizations it listed before that it does not list now. */
export function registryShrink(before: readonly string[], now: ReadonlySet<string>): { lost: string[]; before: number; after: number } | null {
  const lost = before.filter((c) => !now.has(c));
  // Half of the organizations or more (at least MIN_LOST_ORGS): half the municipality gone is a
  // filter or a sort gone wrong far more often than a reorganization (exactly half loaded, «ok»,
  // exit 0: an outside review). A tab is held only beyond half of its rows (`shrinks`).
  if (lost.length < MIN_LOST_ORGS || lost.length * 2 < before.length) return null;
  return { lost, before: before.length, after: now.size };
}

/**
 * The organizations the registry listed at the last sync and lists no more (a row deleted, a code
 * changed), each as a warning of the registry: their data leaves every figure, and nothing said
 * so — only other schools' rows naming them were quarantined. `sheets`: the spreadsheet of each
 * code before and now; a code gone whose spreadsheet another, new code now has is told as a
 * probable change of code (the data loads under the new one; the old code's history stays its own).
 */
export function registryDepartures(lost: readonly string[], sheets: { before: ReadonlyMap<string, string>; now: readonly { code: string; sheet: string }[] }, isNew: (code: string) => boolean, tab: string): DataIssue[] {
  return lost.map((code) => {
    const sheet = sheets.before.get(code);
    const successor = sheet === undefined ? undefined : sheets.now.find((e) => e.sheet === sheet && isNew(e.code));
    const why = successor
      ? `похоже, код организации изменён на «${successor.code}» (та же таблица): её данные теперь загружаются под новым кодом, а история прежнего кода остаётся за «${code}» — если код изменили по ошибке, верните прежний`
      : 'если строку удалили по ошибке, верните её';
    return {
      level: 'warning',
      org: null,
      tab,
      row: null,
      column: null,
      value: null,
      problem: `организации «${code}» больше нет в реестре: её данные не входят в показатели с этой синхронизации (история сохранена — на прошлые даты, as_of, она видна); ${why}`,
    };
  });
}

export function registryHoldMessage(h: { lost: readonly string[]; before: number; after: number }, tab: string): string {
  const orgs = (n: number) => countOf(n, 'организация', 'организации', 'организаций');
  const named = h.lost.length > 10 ? `${h.lost.slice(0, 10).join(', ')} и ещё ${h.lost.length - 10}` : h.lost.join(', ');
  return (
    `реестр организаций (лист «${tab}»): в прошлой синхронизации в нём ${orgs(h.before)}, теперь — ${orgs(h.after)}; ` +
    `пропали ${h.lost.length} (${named}) — ${h.lost.length * 2 > h.before ? 'больше половины' : 'половина'}. Синхронизация остановлена, данные не изменены. ` +
    'Если организации исключены из реестра намеренно, подтвердите: кнопка «Принять изменение реестра» на странице «Качество данных» ' +
    'или npm run sync -- --accept-shrink реестр'
  );
}
