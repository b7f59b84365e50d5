/**
 * `as_of` (issue #20, part 2): figures as they stood at a past moment — the data after the last
 * sync that finished at or before it, statuses included. A day `YYYY-MM-DD` stands for its end;
 * a moment is ISO 8601 (`2026-06-15T18:00`, with `Z` or an offset; without one it is UTC, as
 * every time the dashboard shows). Resolved to that sync here; the figures are computed over the
 * snapshot of its data (db/snapshot.ts) — or over the live tables when no sync has started since.
 */
import type { Db, Row, SqlParam } from '../db/db.ts';
import { snapshotsOf } from '../db/snapshot.ts';
import { HISTORY_FROM_KEY } from '../db/history.ts';
import { sqlOf } from '../db/queries.ts';
import { knownOrgCodes, lastRunId } from '../sync/state.ts';
import { codeKey, ruDate } from '../contract/index.ts';
import { ruMoment } from '../../shared/moment.ts';
import { badRequest } from '../http/errors.ts';
import { one } from './params.ts';
import { parseComparison, parseParams, type MetricParams } from './parameters.ts';
import type { Period } from '../../shared/compare.ts';
import { addDays, isoDay } from './period.ts';

export interface AsOf {
  /** As asked (`YYYY-MM-DD` or an ISO moment). */
  asked: string;
  /** The sync whose data the figures are: the last one finished at or before the moment. */
  run: number;
  /** When it finished, `YYYY-MM-DD HH:MM:SS` (UTC). */
  finished_at: string;
}

