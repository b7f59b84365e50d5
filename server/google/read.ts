/**
 * Reading spreadsheets from Google at the fewest requests Google allows (issue #18): the read
 * half of the Google boundary. The sync's `google` source (server/sources/google.ts) is a thin
 * adapter over it.
 *
 *  - a changed spreadsheet costs one Sheets read: `spreadsheets.get` with `includeGridData`
 *    and a fields mask (tab titles, grid sizes, each cell's effective value). An answer over
 *    `maxGridDataBytes` is cut unread and that spreadsheet is read the bounded way: the tab
 *    titles with grid sizes, then one `values.batchGet` of the wanted tabs within the size
 *    limits (`readMode: 'batchGet'` reads every spreadsheet so);
 *  - change detection with a service account lists: Drive `files.list` of the spreadsheets
 *    it can see (id, modifiedTime; 1,000 a page) once per sync, so an unchanged region costs a
 *    handful of requests; a spreadsheet the listing does not show (or an API key, which cannot
 *    list) is asked for with one Drive `files.get`;
 *  - a service account signs its scoped JWTs itself (self-signed JWT, which Google's APIs
 *    accept): no token request (`jwtAccess: false` exchanges them at the key's token_uri, Google's oauth2.googleapis.com).
 *
 * Budgets follow Google's quotas (budget.ts): Sheets reads 60 a minute by default (one service
 * account is one user: 60 per user per minute), Drive calls apart. A rate-limit answer waits
 * for the window instead of failing the organization; other failures (5xx, network) are
 * retried with exponential backoff and full jitter, honoring `Retry-After` (transport.ts).
 *
 * Every failure is a `ReadError` worded in Russian for the coordinator, naming the organization
 * (or the registry) and what to do. Secrets (the API key, the service-account key) never reach
 * a message: errors are rebuilt from the HTTP status and Google's error body, then sanitized,
 * and the original error (whose config carries headers and URLs) is never attached as `cause`.
 */
import type { drive_v3 } from 'googleapis/build/src/apis/drive/v3.js';
import type { sheets_v4 } from 'googleapis/build/src/apis/sheets/v4.js';
import { plural, toGrid, type RawTab } from '../contract/index.ts';
import {
  GRID_DATA_FIELDS,
  TAB_LIST_FIELDS,
  TITLE_FIELDS,
  ROW_LINK_FIELDS,
  linkedSpreadsheet,
  TOO_BIG,
  checkBatch,
  checkGridSpreadsheet,
  checkDriveFile,
  checkFileList,
  checkSpreadsheet,
  checkValueRange,
  gridFromData,
  isGridSheet,
  sheetGrid,
  isOverSizeLimit,
} from './answers.ts';
import { RETRYABLE_STATUS, statusWords, type Failure } from './failure.ts';
import { quoteSheetTitle } from './sheetId.ts';
import { createGoogleTransport, durationText, isRateLimit, quotaWaitedText, type GoogleClients, type GoogleCredentials } from './transport.ts';

/** Sheets reads a minute by default: one service account's per-user quota (GOOGLE_SHEETS_RPM). */
export const DEFAULT_SHEETS_READS_PER_MINUTE = 60;
/** Drive calls a minute by default (GOOGLE_DRIVE_RPM): far under Drive's own per-user quota. */
export const DEFAULT_DRIVE_PER_MINUTE = 1200;
/** Pages of 1,000 spreadsheets a listing reads at most (a region has about a thousand). */
const MAX_LIST_PAGES = 20;
/**
 * gridData answers over this are refused unread (by Content-Length). A school's sheet is about
 * 250 KB of (pretty-printed, uncompressed) gridData in the benchmark; 8 MiB is ~30 times that.
 */
const DEFAULT_MAX_GRID_DATA_BYTES = 8 * 1024 * 1024;
/**
 * Every other answer is bounded by this many bytes as it streams. A school's spreadsheet is a
 * few hundred KB of values; 2,000,000 cells (the per-tab limit) of short values fit in it.
 */
const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const SCOPES = [
  'https://www.googleapis.com/auth/spreadsheets.readonly',
  'https://www.googleapis.com/auth/drive.metadata.readonly',
];

export type ReadErrorCode = 'forbidden' | 'not_found' | 'unavailable' | 'bad_shape' | 'too_big' | 'quota' | 'other';

/** A failed read, worded in Russian for the coordinator; with the requests it cost. */
export class ReadError extends Error {
  constructor(
    message: string,
    readonly code: ReadErrorCode,
    readonly requests = 0,
    readonly retries = 0,
  ) {
    super(message);
    this.name = 'ReadError';
  }
}

