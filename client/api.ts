/**
 * Typed access to the dashboard API (shapes: docs/spec/DESIGN.md, "metric JSON" and "API"). Every
 * failure becomes an `ApiError` whose `message` is Russian and can be shown as it is; a 401
 * (the session ended) leads to the login page, a 403 `password_change_required` to «Сменить пароль».
 */
import type { MetricRow, OrgRow, SYNC_STATUSES } from '../shared/metrics.ts';
import type { ComparedRow, Period } from '../shared/compare.ts';
import { onPasswordChangeRequired, onUnauthenticated } from './session.ts';

export interface MetricColumn {
  name: string;
  title: string;
  /** "чел.", "ч", "п.п.", "шт.", "текст", "дата", or "доля" for a share 0…1 (shown as a percent). */
  unit?: string | null;
  /** A status column's codes in words (`unchanged` → «без изменений»): shared/metrics.ts `status`. */
  labels?: Readonly<Record<string, string>> | null;
}

export interface MetricInfo {
  name: string;
  title: string;
  description?: string | null;
  /** The item of the order the metric reports on ("2.4", "3"). */
  order_item?: string | null;
  /** Columns that identify a row besides the organization (`form`, `topic`, `item`). */
  keys?: MetricColumn[];
  columns: MetricColumn[];
  params: string[];
}

export interface Org {
  code: string;
  name: string;
  type: string;
  active: boolean;
  curator?: string | null;
  /** `YYYY-MM-DD HH:MM:SS` (UTC) of the last successful load. */
  last_success?: string | null;
  /** The last attempt to read the organization's sheet failed: its numbers are from an older load. */
  stale?: boolean;
}

export interface MetricParams {
  from: string | null;
  to: string | null;
  org: string[];
  type: string | null;
  grain: string | null;
  /** Data as of a past moment: as asked, the sync whose data the figures are and when it finished (`YYYY-MM-DD HH:MM:SS`, UTC). */
  as_of?: { asked: string; run: number; finished_at: string };
}

/** Row types of the metrics, derived from their declarations (shared/metrics.ts): a column's kind gives its type. */
export type { OrgRow } from '../shared/metrics.ts';
export type EngagementRow = MetricRow<'engagement'>;
export type YoungSpecialistsRow = MetricRow<'young_specialists'>;
export type PairsByFormRow = MetricRow<'pairs_by_form'>;
export type PairsByTopicRow = MetricRow<'pairs_by_topic'>;
export type ProfessionalDevelopmentRow = MetricRow<'professional_development'>;
export type QualificationGrowthRow = MetricRow<'qualification_growth'>;
export type AttestationDueRow = MetricRow<'attestation_due'>;
export type ProgramCompletionRow = MetricRow<'program_completion'>;
/**
 * `compliance` has four kinds of rows: (org, item) one item of one organization (counts 0/1);
 * (org, null) the organization's counts, `missing` and `report_date`; (null, item) an item
 * over the active organizations; (null, null) the grand total.
 */
export type ComplianceRow = MetricRow<'compliance'>;
export type EventsRow = MetricRow<'events'>;
export type DataQualityRow = MetricRow<'data_quality'>;
export type OverviewRow = MetricRow<'overview'>;

/** `held`: read, but kept back because a tab would lose more than half of its rows (awaits the coordinator). */
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export interface MetricResponse<Row extends OrgRow> {
  metric: string;
  params: MetricParams;
  rows: Row[];
}

/** `GET /api/quality`: one line per organization and the validation issues of the latest loads. */
export interface QualityOrg {
  org: string;
  org_name: string;
  last_success: string | null;
  last_attempt: string | null;
  last_status: SyncStatus | null;
  last_message: string | null;
  stale: boolean;
  /** Link to the organization's spreadsheet, when the source has one. */
  sheet_url: string | null;
  quarantined: number;
  errors: number;
  warnings: number;
  /** The template's tabs the organization has no row on now (titles); null as of a past sync or before its first load. */
  empty_tabs: string[] | null;
}

export interface QualityIssue {
  org: string | null;
  tab: string | null;
  /** Sheet row number as the school sees it. */
  row: number | null;
  column: string | null;
  value: string | number | boolean | null;
  /** `notice`: something the school may want to know (an extra column), not a problem. */
  level: 'error' | 'warning' | 'notice';
  message: string;
  /** Link to the cell in the spreadsheet, when the source has one. */
  cell_url: string | null;
}