export interface ResolvedAsOf extends AsOf {
  /** No sync has started since: the live tables hold exactly its data. */
  latest: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MOMENT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?$/i;
const FORMAT = 'ожидается дата ГГГГ-ММ-ДД или момент ГГГГ-ММ-ДДTЧЧ:ММ[:СС][Z или ±ЧЧ:ММ]';

/** How a parameter is named in messages: `as_of`, or the comparison's `cmp_as_of`. */
interface AsOfName {
  name: string;
  /** Put before a message about the data of that date. */
  prefix: string;
}
const AS_OF: AsOfName = { name: 'as_of (на дату)', prefix: '' };
const CMP_AS_OF: AsOfName = { name: 'cmp_as_of (данные сравнения на дату)', prefix: 'сравнение: ' };

/** A moment as people read it, to the second (a sync's finish time is stored to the second). */

/** The instant `as_of` stands for, as a TIMESTAMP text (UTC), and its day; a 400 in Russian when it is none. */
export function asOfMoment(text: string, param = AS_OF): { until: string; inclusive: boolean; day: string } {
  const bad = () => badRequest(`неверный параметр ${param.name}: ${FORMAT}; получено «${text.slice(0, 40)}»`);
  if (DAY.test(text)) {
    const t = Date.parse(`${text}T00:00:00Z`);
    if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== text) throw bad();
    // The day's end: before the next day begins on the server's clock (its zone, the
    // municipality's: a sync at 03:35 on the 8th in Sayansk is of the 8th — isoDay), in UTC as stored.
    const next = addDays(text, 1);
    const [y, mo, d] = next.split('-').map(Number) as [number, number, number];
    const midnight = new Date(0);
    midnight.setFullYear(y, mo - 1, d);
    midnight.setHours(0, 0, 0, 0);
    const iso = midnight.toISOString();
    // Past year 9999 in UTC JavaScript writes six digits: the calendar's end stays as written.
    return { until: /^\d{4}-/.test(iso) ? iso.slice(0, 19).replace('T', ' ') : `${next} 00:00:00`, inclusive: false, day: text };
  }
  const m = MOMENT.exec(text);
  if (!m) throw bad();
  const [, date, time, zone] = m as unknown as [string, string, string, string | undefined];
  const [hms, frac = ''] = time.split('.');
  const iso = `${date}T${hms!.length === 5 ? `${hms}:00` : hms}.${frac.padEnd(3, '0').slice(0, 3)}${zone ? (zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`) : 'Z'}`;
  const t = Date.parse(iso);
  if (Number.isNaN(t) || new Date(Date.parse(`${date}T00:00:00Z`)).toISOString().slice(0, 10) !== date) throw bad();
  const at = new Date(t).toISOString();
  // A moment whose zone moves it past 9999 (or before year 0) in UTC: JavaScript writes the year
  // with six digits, which no database reads. Past the calendar's end it stands for now, as any
  // moment in the future does; before its start there is nothing to show.
  if (!/^\d{4}-/.test(at)) {
    if (t > 0) return { until: '9999-12-31 23:59:59.999', inclusive: true, day: '9999-12-31' };
    throw bad();
  }
  return { until: at.replace('T', ' ').replace('Z', ''), inclusive: true, day: isoDay(new Date(t)) };
}

/**
 * The day the figures of `as_of` stand at, for a default period or a register's day: its own
 * day, or today when it lies in the future (a day in the future stands for now).
 */
export function asOfDay(text: string, now: Date): string {
  const day = asOfMoment(text).day;
  const today = isoDay(now);
  return day < today ? day : today;
}

/** `as_of` of a query string (the last one counts), or null when none is given. */
export function asOfParam(query: Record<string, unknown>): string | null {
  const v = one(query.as_of);
  if (v === undefined) return null;
  if (typeof v !== 'string') throw badRequest(`неверный параметр ${AS_OF.name}: ${FORMAT}`);
  // Empty (a cleared field of a form) is now.
  return v.trim() === '' ? null : v.trim();
}

/**
 * The sync `as_of` stands for. 400 when the text is no date or moment, when no sync had finished
 * by then, or when the history does not reach that far back (it begins with the first sync of
 * this version of the program, or of real data after the demo).
 */
export async function resolveAsOf(db: Db, text: string, param = AS_OF): Promise<ResolvedAsOf> {
  const { until, inclusive } = asOfMoment(text, param);
  // A run whose end is being committed finished before now: the moment may stand for it.
  await db.runEndVisible();
  const [row] = await db.query(sqlOf('lists/as_of'), { until, inclusive, key: HISTORY_FROM_KEY });
  const shown = DAY.test(text) ? ruDate(text) : ruMoment(until);
  if (row?.run === null || row?.run === undefined) {
    throw badRequest(
      param.prefix +
        // The first sync that holds data (the history's start), not a first one that loaded nothing
        // (a server started before its registry was there: an outside review).
        (row?.history_from !== null && row?.history_from !== undefined && row.from_finished && String(row.from_finished) !== String(row.first_finished)
          ? `на ${shown} данных ещё нет: данные есть с синхронизации № ${Number(row.history_from)} (${ruMoment(String(row.from_finished))})`
          : row?.first_finished
            ? `на ${shown} данных ещё нет: первая синхронизация завершилась ${ruMoment(String(row.first_finished))}`
            : `на ${shown} данных нет: ни одна синхронизация ещё не завершилась`),
    );
  }
  const run = Number(row.run);
  const from = row.history_from === null ? 0 : Number(row.history_from);
  if (run < from) {
    throw badRequest(
      `${param.prefix}данные на ${shown} не сохранились: история данных ведётся с синхронизации № ${from}${row.from_finished ? ` (${ruMoment(String(row.from_finished))})` : ''}; выберите более позднюю дату`,
    );
  }
  return { asked: text, run, finished_at: String(row.run_finished), latest: Number(row.last_run) === run };
}

/**
 * A metric's parameters from a query string with `as_of` resolved (parameters.ts parseParams):
 * the default period is the academic year containing the `as_of` day rather than today's.
 */
export async function parseParamsAsOf(db: Db, query: Record<string, unknown>, now: Date): Promise<MetricParams> {
  const text = asOfParam(query);
  const r = text === null ? null : await resolveAsOf(db, text);
  const params = parseParams(query, text === null ? now : new Date(`${asOfDay(text, now)}T12:00:00Z`));
  const asOf = r === null ? null : { asked: r.asked, run: r.run, finished_at: r.finished_at };
  await requireKnownOrgs(db, params.org);
  await requireListedOrgs(db, params.org, asOf);
  return asOf === null ? params : { ...params, as_of: asOf };
}

/**
 * requireListedOrgs for parameters already scoped to an account (a school's own organization is
 * added after parsing): a school taken out of the registry is told so, not given zeros.
 */
export async function requireListed(db: Db, params: Pick<MetricParams, 'org' | 'as_of'>): Promise<void> {
  await requireListedOrgs(db, params.org, params.as_of ?? null);
}

/**
 * Sets of codes derived from the data, kept per database and data version (every write that
 * changes the data bumps it): a request answered from the metric cache costs no query (issue
 * #18's cached p95). A failed read is not kept.
 */
const codeSets = new WeakMap<Db, { version: number; sets: Map<string, Promise<Set<string>>> }>();

function keptCodes(db: Db, key: string, read: () => Promise<Set<string>>): Promise<Set<string>> {
  let kept = codeSets.get(db);
  if (!kept || kept.version !== db.dataVersion) codeSets.set(db, (kept = { version: db.dataVersion, sets: new Map() }));
  const sets = kept.sets;
  let codes = sets.get(key);
  if (!codes) {
    if (sets.size >= 64) sets.clear();
    codes = read();
    sets.set(key, codes);
    codes.catch(() => sets.delete(key));
  }
  return codes;
}

/** The registry's codes now (run null) or as the sync `run` left them. */
function listedCodes(db: Db, run: number | null): Promise<Set<string>> {
  return keptCodes(db, `listed:${run}`, async () => new Set((await db.query(sqlOf('lists/registry_codes'), { run })).map((r) => String(r.code))));
}

/**
 * An `org` filter names organizations of the registry the answer reads — now, or as the sync of
 * `as_of` left it: one out of it (taken out since, or listed only later) is in no figure, and
 * the answer was a table of zeros with nothing to say why.
 */
async function requireListedOrgs(db: Db, orgs: readonly string[], at: { run: number; finished_at: string } | null): Promise<void> {
  if (orgs.length === 0) return;
  const listed = await listedCodes(db, at?.run ?? null);
  const out = orgs.find((o) => !listed.has(o));
  if (out === undefined) return;
  throw badRequest(
    at === null
      ? `неверный параметр org (код организации): организации «${out}» нет в реестре сейчас — её данные не входят в показатели; чтобы посмотреть их, выберите дату (as_of), когда она была в реестре`
      : `неверный параметр org (код организации): организации «${out}» не было в реестре на момент синхронизации № ${at.run} (${ruMoment(at.finished_at)}) — её данных в показателях на эту дату нет`,
  );
}

/** The codes of every organization ever loaded (the registry's, and those it no longer lists). */
function orgCodes(db: Db): Promise<Set<string>> {
  return keptCodes(db, 'known', async () => new Set(await knownOrgCodes(db)));
}

/**
 * An `org` filter names organizations the data knows (now or in a past sync): a code typed
 * wrong would otherwise give a table of zeros — «Итого 0» in an export for the region — as if
 * the organization had nobody. A 400 names the code, and the registry's spelling when only the
 * case, spaces or look-alike Latin letters differ.
 */
export async function requireKnownOrgs(db: Db, orgs: readonly string[]): Promise<void> {
  if (orgs.length === 0) return;
  const known = await orgCodes(db);
  const unknown = orgs.find((o) => !known.has(o));
  if (unknown === undefined) return;
  // The case, spaces or a Latin letter drawn like a Russian one («COШ-1») differ: the registry's spelling is offered.
  const near = [...known].find((k) => codeKey(k) === codeKey(unknown));
  throw badRequest(`неверный параметр org (код организации): нет организации с кодом «${unknown}»${near ? `; возможно, «${near}»` : ''}`);
}

/**
 * A list's query (registers, findings, practices) over the data as of `asOf` (asOfParam's text;
 * null: now) — the live tables, or the snapshot of the sync it stands for (db/snapshot.ts).
 * Returns the rows and the sync resolved (null: now).
 */
export async function queryAsOf(
  db: Db,
  asOf: string | null,
  sql: string,
  params: Record<string, SqlParam>,
  /** A list that can be long (every finding of a region): on the metric lane, so that logins and short lists never wait for it. */
  heavy = false,
): Promise<{ rows: Row[]; as_of: AsOf | null }> {
  const live = () => (heavy ? db.metricQuery(sql, params) : db.query(sql, params));
  if (asOf === null) return { rows: await live(), as_of: null };
  const r = await resolveAsOf(db, asOf);
  const rows = await atRun(db, r.run, (catalog) => (catalog === undefined ? live() : db.metricQuery(sql, params, undefined, catalog)), r.latest);
  return { rows, as_of: { asked: r.asked, run: r.run, finished_at: r.finished_at } };
}

/**
 * Runs `read` over the data of sync `run`: the live tables when no sync has started since
 * (`latest`, when the caller knows it; else asked now) — read again over the snapshot when a
 * sync changed them meanwhile — otherwise the snapshot of that sync (db/snapshot.ts). The one
 * way the metrics (cache.ts) and the lists (queryAsOf) read a past sync's data.
 */
export async function atRun<T>(db: Db, run: number, read: (catalog: string | undefined) => Promise<T>, latest?: boolean): Promise<T> {
  const version = db.dataVersion;
  if (latest ?? (await lastRunId(db)) === run) {
    const out = await read(undefined);
    if (db.dataVersion === version) return out;
  }
  return snapshotsOf(db).use(run, read);
}

/**
 * The base of a comparison (issue #20, part 4), or null when none is asked for: another period
 * (`cmp_from`…`cmp_to`) as of the same date as `current`, the same period as of another date
 * (`cmp_as_of`: two `as_of` dates side by side), or both.
 */
export async function parseComparisonAsOf(db: Db, query: Record<string, unknown>, current: MetricParams): Promise<Period | null> {
  const period = parseComparison(query);
  const other = await parseBaseAsOf(db, query);
  if (period === null && other === null) return null;
  const asOf = other ?? current.as_of;
  return { ...(period ?? { from: current.from, to: current.to }), ...(asOf ? { as_of: asOf } : {}) };
}

/** `cmp_as_of` resolved; null when none is asked for. */
async function parseBaseAsOf(db: Db, query: Record<string, unknown>): Promise<AsOf | null> {
  const v = one(query.cmp_as_of);
  if (v === undefined || v === '') return null;
  if (typeof v !== 'string') throw badRequest(`неверный параметр ${CMP_AS_OF.name}: ${FORMAT}`);
  const r = await resolveAsOf(db, v.trim(), CMP_AS_OF);
  return { asked: r.asked, run: r.run, finished_at: r.finished_at };
}
