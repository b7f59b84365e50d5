/**
 * Typed access to the dashboard API (shapes: DESIGN.md, "metric JSON" and "API"). Every
 * failure becomes an `ApiError` whose `message` is Russian and can be shown as it is.
 */

export interface MetricColumn {
  name: string;
  title: string;
  /** "чел.", "ч", "п.п.", "шт.", "текст", or "доля" for a share 0…1 (shown as a percent). */
  unit?: string | null;
}

export interface MetricInfo {
  name: string;
  title: string;
  description?: string | null;
  columns: MetricColumn[];
  params: string[];
}

export interface Org {
  code: string;
  name: string;
  type: string;
  active: boolean;
}

export interface MetricParams {
  from: string | null;
  to: string | null;
  org: string[];
  type: string | null;
  grain: string | null;
}

/** Every metric row names its organization; the total row has `org: null`. */
export interface OrgRow {
  org: string | null;
  org_name: string | null;
  org_type: string | null;
  /** Month end (`YYYY-MM-DD`), only with `grain=month`. */
  month?: string;
}

export interface EngagementRow extends OrgRow {
  teachers: number;
  mentors: number;
  mentees: number;
  engaged: number;
  /** engaged / teachers, unrounded; `null` when there are no teachers. */
  engagement_rate: number | null;
}

export interface MetricResponse<Row extends OrgRow> {
  metric: string;
  params: MetricParams;
  rows: Row[];
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
function asSentence(message: string): string {
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

async function getJson(path: string, signal?: AbortSignal): Promise<unknown> {
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
  if (!response.ok) {
    throw errorFromBody(response.status, body) ?? new ApiError(response.status, 'http', statusMessage(response.status));
  }
  if (body === undefined) throw new ApiError(response.status, 'bad_response', BAD_FORMAT_MESSAGE);
  return body;
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