export interface SheetsReaderOptions {
  /** Service-account key file, API key, or none. */
  credentials: GoogleCredentials;
  /** GOOGLE_API_ROOT: another root URL for every request, e.g. `http://127.0.0.1:PORT/` (the fake server). */
  rootUrl?: string | undefined;
  /** Concurrent HTTP requests. Default 4. */
  concurrency?: number | undefined;
  /** Sheets reads per minute (GOOGLE_SHEETS_RPM); 0 = unlimited. Default 60. */
  sheetsReadsPerMinute?: number | undefined;
  /** Drive calls per minute (GOOGLE_DRIVE_RPM). Default 1,200; 0 = unlimited. */
  drivePerMinute?: number | undefined;
  /** A request waits at most this long in all for a rate-limited quota to refill. Default 10 minutes. */
  maxQuotaWaitMs?: number | undefined;
  /** `auto` (default): list with a service account, ask per file with an API key; `file`: always per file. */
  changeDetection?: 'auto' | 'file' | undefined;
  timeoutMs?: number | undefined;
  maxRetries?: number | undefined;
  /** `gridData` (default): one read per spreadsheet; `batchGet`: titles, then the wanted tabs' values. */
  readMode?: 'batchGet' | 'gridData' | undefined;
  /** `gridData` only: the largest answer accepted; over it the spreadsheet is read the batchGet way. Default 8 MiB. */
  maxGridDataBytes?: number | undefined;
  /** The largest answer of any other read; over it the read fails. Default 32 MiB. */
  maxResponseBytes?: number | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  random?: (() => number) | undefined;
  now?: (() => number) | undefined;
}

/** Requests and retries one read cost (for the sync's outcome line). */
export interface Counters {
  requests: number;
  retries: number;
}

/** What a request is about: used only to word error messages. */
export type Target = { kind: 'registry'; id: string } | { kind: 'org'; code: string; id: string };

/** A grid tab by title, with its grid size as Google reports it (before any cell is read). */
export interface TabSize {
  title: string;
  rows: number | null;
  columns: number | null;
}

export interface SheetsReader {
  /** The credential, in words (never a secret). */
  readonly authDescription: string;
  readonly credentials: GoogleCredentials;
  /** A text with every known secret (the key, the key file's private parts) redacted. */
  sanitize(text: string): string;
  /** A new sync starts: forget this sync's listing and what Drive refused. */
  startSync(): void;
  /**
   * What this sync's change detection could not do, in Russian (the listing of spreadsheets
   * failed or never ended: each sheet was asked about on its own, at a request each). Change
   * detection is only a saving, so nothing fails — but the coordinator sees why a sync of an
   * unchanged region cost 47 requests instead of 3 (an outside review: it said nothing).
   */
  syncNotes(): string[];
  /** This sync's requests that belong to no organization (the listing of spreadsheets). */
  syncCounts(): Counters;
  /** Expected ms until `count` more spreadsheets (one Sheets read each) may be read. */
  etaMs(count: number): number;
  /** Titles of every tab of a spreadsheet (the registry's tab lookup). */
  tabTitles(t: Target, c: Counters): Promise<string[]>;
  /** One tab's values. */
  tabValues(t: Target, c: Counters, title: string): Promise<RawTab>;
  /** The spreadsheet one row (1-based) of a tab links to (answers.ts linkedSpreadsheet), or null. */
  rowLink(t: Target, c: Counters, title: string, row: number): Promise<string | null>;
  /** The spreadsheet's modifiedTime: from this sync's listing (service account), else Drive; null when unknown. */
  version(t: Target & { kind: 'org' }, c: Counters): Promise<string | null>;
  /**
   * Every grid tab of a spreadsheet; the wanted ones with their cells, unless `refusal` says
   * (from the grid size, before reading) why a tab is not read: then `refused` holds why.
   */
  readTabs(t: Target & { kind: 'org' }, c: Counters, want: (title: string) => boolean, refusal: (tab: TabSize) => string | null): Promise<RawTab[]>;
}

interface CallOptions<T> {
  /** Whose budget the request takes: Sheets reads (default) or Drive. */
  api?: 'sheets' | 'drive';
  /** A non-retryable failure turned into an answer (e.g. Drive refusing: read the sheet anyway). */
  onFail?: (f: Failure) => T | undefined;
  /** What is wrong with a 200's body (Russian, for the message), or null when it has the expected shape. */
  check?: (data: unknown) => string | null;
  /** The sync's Drive listing, of no organization: its failures are worded as the listing's (`listingError`). */
  listing?: true;
}

