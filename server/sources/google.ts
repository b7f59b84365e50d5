/**
 * The `google` source: reads the registry and the organizations' spreadsheets through the
 * official `googleapis` client, at the fewest requests Google allows (issue #18):
 *
 *  - a changed spreadsheet costs one Sheets read: `spreadsheets.get` with `includeGridData`
 *    and a fields mask (tab titles, grid sizes, each cell's effective value). An answer over
 *    `maxGridDataBytes` is cut unread and that spreadsheet is read the bounded way: the tab
 *    titles with grid sizes, then one `values.batchGet` of the contract's tabs within the size
 *    limits (`readMode: 'batchGet'` reads every spreadsheet so);
 *  - change detection with a service account lists: Drive `files.list` of the spreadsheets
 *    it can see (id, modifiedTime; 1,000 a page) once per sync, so an unchanged region costs a
 *    handful of requests; a spreadsheet the listing does not show (or an API key, which cannot
 *    list) is asked for with one Drive `files.get`;
 *  - a service account signs its scoped JWTs itself (self-signed JWT, which Google's APIs
 *    accept): no token request (`selfSignedJwt: false` exchanges them at oauth2.googleapis.com).
 *
 * Budgets follow Google's quotas (server/google/budget.ts): Sheets reads 60 a minute by default
 * (one service account is one user: 60 per user per minute), Drive calls apart. A rate-limit
 * answer waits for the window instead of failing the organization; other failures (5xx,
 * network) are retried with exponential backoff and full jitter, honoring `Retry-After`.
 * googleapis' own retry is switched off. Every request goes through one concurrency limit.
 *
 * Secrets (the API key, the service-account key) never reach an error message: errors are
 * rebuilt from the HTTP status and Google's error body, then sanitized, and the original
 * error (whose config carries headers and URLs) is never attached as `cause`.
 */
import type { drive_v3 } from 'googleapis/build/src/apis/drive/v3.js';
import type { sheets_v4 } from 'googleapis/build/src/apis/sheets/v4.js';
import { RETRYABLE_STATUS, type Failure } from '../google/failure.ts';
import {
  GRID_DATA_FIELDS,
  TITLE_FIELDS,
  TOO_BIG,
  checkBatch,
  checkDriveFile,
  checkFileList,
  checkSpreadsheet,
  checkValueRange,
  gridFromData,
  isGridSheet,
  isOverSizeLimit,
} from '../google/answers.ts';
import { createGoogleTransport, isRateLimit, type GoogleClients, type GoogleCredentials } from '../google/transport.ts';
import { countOf, matchKey, plural, toGrid } from '../contract/index.ts';
import { ID_RE, extractSpreadsheetId, quoteSheetTitle } from '../google/sheetId.ts';

import { SourceError, type FetchContext, type FetchResult, type OrgEntry, type RawTab, type Source } from './types.ts';

