/**
 * Google clients with write access, for provisioning (`npm run provision`) and the write-back
 * of the «Проверка данных» tab. Only a service account can write (an API key cannot), with
 * the scopes `spreadsheets` (edit the sheets it has been given «Редактор» on) and `drive.file`
 * (share the spreadsheets it created).
 *
 * Built on the same transport as the read-only source (server/google/transport.ts: clients,
 * credentials, budgets, the call loop); here: which failures a write may retry (one that must
 * not run twice retries rate limits only) and the Russian wording of what went wrong, rebuilt
 * from the HTTP status and Google's error body, sanitized, never carrying the original error.
 */
import { columnLetter } from '../contract/grid.ts';
import { countOf, matchKey } from '../contract/normalize.ts';
import { RETRYABLE_STATUS, statusWords, type Failure } from './failure.ts';
import { createGoogleTransport, isRateLimit, quotaWaitedText, type GoogleClients } from './transport.ts';


export const WRITE_SCOPES = ['https://www.googleapis.com/auth/spreadsheets', 'https://www.googleapis.com/auth/drive.file'];

export interface WriterOptions {
  /** Service-account key file (JSON). Required: writes need a service account. */
  credentialsFile: string;
  /** Sign scoped JWTs locally (self-signed JWT, the default) instead of exchanging them at the key's token endpoint (`token_uri`: Google's, oauth2.googleapis.com, for its keys). */
  jwtAccess?: boolean | undefined;
  /** GOOGLE_API_ROOT: another root URL for every request (the fake server in tests). */
  rootUrl?: string | undefined;
  /** Concurrent HTTP requests. Default 4. */
  concurrency?: number | undefined;
  /** Sheets writes per minute (GOOGLE_SHEETS_WRITE_RPM): 60 a minute per user, like Google's quota. */
  writesPerMinute?: number | undefined;
  /** Sheets reads per minute (GOOGLE_SHEETS_RPM): the same per-user read quota as the sync's. Default 60. */
  readsPerMinute?: number | undefined;
  /** Drive calls per minute (GOOGLE_DRIVE_RPM). Default 1,200. */
  drivePerMinute?: number | undefined;
  /** A request waits at most this long in all for a rate-limited quota to refill. Default 10 minutes. */
  maxQuotaWaitMs?: number | undefined;
  /** Per-request timeout. Default 30 000 ms. */
  timeoutMs?: number | undefined;
  /** Retries per request after the first attempt. Default 6. */
  maxRetries?: number | undefined;
  /** Injected for tests. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  random?: (() => number) | undefined;
  now?: (() => number) | undefined;
}

export type WriteErrorCode = 'forbidden' | 'not_found' | 'quota' | 'unavailable' | 'credentials' | 'rejected' | 'other';

/** A failed Google request, worded in Russian; never holds a credential or the original error. */
export class GoogleWriteError extends Error {
  constructor(
    message: string,
    readonly code: WriteErrorCode,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'GoogleWriteError';
  }
}

export type WriteClients = GoogleClients;

export interface CallOptions {
  /**
   * `idempotent` (default): 429, 5xx and network failures are retried. `rateLimitOnly`: only
   * rate limits are retried — for requests that must not run twice (creating a spreadsheet),
   * since a 5xx or a dropped connection does not say whether Google applied them.
   */
  retry?: 'idempotent' | 'rateLimitOnly';
  /** Replaces the generic explanation of a 404 (what to check). */
  notFound?: string;
  /** Replaces the generic explanation of a 403 that is not a rate limit (what to do). */
  forbidden?: string;
  /** Whose budget the request takes: Sheets writes (default), Sheets reads, or Drive. */
  budget?: 'write' | 'read' | 'drive';
}

export interface SheetsWriter {
  /** One API call (`send` makes exactly one HTTP request) with the limits and the retry policy. `what` names it in errors. */
  call<T>(what: string, send: (c: WriteClients) => Promise<{ data: T }>, opts?: CallOptions): Promise<T>;
  /** The service account's e-mail (client_email of the key), for messages. */
  serviceEmail(): Promise<string>;
  /** Requests sent and retries made so far. */
  readonly stats: { requests: number; retries: number };
  /**
   * Google's quota refusals (429) waited out so far: null when none, else said in words for the
   * command's summary (provisioning and the write-back waited minutes without a word: an acceptance run).
   */
  quotaNote(): string | null;
}


export function createSheetsWriter(opts: WriterOptions): SheetsWriter {
  const stats = { requests: 0, retries: 0 };
  const transport = createGoogleTransport({
    credentials: { kind: 'service', file: opts.credentialsFile, jwtAccess: opts.jwtAccess },
    scopes: WRITE_SCOPES,
    budgets: { write: opts.writesPerMinute ?? 60, read: opts.readsPerMinute ?? 60, drive: opts.drivePerMinute ?? 1200 },
    rootUrl: opts.rootUrl,
    concurrency: opts.concurrency,
    maxQuotaWaitMs: opts.maxQuotaWaitMs,
    timeoutMs: opts.timeoutMs,
    maxRetries: opts.maxRetries,
    keyError: (m) => new GoogleWriteError(m, 'credentials'),
    keyPurpose: 'для записи в таблицы нужен ключ сервисного аккаунта (JSON)',
    isLocal: (e) => e instanceof GoogleWriteError,
    sleep: opts.sleep,
    random: opts.random,
    now: opts.now,
  });

  function isRetryable(f: Failure, mode: CallOptions['retry']): boolean {
    if (f.local) return false;
    if (isRateLimit(f)) return true;
    if (mode === 'rateLimitOnly') return false;
    return f.network || (f.status !== undefined && RETRYABLE_STATUS.has(f.status));
  }

  function account(): string {
    const email = transport.serviceEmail();
    return email !== null ? `сервисного аккаунта ${email}` : 'сервисного аккаунта (client_email из файла ключа)';
  }

  function toError(f: Failure, what: string, tries: number, exhausted: boolean, o: CallOptions): GoogleWriteError {
    const email = transport.serviceEmail();
    const mk = (text: string, code: WriteErrorCode) => new GoogleWriteError(transport.sanitize(`${what}: ${text}`), code, f.status ?? null);
    if (f.local) return mk(f.detail, 'other');
    const attempts = countOf(tries, 'запрос', 'запроса', 'запросов');
    if (isRateLimit(f)) return mk(`превышена квота Google Sheets (${attempts}); попробуйте позже`, 'quota');
    if (f.network) return mk(`Google недоступен — ${f.detail} (${attempts}); попробуйте позже`, 'unavailable');
    const status = f.status ?? 0;
    if (exhausted || RETRYABLE_STATUS.has(status)) return mk(`Google недоступен: ${statusWords(status, f.detail)} (${attempts}); попробуйте позже`, 'unavailable');
    if (f.reasons.includes('SERVICE_DISABLED') || f.reasons.includes('accessNotConfigured')) {
      return mk('API Google не включён в проекте Google Cloud сервисного аккаунта: включите «Google Sheets API» и «Google Drive API» в консоли Google Cloud', 'forbidden');
    }
    if (f.reasons.includes('storageQuotaExceeded') || /storage quota/i.test(f.detail)) {
      return mk(
        `у ${account()} нет места на Google Диске для новых таблиц. Создайте таблицу сами (на своём или общем диске), откройте ${email ?? 'сервисному аккаунту'} доступ «Редактор», впишите её ID в столбец «Таблица» реестра и запустите команду снова — недостающие листы будут добавлены`,
        'forbidden',
      );
    }
    if (status === 401) return mk('Google не принял учётные данные (HTTP 401): проверьте ключ сервисного аккаунта в GOOGLE_APPLICATION_CREDENTIALS', 'credentials');
    // A protected range refused: 403, or 400 with Google's «You are trying to edit a protected cell or object».
    if ((status === 403 || status === 400) && /protected (cell|range|object)|edit a protected/i.test(f.detail)) {
      return mk(`изменение защищено владельцем таблицы («${f.detail}»): снимите защиту или добавьте ${email ?? 'сервисный аккаунт'} в редакторы защищённого диапазона`, 'forbidden');
    }
    if (status === 403) {
      if (/protected/i.test(f.detail)) {
        return mk(`изменение защищено владельцем таблицы («${f.detail}»): снимите защиту или добавьте ${email ?? 'сервисный аккаунт'} в редакторы защищённого диапазона`, 'forbidden');
      }
      return mk(o.forbidden ?? `нет прав на запись (HTTP 403): откройте доступ «Редактор» для ${account()}`, 'forbidden');
    }
    if (status === 404) return mk(o.notFound ?? 'не найдено (HTTP 404)', 'not_found');
    if (status === 400) return mk(`Google отклонил запрос: ${f.detail}`, 'rejected');
    return mk(`ошибка Google: HTTP ${status} ${f.detail}`, 'other');
  }

  return {
    stats,
    quotaNote() {
      const waited = quotaWaitedText(transport.quota, 'запись');
      return waited === null ? null : `${waited} (GOOGLE_SHEETS_WRITE_RPM, README «Квоты Google»).`;
    },
    async serviceEmail() {
      await transport.clients();
      return transport.serviceEmail() ?? '';
    },
    call<T>(what: string, send: (c: WriteClients) => Promise<{ data: T }>, o: CallOptions = {}): Promise<T> {
      // This call's own count of attempts, for its message; the writer's totals in `stats`.
      const counters = { requests: 0, retries: 0 };
      return transport
        .call(o.budget ?? 'write', send, {
          counters,
          onSend: () => stats.requests++,
          retryable: (f) => isRetryable(f, o.retry),
          fail: (f, exhausted) => toError(f, what, counters.requests, exhausted, o),
        })
        .finally(() => {
          stats.retries += counters.retries;
        });
    },
  };
}

/**
 * The id (gid) of the tab titled `title` among a spreadsheet's tabs: the one of that exact title,
 * else one the contract reads as it (case, ё, spaces and punctuation aside); null when none.
 */
export function tabIdOf(tabs: Iterable<{ title?: string | null; sheetId?: number | null }>, title: string): number | null {
  return tabTitled(tabs, title)?.sheetId ?? null;
}

/** The tab titled `title` among `tabs`: the one of that exact title, else one the contract reads as it. */
export function tabTitled<T extends { title?: string | null }>(tabs: Iterable<T>, title: string): T | undefined {
  const list = [...tabs];
  return list.find((t) => t.title === title) ?? list.find((t) => matchKey(t.title ?? '') === matchKey(title));
}

/**
 * The browser address of a spreadsheet (and, with `gid`, of one tab; with `row`, of a row in it,
 * at the cell of column `column` — 0 for A — when known, else at the row's first cell).
 */
export function spreadsheetUrl(id: string, gid?: number | null, row?: number | null, column?: number | null): string {
  const base = `https://docs.google.com/spreadsheets/d/${id}/edit`;
  if (gid === undefined || gid === null) return base;
  if (row === undefined || row === null) return `${base}#gid=${gid}`;
  return `${base}#gid=${gid}&range=${columnLetter((column ?? 0) + 1)}${row}`;
}

/** A tab's header → column map as stored with its load (JSON of an object of numbers), or null when none or not that. */
export function tabColumnsOf(json: unknown): Record<string, number> | null {
  if (typeof json !== 'string') return null;
  try {
    const v: unknown = JSON.parse(json);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
    const out: Record<string, number> = {};
    for (const [k, n] of Object.entries(v)) if (Number.isInteger(n) && (n as number) >= 0) out[k] = n as number;
    return out;
  } catch {
    return null;
  }
}

/** A tab of a spreadsheet as a finding's link needs it: its title, gid and, when known, its headers' columns (text → 0 for A). */
export interface LinkTab {
  title?: string | null;
  sheetId?: number | null;
  columns?: Readonly<Record<string, number>> | null;
}

/** The address of a finding: its tab, its row, and the cell of its column when the tab's columns are known. */
export function findingUrl(id: string, tabs: Iterable<LinkTab>, f: { tab: string; row: number | null; column: string | null }): string {
  const tab = tabTitled(tabs, f.tab);
  return spreadsheetUrl(id, tab?.sheetId, f.row, f.column === null ? null : (tab?.columns?.[f.column] ?? null));
}