/** A tab read from Google with what its properties say of it: hidden, and its id (the `#gid=` of its address). */
function withTabProperties(tab: RawTab, p: sheets_v4.Schema$SheetProperties | undefined): RawTab {
  if (p?.hidden === true) tab.hidden = true;
  if (typeof p?.sheetId === 'number') tab.gid = p.sheetId;
  return tab;
}

export function createSheetsReader(opts: SheetsReaderOptions): SheetsReader {
  const auth = opts.credentials;
  const readMode = opts.readMode ?? 'gridData';
  const maxGridDataBytes = opts.maxGridDataBytes ?? DEFAULT_MAX_GRID_DATA_BYTES;
  const maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const transport = createGoogleTransport({
    credentials: auth,
    scopes: SCOPES,
    budgets: { sheets: opts.sheetsReadsPerMinute ?? DEFAULT_SHEETS_READS_PER_MINUTE, drive: opts.drivePerMinute ?? DEFAULT_DRIVE_PER_MINUTE },
    rootUrl: opts.rootUrl,
    concurrency: opts.concurrency,
    maxQuotaWaitMs: opts.maxQuotaWaitMs,
    timeoutMs: opts.timeoutMs,
    maxRetries: opts.maxRetries,
    keyError: (m) => new ReadError(m, 'other'),
    // Key-file problems and our own shape checks are worded ReadErrors already.
    isLocal: (e) => e instanceof ReadError,
    sleep: opts.sleep,
    random: opts.random,
    now: opts.now,
  });
  const budgets = transport.budgets;
  const sanitize = transport.sanitize;
  const bounded = { maxContentLength: maxResponseBytes };
  /** Set when Drive answers that its API is disabled for the project: not asked again in this sync. */
  let driveDisabled = false;
  /**
   * Why Drive was given up on in this sync — a call retried to the end (5xx, no answer, its
   * quota): change detection is only a saving, so Drive is not asked again and every sheet is
   * read in full (a Drive outage failed every organization while Sheets answered: an acceptance
   * run). Null: it was not.
   */
  let driveDown: string | null = null;
  /** This sync's listing of the spreadsheets the service account sees (id → modifiedTime); null: not listed. */
  let listing: Promise<Map<string, string> | null> | null = null;
  /** Why this sync's listing failed or was cut short (syncNotes), null when it went well or was not asked. */
  let listingProblem: string | null = null;
  /** The listing's requests: the sync's, not the organization's whose change check asked for it first. */
  let listingCounts: Counters = { requests: 0, retries: 0 };
  const listsChanges = auth.kind === 'service' && (opts.changeDetection ?? 'auto') === 'auto';
  /** Organizations whose sheet got a Sheets read in this sync (for the remaining time). */
  const orgsRead = new Set<string>();
  /** The tabs of the last `tabTitles` answer (spreadsheet ID + U+001F + title): `tabValues` fills their merged cells. */
  const tabSheets = new Map<string, sheets_v4.Schema$Sheet>();

  function who(t: Target): { of: string; table: string } {
    return t.kind === 'org'
      ? { of: `организации ${t.code}`, table: `таблице организации ${t.code}` }
      : { of: `реестра организаций (таблица ${t.id})`, table: `реестру организаций (таблица ${t.id})` };
  }

  function shareHint(): string {
    if (auth.kind === 'service') {
      const email = transport.serviceEmail();
      const account = email !== null ? `сервисного аккаунта ${email}` : 'сервисного аккаунта (client_email из файла ключа)';
      return `откройте доступ на чтение для ${account} или «всем, у кого есть ссылка»`;
    }
    return 'откройте доступ на чтение «всем, у кого есть ссылка» (или настройте сервисный аккаунт и откройте доступ ему)';
  }

  /** The ReadError the coordinator sees, in Russian, naming the organization (or the registry) and what to do. */
  function toReadError(f: Failure, t: Target, c: Counters, exhausted: boolean, api: 'sheets' | 'drive' = 'sheets'): ReadError {
    const w = who(t);
    // Which service failed: a sheet's change check asks Drive, its read asks Sheets.
    const service = api === 'drive' ? 'Google Drive' : 'Google Sheets';
    const mk = (message: string, code: ReadErrorCode) => new ReadError(sanitize(message), code, c.requests, c.retries);
    if (f.local) return mk(t.kind === 'org' ? `не удалось прочитать таблицу ${w.of}: ${f.detail}` : `не удалось прочитать реестр организаций (таблица ${t.id}): ${f.detail}`, 'other');
    const tries = `${c.requests} ${plural(c.requests, 'запрос', 'запроса', 'запросов')}`;
    if (f.token) {
      // The service account's token request failed (GOOGLE_SELF_SIGNED_JWT=0): Sheets and Drive were not asked.
      const what = f.network ? f.detail : `HTTP ${f.status ?? 0} ${f.detail}`;
      return mk(
        `сервер авторизации Google (${transport.tokenHost()}) не выдал токен доступа сервисному аккаунту (чтение ${w.of}, ${tries}): ${what}; проверьте, что сервер может обращаться к ${transport.tokenHost()}, и ключ в GOOGLE_APPLICATION_CREDENTIALS — или уберите GOOGLE_SELF_SIGNED_JWT=0: тогда аккаунт подписывает доступ сам, без этого сервера`,
        f.network || RETRYABLE_STATUS.has(f.status ?? 0) ? 'unavailable' : 'forbidden',
      );
    }
    if (exhausted && isRateLimit(f)) {
      return mk(`превышена квота ${service} при чтении ${w.of} (${tries}): попробуйте позже или уменьшите частоту синхронизации`, 'quota');
    }
    if (f.network) return mk(`${service} недоступен: ${f.detail} (чтение ${w.of}, ${tries}); попробуйте позже`, 'unavailable');
    const status = f.status ?? 0;
    if (exhausted || RETRYABLE_STATUS.has(status)) {
      return mk(`${service} недоступен: ${statusWords(status, f.detail)} (чтение ${w.of}, ${tries}); попробуйте позже`, 'unavailable');
    }
    if (f.reasons.includes('SERVICE_DISABLED') || f.reasons.includes('accessNotConfigured')) {
      return mk(`Google Sheets API не включён в проекте Google Cloud, которому принадлежит ключ (чтение ${w.of}): включите «Google Sheets API» в консоли Google Cloud`, 'forbidden');
    }
    if (f.reasons.includes('API_KEY_INVALID') || /api key not valid/i.test(f.detail)) {
      return mk(`API-ключ Google недействителен (чтение ${w.of}): проверьте GOOGLE_API_KEY`, 'forbidden');
    }
    if (status === 403 && auth.kind === 'none' && /missing a valid API key|unregistered callers/i.test(f.detail)) {
      return mk(`Google требует авторизацию (чтение ${w.of}): задайте GOOGLE_API_KEY или GOOGLE_APPLICATION_CREDENTIALS`, 'forbidden');
    }
    if (status === 401) {
      // What to check depends on the credentials (it named both, and never the clock): a service
      // account's self-signed JWT carries the server's time, and Google refuses one out of step.
      const email = transport.serviceEmail();
      const check =
        auth.kind === 'service'
          ? `проверьте, что ключ сервисного аккаунта${email !== null ? ` ${email}` : ''} в GOOGLE_APPLICATION_CREDENTIALS действует (не удалён и не отозван в Google Cloud) и что часы сервера идут верно — подпись с неверным временем Google не принимает`
          : auth.kind === 'key'
            ? 'проверьте GOOGLE_API_KEY'
            : 'задайте GOOGLE_APPLICATION_CREDENTIALS или GOOGLE_API_KEY';
      return mk(`Google не принял учётные данные (HTTP 401) при чтении ${w.of}: ${check}; ответ Google: ${f.detail}`, 'forbidden');
    }
    if (status === 403) return mk(`нет доступа к ${w.table}: ${shareHint()}`, 'forbidden');
    if (status === 404) {
      return t.kind === 'org'
        ? mk(`таблица ${w.of} не найдена (ID ${t.id}): проверьте столбец «Таблица» реестра`, 'not_found')
        : mk(`реестр организаций не найден (ID ${t.id}): проверьте SHEETS_REGISTRY_ID`, 'not_found');
    }
    if (status === 400 && /not supported for this document/i.test(f.detail)) {
      return mk(
        `таблица ${w.of} (ID ${t.id}) — файл Excel, а не Google Таблица: откройте её и выберите «Файл → Сохранить как Google Таблицу», затем укажите ID новой таблицы`,
        'bad_shape',
      );
    }
    // No HTTP status to quote: a redirect refused (transport.ts) — it read «HTTP 0 вместо ответа…».
    if (f.status === undefined) return mk(`${service} не ответил при чтении ${w.of}: ${f.detail}`, 'other');
    return mk(`ошибка ${service} при чтении ${w.of}: HTTP ${status} ${f.detail}`, 'other');
  }

  /**
   * Why the sync's Drive listing failed, for its note: the listing itself, of no organization.
   * It was worded as a failed read of the first organization's sheet — «Таблица не загружена» of
   * a sheet that loaded, and «откройте доступ к таблице» for a Drive refusal (an outside review).
   */
  function listingError(f: Failure, c: Counters, exhausted: boolean): ReadError {
    const mk = (message: string, code: ReadErrorCode) => new ReadError(sanitize(message), code, c.requests, c.retries);
    const status = f.status ?? 0;
    if (f.local) return mk(`не удалось запросить список таблиц: ${f.detail}`, 'other');
    if (f.token) return mk(`сервер авторизации Google (${transport.tokenHost()}) не выдал токен доступа: ${f.network ? f.detail : `HTTP ${status} ${f.detail}`}`, 'unavailable');
    if (exhausted && isRateLimit(f)) return mk('превышена квота Google Drive', 'quota');
    if (f.network) return mk(`Google Drive недоступен: ${f.detail}`, 'unavailable');
    if (exhausted || RETRYABLE_STATUS.has(status)) return mk(`Google Drive недоступен: ${statusWords(status, f.detail)}`, 'unavailable');
    if (f.reasons.includes('SERVICE_DISABLED') || f.reasons.includes('accessNotConfigured')) {
      return mk('Google Drive API не включён в проекте Google Cloud сервисного аккаунта: включите «Google Drive API» в консоли Google Cloud', 'forbidden');
    }
    if (status === 401) return mk(`Google не принял учётные данные (HTTP 401): ${f.detail}`, 'forbidden');
    if (status === 403) return mk(`Google Drive отказал в списке таблиц (HTTP 403): ${f.detail}; проверьте, что в проекте Google Cloud сервисного аккаунта включён «Google Drive API»`, 'forbidden');
    if (f.status === undefined) return mk(`Google Drive не ответил на запрос списка таблиц: ${f.detail}`, 'other');
    return mk(`ошибка Google Drive: HTTP ${status} ${f.detail}`, 'other');
  }

  function tooBig(t: Target, c: Counters): ReadError {
    const size = bytesText(maxResponseBytes);
    const message =
      t.kind === 'org'
        ? `ответ Google при чтении таблицы ${who(t).of} больше ${size} — таблица слишком большая и не загружена, прежние данные организации сохранены; удалите лишние строки, столбцы и листы`
        : `ответ Google при чтении реестра организаций (таблица ${t.id}) больше ${size} — реестр не прочитан, синхронизация остановлена, данные не изменены; удалите из реестра лишние строки и листы`;
    return new ReadError(sanitize(message), 'too_big', c.requests, c.retries);
  }

  function badShape(t: Target, c: Counters, what: string): ReadError {
    const message =
      t.kind === 'org'
        ? `Google вернул при чтении таблицы ${who(t).of} ответ не в формате Google Sheets API (${what}); возможно, ответил прокси-сервер или страница входа в сеть. Таблица не загружена, прежние данные организации сохранены; повторите синхронизацию позже`
        : `Google вернул при чтении реестра организаций (таблица ${t.id}) ответ не в формате Google Sheets API (${what}); возможно, ответил прокси-сервер или страница входа в сеть. Синхронизация остановлена, данные не изменены; повторите её позже`;
    return new ReadError(sanitize(message), 'bad_shape', c.requests, c.retries);
  }

  /**
   * One API call with the shared limits and our retry policy. `send` makes exactly one HTTP
   * request. The concurrency slot is held only while the request is in flight (not during
   * backoff), and the rate-limit grant is taken inside the slot so that the recorded time is
   * the time the request really leaves.
   */
  async function call<T>(t: Target, c: Counters, send: (cl: GoogleClients) => Promise<{ data: T }>, o: CallOptions<T> = {}): Promise<T> {
    const data = await transport.call(o.api ?? 'sheets', send, {
      counters: c,
      onSend: () => {
        if (t.kind === 'org' && o.api !== 'drive') orgsRead.add(t.code);
      },
      intercept: (err) =>
        !isOverSizeLimit(err)
          ? undefined
          : o.listing
            ? new ReadError(`ответ Google Drive на запрос списка таблиц больше ${bytesText(maxResponseBytes)}`, 'too_big', c.requests, c.retries)
            : tooBig(t, c),
      ...(o.onFail
        ? {
            fallback: (f: Failure) => {
              const v = o.onFail!(f);
              return v === undefined ? undefined : { value: v };
            },
          }
        : {}),
      fail: (f, exhausted) => {
        const error = o.listing ? listingError(f, c, exhausted) : toReadError(f, t, c, exhausted, o.api === 'drive' ? 'drive' : 'sheets');
        if (o.api === 'drive' && exhausted && !f.token && !f.local) driveDown ??= error.message;
        return error;
      },
    });
    // A 200 whose body is not what Google sends (a proxy's page, a captive portal, a cut answer:
    // gaxios hands those over as a string) is a failure of this read, never "no tabs".
    const problem = o.check?.(data) ?? null;
    if (problem !== null && o.listing) {
      throw new ReadError(sanitize(`Google Drive ответил на запрос списка таблиц не в формате Google Drive API (${problem.replace(/^Google Drive: /, "")}); возможно, ответил прокси-сервер`), 'bad_shape', c.requests, c.retries);
    }
    if (problem !== null) throw badShape(t, c, problem);
    return data;
  }

  /**
   * The spreadsheets this service account can see, with their modifiedTime: Drive `files.list`,
   * 1,000 a page. Any failure (a proxy that blocks it, a Drive API switched off) means "not
   * listed": every spreadsheet is then asked for on its own, as with an API key.
   */
  async function listSpreadsheets(t: Target, c: Counters): Promise<Map<string, string> | null> {
    const out = new Map<string, string>();
    const conflicting = new Set<string>();
    let pageToken: string | undefined;
    const tokens = new Set<string>();
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const res = await call<drive_v3.Schema$FileList>(
        t,
        c,
        (cl) =>
          cl.drive.files.list(
            {
              q: "mimeType='application/vnd.google-apps.spreadsheet' and trashed=false",
              fields: 'nextPageToken,files(id,modifiedTime)',
              pageSize: 1000,
              supportsAllDrives: true,
              includeItemsFromAllDrives: true,
              corpora: 'allDrives',
              ...(pageToken !== undefined ? { pageToken } : {}),
            },
            bounded,
          ),
        { api: 'drive', check: checkFileList, listing: true },
      );
      // Google always sends `files` (empty on an empty page) and, asked for, each file's id and
      // time: a page without them is no answer of Drive's. The sheets it leaves out are asked for
      // one by one, as before — and said, not done silently (an outside review).
      if (res.files === undefined) listingProblem ??= 'в ответе Google Drive нет списка файлов (files)';
      for (const f of res.files ?? []) {
        if (typeof f.id !== 'string' || typeof f.modifiedTime !== 'string' || !Number.isFinite(Date.parse(f.modifiedTime))) {
          listingProblem ??= 'Google Drive назвал файл без id или без времени изменения (modifiedTime)';
          continue;
        }
        const seen = out.get(f.id);
        // Listed twice with different times (pages that shifted while they were read, a proxy
        // replaying an old page): which one is current is unknown — the file is asked for on its own.
        if (conflicting.has(f.id) || (seen !== undefined && seen !== f.modifiedTime)) conflicting.add(f.id);
        else out.set(f.id, f.modifiedTime);
      }
      // An empty token ends the list as an absent one does (it read page 1 again, 20 times over).
      pageToken = res.nextPageToken || undefined;
      if (pageToken === undefined) break;
      // A token given before would read the same pages again: the list is taken as it stands.
      if (tokens.has(pageToken)) {
        listingProblem = 'Google Drive вернул токен уже прочитанной страницы списка таблиц — список прерван';
        pageToken = undefined;
        break;
      }
      tokens.add(pageToken);
    }
    if (pageToken !== undefined) listingProblem = `список таблиц Google Drive не закончился за ${MAX_LIST_PAGES} страниц`;
    if (conflicting.size > 0) listingProblem ??= `Google Drive назвал ${conflicting.size === 1 ? 'таблицу' : `${conflicting.size} таблиц(ы)`} дважды с разным временем изменения`;
    for (const id of conflicting) out.delete(id);
    return out;
  }

  return {
    authDescription: auth.kind === 'service' ? `сервисный аккаунт (${auth.file})` : auth.kind === 'key' ? 'API-ключ' : 'без авторизации',
    credentials: auth,
    sanitize,

    startSync() {
      listing = null;
      listingProblem = null;
      listingCounts = { requests: 0, retries: 0 };
      driveDisabled = false;
      driveDown = null;
      transport.quota.reset();
      orgsRead.clear();
    },

    syncNotes() {
      const notes: string[] = [];
      if (driveDown !== null) {
        notes.push(
          `Google Drive не ответил на проверку изменений (${sanitize(driveDown)}): изменения таблиц в этой синхронизации не проверялись — все таблицы прочитаны целиком через Google Sheets (запросов больше обычного), данные не затронуты.`,
        );
      } else if (listingProblem !== null) {
        notes.push(`Проверка изменений одним списком Google Drive не удалась (${sanitize(listingProblem)}): таблицы, которых нет в списке, проверены по одной — запросов больше обычного, данные не затронуты.`);
      }
      const { timeouts } = transport.quota;
      if (timeouts > 0) {
        notes.push(
          `Google ${timeouts === 1 ? 'один раз не ответил' : `${timeouts} ${plural(timeouts, 'раз', 'раза', 'раз')} не ответил`} вовремя (ответа ждали до ${durationText(transport.timeoutMs)}): ${timeouts === 1 ? 'запрос повторён' : 'запросы повторены'} — синхронизация шла дольше обычного, данные не затронуты.`,
        );
      }
      const waited = quotaWaitedText(transport.quota, 'синхронизация');
      if (waited !== null) notes.push(`${waited}. Если так бывает часто — сравните GOOGLE_SHEETS_RPM с квотой проекта Google Cloud (README, «Квоты Google»).`);
      return notes;
    },

    syncCounts() {
      return { ...listingCounts };
    },

    etaMs(count) {
      // The organizations not asked for yet each need (at most) one Sheets read.
      return budgets.sheets.etaMs(Math.max(0, count - orgsRead.size));
    },

    async tabTitles(t, c) {
      const meta = await call<sheets_v4.Schema$Spreadsheet>(
        t,
        c,
        (cl) => cl.sheets.spreadsheets.get({ spreadsheetId: t.id, fields: TAB_LIST_FIELDS }, bounded),
        { check: (d) => checkSpreadsheet(d, t.id) },
      );
      tabSheets.clear();
      for (const s of meta.sheets ?? []) tabSheets.set(`${t.id}\u001f${s.properties!.title!}`, s);
      return (meta.sheets ?? []).map((s) => s.properties!.title!);
    },

    async tabValues(t, c, title) {
      const range = await call<sheets_v4.Schema$ValueRange>(
        t,
        c,
        (cl) =>
          cl.sheets.spreadsheets.values.get(
            {
              spreadsheetId: t.id,
              range: quoteSheetTitle(title),
              valueRenderOption: 'UNFORMATTED_VALUE',
              dateTimeRenderOption: 'SERIAL_NUMBER',
              majorDimension: 'ROWS',
            },
            bounded,
          ),
        { check: (d) => checkValueRange(d, title) },
      );
      const sheet = tabSheets.get(`${t.id}\u001f${title}`);
      const grid = toGrid(range.values);
      return { title, grid: sheet ? sheetGrid(sheet, grid) : grid };
    },

    async rowLink(t, c, title, row) {
      const answer = await call<sheets_v4.Schema$Spreadsheet>(
        t,
        c,
        (cl) =>
          cl.sheets.spreadsheets.get(
            { spreadsheetId: t.id, ranges: [`${quoteSheetTitle(title)}!${row}:${row}`], includeGridData: true, fields: ROW_LINK_FIELDS },
            bounded,
          ),
        { check: (d) => checkSpreadsheet(d, t.id) },
      );
      return linkedSpreadsheet(answer);
    },

    async version(t, c) {
      // Change detection: the sync's listing (service account), else this file's modifiedTime.
      // Drive 403/404 means "this credential cannot read Drive metadata" (API key without
      // Drive, scope missing, API disabled): the caller reads the sheet in full instead.
      let version: string | null = null;
      if (listsChanges) {
        listing ??= listSpreadsheets(t, listingCounts).catch((e: unknown) => {
          listingProblem = e instanceof Error ? e.message : String(e);
          return null;
        });
        version = (await listing)?.get(t.id) ?? null;
      }
      // Drive down (driveDown): no sheet is asked for on its own either, each is read.
      if (version === null && !driveDisabled && driveDown === null) {
        const file = await call<drive_v3.Schema$File | null>(
          t,
          c,
          (cl) => cl.drive.files.get({ fileId: t.id, fields: 'modifiedTime', supportsAllDrives: true }, bounded),
          {
            api: 'drive',
            check: checkDriveFile,
            onFail: (f) => {
              // Change detection is only a saving: when Drive refuses (any 4xx), the sheet is still
              // read; a 429/5xx storm is retried and, exhausted, means Google itself is failing. A
              // Drive that refuses every file (API disabled, no such endpoint behind a proxy) is
              // not asked again in this run.
              if (f.reasons.includes('SERVICE_DISABLED') || f.reasons.includes('accessNotConfigured')) driveDisabled = true;
              const st = f.status ?? 0;
              if ((st >= 400 && st < 500 && st !== 403 && st !== 404 && st !== 429) || st === 501) driveDisabled = true;
              return null;
            },
          },
        ).catch((e: unknown) => {
          // A 200 that is not Drive's answer (a proxy's page for Drive's address): change detection
          // is only a saving, so the sheet is read — it failed the organization before, without
          // any read of the sheet. Not asked again in this run.
          if (e instanceof ReadError && e.code === 'bad_shape') {
            driveDisabled = true;
            return null;
          }
          // Drive retried to the end (driveDown): the sheet is read all the same, and no other is asked for.
          if (driveDown !== null) return null;
          throw e;
        });
        version = file?.modifiedTime ?? null;
      }
      return version;
    },

    async readTabs(t, c, want, refusal) {
      if (readMode === 'gridData') {
        const whole = await call<sheets_v4.Schema$Spreadsheet | typeof TOO_BIG>(
          t,
          c,
          (cl) =>
            cl.sheets.spreadsheets
              .get({ spreadsheetId: t.id, includeGridData: true, fields: GRID_DATA_FIELDS }, { maxContentLength: maxGridDataBytes })
              .catch((err: unknown) => {
                if (isOverSizeLimit(err)) return { data: TOO_BIG };
                throw err;
              }),
          { check: (d) => (d === TOO_BIG ? null : checkGridSpreadsheet(d, t.id)) },
        );
        // Over the size limit: read it the batchGet way below (two requests, a compact answer).
        if (whole !== TOO_BIG) {
          const sizes = new Map(gridTabs(whole).map((g) => [g.title, g]));
          return (whole.sheets ?? [])
            .filter((s) => isGridSheet(s.properties?.sheetType))
            .map((s) => {
              const title = s.properties!.title!;
              const refused = want(title) ? refusal(sizes.get(title)!) : null;
              const tab: RawTab = refused !== null ? { title, grid: [], refused } : { title, grid: want(title) ? sheetGrid(s, gridFromData(s.data)) : [] };
              return withTabProperties(tab, s.properties);
            });
        }
      }

      const meta = await call<sheets_v4.Schema$Spreadsheet>(
        t,
        c,
        (cl) => cl.sheets.spreadsheets.get({ spreadsheetId: t.id, fields: TITLE_FIELDS }, bounded),
        { check: (d) => checkSpreadsheet(d, t.id) },
      );
      // Chart sheets (OBJECT) have no cells and make values.* fail: only grid tabs are read, and
      // of them only the wanted tabs whose grid is inside the limits.
      const grid = gridTabs(meta);
      const sheetOf = new Map((meta.sheets ?? []).map((s) => [s.properties!.title!, s]));
      const tabs: RawTab[] = grid.map((g) => {
        const refused = want(g.title) ? refusal(g) : null;
        return withTabProperties(refused !== null ? { title: g.title, grid: [], refused } : { title: g.title, grid: [] }, sheetOf.get(g.title)?.properties);
      });
      const read = grid.map((g, i) => ({ g, i })).filter(({ g, i }) => want(g.title) && tabs[i]!.refused === undefined);
      if (read.length === 0) return tabs;

      const batch = await call<sheets_v4.Schema$BatchGetValuesResponse>(
        t,
        c,
        (cl) =>
          cl.sheets.spreadsheets.values.batchGet(
            {
              spreadsheetId: t.id,
              ranges: read.map(({ g }) => quoteSheetTitle(g.title)),
              valueRenderOption: 'UNFORMATTED_VALUE',
              dateTimeRenderOption: 'SERIAL_NUMBER',
              majorDimension: 'ROWS',
            },
            bounded,
          ),
        { check: (d) => checkBatch(d, t.id, read.map(({ g }) => g.title), read.map(({ g }) => ({ rows: g.rows, columns: g.columns }))) },
      );
      // batchGet answers in the order of `ranges` (checked: each range names its tab).
      const ranges = batch.valueRanges!;
      read.forEach(({ g, i }, k) => {
        tabs[i]!.grid = sheetGrid(sheetOf.get(g.title)!, toGrid(ranges[k]?.values));
      });
      return tabs;
    },
  };
}

/** The titles (grid tabs only: chart sheets have no cells), with grid sizes, of a checked answer. */
function gridTabs(meta: sheets_v4.Schema$Spreadsheet): TabSize[] {
  return (meta.sheets ?? [])
    .filter((x) => isGridSheet(x.properties?.sheetType))
    .map((x) => ({
      title: x.properties!.title!,
      rows: typeof x.properties?.gridProperties?.rowCount === 'number' ? x.properties.gridProperties.rowCount : null,
      columns: typeof x.properties?.gridProperties?.columnCount === 'number' ? x.properties.gridProperties.columnCount : null,
    }));
}

/** A byte count as people read it: МБ from a megabyte up, else КБ. */
function bytesText(n: number): string {
  const mb = n / (1024 * 1024);
  if (mb >= 1) return `${Number.isInteger(mb) ? mb : mb.toFixed(1).replace('.', ',')} МБ`;
  return `${Math.max(1, Math.round(n / 1024))} КБ`;
}