export interface GoogleSourceOptions {
  /** Registry spreadsheet: a bare ID or its full URL. */
  registryId: string;
  /** API key (works for sheets shared "anyone with the link"). Ignored when `credentialsFile` is set. */
  apiKey?: string | undefined;
  /** Service-account key file (JSON). */
  credentialsFile?: string | undefined;
  /**
   * Service account only: sign scoped JWTs locally (self-signed JWT) instead of exchanging
   * them at oauth2.googleapis.com. On by default (GOOGLE_SELF_SIGNED_JWT=0 turns it off): no
   * token request, and the same mode works against a fake server (tests, the benchmark).
   */
  jwtAccess?: boolean | undefined;
  /** GOOGLE_API_ROOT: another root URL for every request, e.g. `http://127.0.0.1:PORT/` (the fake server). */
  rootUrl?: string | undefined;
  /** Concurrent HTTP requests of this source. Default 4. */
  concurrency?: number | undefined;
  /** Sheets reads per minute (GOOGLE_SHEETS_RPM): one service account's per-user quota, 60, by default; 0 = unlimited. */
  sheetsReadsPerMinute?: number | undefined;
  /** Drive calls per minute (GOOGLE_DRIVE_RPM), a quota of its own. Default 1,200; 0 = unlimited. */
  drivePerMinute?: number | undefined;
  /** A request waits at most this long in all for a rate-limited quota to refill. Default 10 minutes. */
  maxQuotaWaitMs?: number | undefined;
  /**
   * Change detection: `auto` (default) lists the spreadsheets with a service account (one
   * Drive `files.list` per 1,000) and asks per file with an API key; `file` always asks per file.
   */
  changeDetection?: 'auto' | 'file' | undefined;
  /** Per-request timeout. Default 30 000 ms. */
  timeoutMs?: number | undefined;
  /** Retries per request after the first attempt. Default 6. */
  maxRetries?: number | undefined;
  /**
   * How a changed spreadsheet is read. `gridData` (default): one `spreadsheets.get` with
   * `includeGridData` and a fields mask (titles, grid sizes and `effectiveValue` only); an
   * answer over `maxGridDataBytes` is cut unread and that spreadsheet is read the batchGet way.
   * `batchGet`: `spreadsheets.get` for the tab titles and grid sizes, then one
   * `values.batchGet` of the tabs the sync needs (two requests, a compact answer).
   */
  readMode?: 'batchGet' | 'gridData' | undefined;
  /**
   * `gridData` only: the largest answer accepted (by its Content-Length, and counted while it
   * streams when none is sent); over it the spreadsheet is read the batchGet way. Default 8 MiB.
   */
  maxGridDataBytes?: number | undefined;
  /**
   * The largest answer of any other read, counted as it arrives whether or not a Content-Length
   * is sent; over it the read fails (the organization keeps its data). Default 32 MiB.
   */
  maxResponseBytes?: number | undefined;
  /** Title of the registry tab. Default `Организации` (matched tolerantly). */
  registryTab?: string | undefined;
  /** Injected for tests. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Injected for tests: [0, 1). */
  random?: (() => number) | undefined;
  /** Injected for tests: the clock of the rate limiter and of `Retry-After` dates. */
  now?: (() => number) | undefined;
}

const DEFAULT_REGISTRY_TAB = 'Организации';
const SCOPES = [
  'https://www.googleapis.com/auth/spreadsheets.readonly',
  'https://www.googleapis.com/auth/drive.metadata.readonly',
];
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

// ---------------------------------------------------------------------------------------------
// Re-exported for the tests and other modules
// ---------------------------------------------------------------------------------------------

export { extractSpreadsheetId, quoteSheetTitle };

export { RateLimiter, backoffDelay } from '../google/budget.ts';

// ---------------------------------------------------------------------------------------------
// Error inspection
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// The source
// ---------------------------------------------------------------------------------------------

interface Counters {
  requests: number;
  retries: number;
}

/** What a request is about: used only to word error messages. */
type Target = { kind: 'registry'; id: string } | { kind: 'org'; code: string; id: string };