export interface QualityResponse {
  /** The registry's hold message while the sync stops for a registry that lost more than half of its organizations. */
  registry_hold?: string | null;
  orgs: QualityOrg[];
  issues: QualityIssue[];
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

const NETWORK_MESSAGE =
  'Не удалось связаться с сервером. Проверьте подключение к сети и обновите страницу.';
const BAD_FORMAT_MESSAGE = 'Сервер вернул ответ в неожиданном формате. Обратитесь к администратору.';

/** A Russian message for a failed response that did not carry one of its own. */
function statusMessage(status: number): string {
  if (status === 404) return `Запрошенные данные не найдены (ошибка ${status}).`;
  if (status >= 500) return `Ошибка на сервере (код ${status}). Попробуйте позже.`;
  return `Сервер отклонил запрос (код ${status}).`;
}

/** Server messages may start in lower case ("конец периода … раньше …"); the box shows a sentence. */
export function asSentence(message: string): string {
  const text = message.trim();
  return text.charAt(0).toLocaleUpperCase('ru') + text.slice(1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `{ error: { code, message } }` body every API error has, if this is one. */
function errorFromBody(status: number, body: unknown): ApiError | null {
  if (!isRecord(body) || !isRecord(body.error)) return null;
  const { code, message } = body.error;
  if (typeof message !== 'string' || message.trim() === '') return null;
  return new ApiError(status, typeof code === 'string' ? code : 'error', asSentence(message));
}

/**
 * Answers are kept for a minute: switching pages asks for the same metrics again, and the
 * data changes only with a sync (every few hours). Only successful answers are kept.
 */
const CACHE_MS = 60_000;
const cache = new Map<string, { at: number; body: unknown }>();

/**
 * Forgets the answers kept: a sync this page started or watched ended, and the data is new. A
 * school's re-read said «Данные на странице обновлены» over the minute-old load times (an acceptance run).
 */
export function forgetAnswers(): void {
  cache.clear();
}

async function getJson(path: string, signal?: AbortSignal): Promise<unknown> {
  const cached = cache.get(path);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.body;
  const body = await fetchJson(path, signal);
  cache.set(path, { at: Date.now(), body });
  return body;
}

/** A GET of JSON, not cached: errors as ApiError with the server's Russian message (401 sends to the login). */
export async function fetchJson(path: string, signal?: AbortSignal): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { Accept: 'application/json' }, signal });
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw new ApiError(0, 'network', NETWORK_MESSAGE);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    if (isAbortError(error)) throw error;
    body = undefined;
  }
  if (response.status === 401) onUnauthenticated();
  if (!response.ok) {
    const error = errorFromBody(response.status, body) ?? new ApiError(response.status, 'http', statusMessage(response.status));
    if (error.code === 'password_change_required') onPasswordChangeRequired();
    throw error;
  }
  if (body === undefined) throw new ApiError(response.status, 'bad_response', BAD_FORMAT_MESSAGE);
  return body;
}

/** The file name a download's Content-Disposition gives (`filename*=UTF-8''…` first), else `fallback`. */
function dispositionName(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim());
    } catch {
      // a malformed encoding: the plain name below
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain ? plain[1]!.trim() : fallback;
}

/**
 * A file from the API (a workbook, a CSV) as the browser should save it. A refusal — a bad
 * period, no rights, the server down — throws the ApiError with the server's Russian message
 * instead of being saved as a file (the browser saved `export.json`, or cancelled it, and the
 * page said nothing).
 */
export async function downloadFile(path: string): Promise<{ blob: Blob; name: string }> {
  let response: Response;
  try {
    response = await fetch(path);
  } catch {
    throw new ApiError(0, 'network', NETWORK_MESSAGE);
  }
  if (!response.ok) {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (response.status === 401) onUnauthenticated();
    const error = errorFromBody(response.status, body) ?? new ApiError(response.status, 'http', statusMessage(response.status));
    if (error.code === 'password_change_required') onPasswordChangeRequired();
    throw error;
  }
  const fallback = new URL(path, location.href).pathname.split('/').pop() || 'file';
  return { blob: await response.blob(), name: dispositionName(response.headers.get('content-disposition'), fallback) };
}

/** Reads `body[key]` as an array or fails with a Russian message: a wrong shape must not look like "no data". */
function arrayField(body: unknown, key: string): unknown[] {
  const value = isRecord(body) ? body[key] : undefined;
  if (!Array.isArray(value)) throw new ApiError(200, 'bad_response', BAD_FORMAT_MESSAGE);
  return value;
}

/** `GET /api/metrics`: the metrics the server knows, with Russian titles of their columns. */
export async function getMetrics(signal?: AbortSignal): Promise<MetricInfo[]> {
  return arrayField(await getJson('/api/metrics', signal), 'metrics') as MetricInfo[];
}

/** `GET /api/orgs`: organizations of the registry, for the filters. */
export async function getOrgs(signal?: AbortSignal): Promise<Org[]> {
  return arrayField(await getJson('/api/orgs', signal), 'orgs') as Org[];
}

/** `GET /api/metrics/:name?…`: one metric's rows for the given query (`from`, `to`, `org`, `type`, `grain`). */
export async function getMetric<Row extends OrgRow>(
  name: string,
  query: URLSearchParams,
  signal?: AbortSignal,
): Promise<MetricResponse<Row>> {
  const search = query.toString();
  const path = `/api/metrics/${encodeURIComponent(name)}${search ? `?${search}` : ''}`;
  const body = await getJson(path, signal);
  arrayField(body, 'rows');
  return body as MetricResponse<Row>;
}

/** `GET /api/quality?org=&type=`: data quality per organization and the list of issues. */
export async function getQuality(query: URLSearchParams, signal?: AbortSignal): Promise<QualityResponse> {
  const search = query.toString();
  const body = await getJson(`/api/quality${search ? `?${search}` : ''}`, signal);
  arrayField(body, 'orgs');
  arrayField(body, 'issues');
  return body as QualityResponse;
}

/**
 * A list of an API that is not a metric (`/api/practices`, `/api/mentors`, `/api/mentees`,
 * `/api/matching`): the array `key` of the answer, the same errors as the metrics.
 */
export async function getList<T>(path: string, key: string, query: URLSearchParams, signal?: AbortSignal): Promise<T[]> {
  const search = query.toString();
  return arrayField(await getJson(`${path}${search ? `?${search}` : ''}`, signal), key) as T[];
}

/** `GET /api/metrics/:name/compare`: the metric for the period and for `cmp_from…cmp_to`, row by row (shared/compare.ts). */
export async function getComparison(name: string, query: URLSearchParams, signal?: AbortSignal): Promise<ComparisonResponse> {
  const body = await getJson(`/api/metrics/${encodeURIComponent(name)}/compare?${query.toString()}`, signal);
  arrayField(body, 'rows');
  return body as ComparisonResponse;
}

export interface ComparisonResponse {
  metric: string;
  current: Period;
  base: Period;
  columns: MetricColumn[];
  rows: ComparedRow[];
}