export function createGoogleSource(opts: GoogleSourceOptions): Source {
  const registryTab = opts.registryTab ?? DEFAULT_REGISTRY_TAB;
  const registryId = extractSpreadsheetId(opts.registryId) ?? opts.registryId.trim();
  const readMode = opts.readMode ?? 'gridData';
  const maxGridDataBytes = opts.maxGridDataBytes ?? DEFAULT_MAX_GRID_DATA_BYTES;
  const maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const auth: GoogleCredentials =
    opts.credentialsFile !== undefined && opts.credentialsFile !== ''
      ? { kind: 'service', file: opts.credentialsFile, jwtAccess: opts.jwtAccess }
      : opts.apiKey !== undefined && opts.apiKey !== ''
        ? { kind: 'key', key: opts.apiKey }
        : { kind: 'none' };
  // Clients, credentials, budgets and the call loop: server/google/transport.ts (shared with the writer).
  const transport = createGoogleTransport({
    credentials: auth,
    scopes: SCOPES,
    budgets: { sheets: opts.sheetsReadsPerMinute ?? DEFAULT_SHEETS_READS_PER_MINUTE, drive: opts.drivePerMinute ?? DEFAULT_DRIVE_PER_MINUTE },
    rootUrl: opts.rootUrl,
    concurrency: opts.concurrency,
    maxQuotaWaitMs: opts.maxQuotaWaitMs,
    timeoutMs: opts.timeoutMs,
    maxRetries: opts.maxRetries,
    keyError: (m) => new SourceError(m, 'other'),
    // Key-file problems and our own shape checks are worded SourceErrors already.
    isLocal: (e) => e instanceof SourceError,
    sleep: opts.sleep,
    random: opts.random,
    now: opts.now,
  });
  const budgets = transport.budgets;
  const sanitize = transport.sanitize;
  /** Set when Drive answers that its API is disabled for the project: not asked again in this sync. */
  let driveDisabled = false;
  /** This sync's listing of the spreadsheets the service account sees (id → modifiedTime); null: not listed. */
  let listing: Promise<Map<string, string> | null> | null = null;
  const listsChanges = auth.kind === 'service' && (opts.changeDetection ?? 'auto') === 'auto';
  /** Organizations whose sheet got a Sheets read in this sync (for the remaining time). */
  const orgsRead = new Set<string>();



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

  /** The SourceError the coordinator sees, in Russian, naming the organization (or the registry) and what to do. */
  function toSourceError(f: Failure, t: Target, c: Counters, exhausted: boolean): SourceError {
    const w = who(t);
    const mk = (message: string, code: SourceError['code']) => new SourceError(sanitize(message), code, c.requests, c.retries);
    if (f.local) return mk(t.kind === 'org' ? `не удалось прочитать таблицу ${w.of}: ${f.detail}` : `не удалось прочитать реестр организаций (таблица ${t.id}): ${f.detail}`, 'other');
    const tries = `${c.requests} ${plural(c.requests, 'запрос', 'запроса', 'запросов')}`;
    if (exhausted && isRateLimit(f)) {
      return mk(`превышена квота Google Sheets при чтении ${w.of} (${tries}): попробуйте позже или уменьшите частоту синхронизации`, 'quota');
    }
    if (f.network) return mk(`Google Sheets недоступен: ${f.detail} (чтение ${w.of}, ${tries}); попробуйте позже`, 'unavailable');
    const status = f.status ?? 0;
    if (exhausted || RETRYABLE_STATUS.has(status)) {
      return mk(`Google Sheets недоступен: HTTP ${status} ${f.detail} (чтение ${w.of}, ${tries}); попробуйте позже`, 'unavailable');
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
      return mk(`Google не принял учётные данные (HTTP 401) при чтении ${w.of}: проверьте GOOGLE_APPLICATION_CREDENTIALS или GOOGLE_API_KEY`, 'forbidden');
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
    return mk(`ошибка Google Sheets при чтении ${w.of}: HTTP ${status} ${f.detail}`, 'other');
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
      intercept: (err) => (isOverSizeLimit(err) ? tooBig(t, c) : undefined),
      ...(o.onFail ? { fallback: (f: Failure) => { const v = o.onFail!(f); return v === undefined ? undefined : { value: v }; } } : {}),
      fail: (f, exhausted) => toSourceError(f, t, c, exhausted),
    });
    // A 200 whose body is not what Google sends (a proxy's page, a captive portal, a cut answer:
    // gaxios hands those over as a string) is a failure of this read, never "no tabs".
    const problem = o.check?.(data) ?? null;
    if (problem !== null) throw badShape(t, c, problem);
    return data;
  }

  /**
   * The spreadsheets this service account can see, with their modifiedTime: Drive `files.list`,
   * 1,000 a page. Any failure (a proxy that blocks it, a Drive API switched off) means "not
   * listed": every spreadsheet is then asked for on its own, as with an API key.
   */
  async function listSpreadsheets(c: Counters): Promise<Map<string, string> | null> {
    const t: Target = { kind: 'registry', id: registryId };
    const out = new Map<string, string>();
    let pageToken: string | undefined;
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
        { api: 'drive', check: checkFileList },
      );
      for (const f of res.files ?? []) if (typeof f.id === 'string' && typeof f.modifiedTime === 'string') out.set(f.id, f.modifiedTime);
      pageToken = res.nextPageToken ?? undefined;
      if (pageToken === undefined) return out;
    }
    return out;
  }

  function tooBig(t: Target, c: Counters): SourceError {
    const size = bytesText(maxResponseBytes);
    const message =
      t.kind === 'org'
        ? `ответ Google при чтении таблицы ${who(t).of} больше ${size} — таблица слишком большая и не загружена, прежние данные организации сохранены; удалите лишние строки, столбцы и листы`
        : `ответ Google при чтении реестра организаций (таблица ${t.id}) больше ${size} — реестр не прочитан, синхронизация остановлена, данные не изменены; удалите из реестра лишние строки и листы`;
    return new SourceError(sanitize(message), 'too_big', c.requests, c.retries);
  }

  function badShape(t: Target, c: Counters, what: string): SourceError {
    const message =
      t.kind === 'org'
        ? `Google вернул при чтении таблицы ${who(t).of} ответ не в формате Google Sheets API (${what}); возможно, ответил прокси-сервер или страница входа в сеть. Таблица не загружена, прежние данные организации сохранены; повторите синхронизацию позже`
        : `Google вернул при чтении реестра организаций (таблица ${t.id}) ответ не в формате Google Sheets API (${what}); возможно, ответил прокси-сервер или страница входа в сеть. Синхронизация остановлена, данные не изменены; повторите её позже`;
    return new SourceError(sanitize(message), 'bad_shape', c.requests, c.retries);
  }

  const bounded = { maxContentLength: maxResponseBytes };

  /** The titles (grid tabs only: chart sheets have no cells), with grid sizes, of a checked answer. */
  function gridTabs(meta: sheets_v4.Schema$Spreadsheet): { title: string; rows: number | null; columns: number | null }[] {
    return (meta.sheets ?? [])
      .filter((x) => isGridSheet(x.properties?.sheetType))
      .map((x) => ({
        title: x.properties!.title!,
        rows: typeof x.properties?.gridProperties?.rowCount === 'number' ? x.properties.gridProperties.rowCount : null,
        columns: typeof x.properties?.gridProperties?.columnCount === 'number' ? x.properties.gridProperties.columnCount : null,
      }));
  }

  const authDescription = auth.kind === 'service' ? `сервисный аккаунт (${auth.file})` : auth.kind === 'key' ? 'API-ключ' : 'без авторизации';
  const description = `Google Sheets: реестр ${registryId}, ${authDescription}${opts.rootUrl ? `, API ${opts.rootUrl}` : ''}`;

  return {
    kind: 'google',
    description,

    etaMs(orgs: number): number {
      // The organizations not asked for yet each need (at most) one Sheets read.
      return budgets.sheets.etaMs(Math.max(0, orgs - orgsRead.size));
    },

    async readRegistry(): Promise<RawTab> {
      // A sync starts by reading the registry: what the last one learned about Drive is forgotten.
      listing = null;
      driveDisabled = false;
      orgsRead.clear();
      const t: Target = { kind: 'registry', id: registryId };
      const c: Counters = { requests: 0, retries: 0 };
      if (!ID_RE.test(registryId)) {
        throw new SourceError(`ID реестра организаций «${sanitize(opts.registryId)}» не похож на ID Google Таблицы: укажите в SHEETS_REGISTRY_ID ID или ссылку на таблицу`, 'not_found');
      }
      const meta = await call<sheets_v4.Schema$Spreadsheet>(
        t,
        c,
        (cl) => cl.sheets.spreadsheets.get({ spreadsheetId: registryId, fields: 'sheets.properties.title' }, bounded),
        { check: checkSpreadsheet },
      );
      const titles = (meta.sheets ?? []).map((s) => s.properties?.title).filter((x): x is string => typeof x === 'string');
      // The contract's rule for tab titles (the folder source's too): case, ё/е, spaces and punctuation do not matter.
      const want = matchKey(registryTab);
      const title = titles.find((x) => matchKey(x) === want);
      if (title === undefined) {
        const have = titles.length > 0 ? titles.map((x) => `«${x}»`).join(', ') : 'нет ни одного';
        throw new SourceError(`в реестре организаций (таблица ${registryId}) нет листа «${registryTab}»; листы: ${have}`, 'bad_shape', c.requests, c.retries);
      }
      const range = await call<sheets_v4.Schema$ValueRange>(
        t,
        c,
        (cl) =>
          cl.sheets.spreadsheets.values.get(
            {
              spreadsheetId: registryId,
              range: quoteSheetTitle(title),
              valueRenderOption: 'UNFORMATTED_VALUE',
              dateTimeRenderOption: 'SERIAL_NUMBER',
              majorDimension: 'ROWS',
            },
            bounded,
          ),
        { check: checkValueRange },
      );
      return { title, grid: toGrid(range.values) };
    },

    async fetchOrg(org: OrgEntry, ctx: FetchContext): Promise<FetchResult> {
      const c: Counters = { requests: 0, retries: 0 };
      const id = extractSpreadsheetId(org.sheet);
      if (id === null) {
        throw new SourceError(`у организации ${org.code} в столбце «Таблица» реестра не ID и не ссылка на Google Таблицу: «${org.sheet}»`, 'not_found');
      }
      const t: Target = { kind: 'org', code: org.code, id };

      // Change detection: the sync's listing (service account), else this file's modifiedTime.
      // Drive 403/404 means "this credential cannot read Drive metadata" (API key without
      // Drive, scope missing, API disabled): read the sheet in full instead.
      let version: string | null = null;
      if (listsChanges) {
        listing ??= listSpreadsheets(c).catch(() => null);
        version = (await listing)?.get(id) ?? null;
      }
      if (version === null && !driveDisabled) {
        const file = await call<drive_v3.Schema$File | null>(
          t,
          c,
          (cl) => cl.drive.files.get({ fileId: id, fields: 'modifiedTime', supportsAllDrives: true }, bounded),
          { api: 'drive', check: checkDriveFile, onFail: (f) => {
            // Change detection is only a saving: when Drive refuses (any 4xx), the sheet is still
            // read; a 429/5xx storm is retried and, exhausted, means Google itself is failing. A
            // Drive that refuses every file (API disabled, no such endpoint behind a proxy) is
            // not asked again in this run.
            if (f.reasons.includes('SERVICE_DISABLED') || f.reasons.includes('accessNotConfigured')) driveDisabled = true;
            const st = f.status ?? 0;
            if ((st >= 400 && st < 500 && st !== 403 && st !== 404 && st !== 429) || st === 501) driveDisabled = true;
            return null;
          } },
        );
        version = file?.modifiedTime ?? null;
      }
      if (!ctx.full && version !== null && version === ctx.lastVersion) {
        return { status: 'unchanged', version, requests: c.requests, retries: c.retries };
      }

      const want = ctx.wantTab ?? (() => true);
      /** Why a tab is not read at all (its grid is over the limits), or null. */
      const refusal = (tab: { title: string; rows: number | null; columns: number | null }): string | null =>
        ctx.limits ? gridSizeProblem(tab, ctx.limits) : null;

      if (readMode === 'gridData') {
        const whole = await call<sheets_v4.Schema$Spreadsheet | typeof TOO_BIG>(
          t,
          c,
          (cl) =>
            cl.sheets.spreadsheets
              .get({ spreadsheetId: id, includeGridData: true, fields: GRID_DATA_FIELDS }, { maxContentLength: maxGridDataBytes })
              .catch((err: unknown) => {
                if (isOverSizeLimit(err)) return { data: TOO_BIG };
                throw err;
              }),
          { check: (d) => (d === TOO_BIG ? null : checkSpreadsheet(d)) },
        );
        // Over the size limit: read it the batchGet way below (two requests, a compact answer).
        if (whole !== TOO_BIG) {
          const sizes = new Map(gridTabs(whole).map((g) => [g.title, g]));
          const tabs: RawTab[] = (whole.sheets ?? [])
            .filter((s) => isGridSheet(s.properties?.sheetType))
            .map((s) => {
              const title = s.properties!.title!;
              const refused = want(title) ? refusal(sizes.get(title)!) : null;
              return refused !== null ? { title, grid: [], refused } : { title, grid: want(title) ? gridFromData(s.data) : [] };
            });
          return { status: 'ok', tabs, version, requests: c.requests, retries: c.retries };
        }
      }

      const meta = await call<sheets_v4.Schema$Spreadsheet>(
        t,
        c,
        (cl) => cl.sheets.spreadsheets.get({ spreadsheetId: id, fields: TITLE_FIELDS }, bounded),
        { check: checkSpreadsheet },
      );
      // Chart sheets (OBJECT) have no cells and make values.* fail: only grid tabs are read, and
      // of them only the tabs the sync needs whose grid is inside the limits.
      const grid = gridTabs(meta);
      const tabs: RawTab[] = grid.map((g) => {
        const refused = want(g.title) ? refusal(g) : null;
        return refused !== null ? { title: g.title, grid: [], refused } : { title: g.title, grid: [] };
      });
      const read = grid.map((g, i) => ({ g, i })).filter(({ g, i }) => want(g.title) && tabs[i]!.refused === undefined);
      if (read.length === 0) return { status: 'ok', tabs, version, requests: c.requests, retries: c.retries };

      const batch = await call<sheets_v4.Schema$BatchGetValuesResponse>(
        t,
        c,
        (cl) =>
          cl.sheets.spreadsheets.values.batchGet(
            {
              spreadsheetId: id,
              ranges: read.map(({ g }) => quoteSheetTitle(g.title)),
              valueRenderOption: 'UNFORMATTED_VALUE',
              dateTimeRenderOption: 'SERIAL_NUMBER',
              majorDimension: 'ROWS',
            },
            bounded,
          ),
        { check: (d) => checkBatch(d, read.length) },
      );
      // batchGet answers in the order of `ranges`.
      const ranges = batch.valueRanges!;
      read.forEach(({ i }, k) => {
        tabs[i]!.grid = toGrid(ranges[k]?.values);
      });
      return { status: 'ok', tabs, version, requests: c.requests, retries: c.retries };
    },
  };
}




/** Sheets reads a minute by default: one service account's per-user quota (GOOGLE_SHEETS_RPM). */
export const DEFAULT_SHEETS_READS_PER_MINUTE = 60;
/** Drive calls a minute by default (GOOGLE_DRIVE_RPM): far under Drive's own per-user quota. */
export const DEFAULT_DRIVE_PER_MINUTE = 1200;
/** Pages of 1,000 spreadsheets a listing reads at most (a region has about a thousand). */
const MAX_LIST_PAGES = 20;

interface CallOptions<T> {
  /** Whose budget the request takes: Sheets reads (default) or Drive. */
  api?: 'sheets' | 'drive';
  /** A non-retryable failure turned into an answer (e.g. Drive refusing: read the sheet anyway). */
  onFail?: (f: Failure) => T | undefined;
  /** What is wrong with a 200's body (Russian, for the message), or null when it has the expected shape. */
  check?: (data: unknown) => string | null;
}

/** A byte count as people read it: МБ from a megabyte up, else КБ. */
function bytesText(n: number): string {
  const mb = n / (1024 * 1024);
  if (mb >= 1) return `${Number.isInteger(mb) ? mb : mb.toFixed(1).replace('.', ',')} МБ`;
  return `${Math.max(1, Math.round(n / 1024))} КБ`;
}

/** Why a tab is over the size limits by its grid size (known before reading), or null. */
export function gridSizeProblem(
  tab: { title: string; rows: number | null; columns: number | null },
  limits: { maxRowsPerTab: number; maxCellsPerSheet: number },
): string | null {
  const rows = tab.rows ?? 0;
  const cells = rows * (tab.columns ?? 0);
  const tail = 'лист не прочитан, для него сохранены данные прошлой загрузки; удалите лишние пустые строки и столбцы в конце листа';
  if (rows > limits.maxRowsPerTab) {
    return `лист «${tab.title}» слишком большой: в нём ${countOf(rows, 'строка', 'строки', 'строк')} вместе с пустыми (предел — ${countOf(limits.maxRowsPerTab, 'строка', 'строки', 'строк')}); ${tail}`;
  }
  if (cells > limits.maxCellsPerSheet) {
    return `лист «${tab.title}» слишком большой: в нём ${countOf(cells, 'ячейка', 'ячейки', 'ячеек')} вместе с пустыми (предел — ${countOf(limits.maxCellsPerSheet, 'ячейка', 'ячейки', 'ячеек')}); ${tail}`;
  }
  return null;
}
