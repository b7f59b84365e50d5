/**
 * Google clients with write access, for provisioning (`npm run provision`) and the write-back
 * of the «Проверка данных» tab. Only a service account can write (an API key cannot), with
 * the scopes `spreadsheets` (edit the sheets it has been given «Редактор» on) and `drive.file`
 * (share the spreadsheets it created).
 *
 * The same discipline as the read-only source (server/sources/google.ts): the clients are
 * built from `googleapis/build/src/apis/...` (not the index of every API), googleapis' own
 * retry is off, every request goes through one concurrency limit and the budget of its kind
 * (Sheets writes, Sheets reads, Drive: server/google/budget.ts), a rate limit waits for the
 * quota to refill, 5xx are retried with full-jitter exponential backoff honoring `Retry-After`, and errors are rebuilt in Russian from the HTTP status and
 * Google's error body, sanitized, never carrying the original error (headers, URLs, tokens).
 */
import { GoogleAuth } from 'google-auth-library';
import { drive_v3 } from 'googleapis/build/src/apis/drive/v3.js';
import { sheets_v4 } from 'googleapis/build/src/apis/sheets/v4.js';
import pLimit from 'p-limit';
import type { Config } from '../config.ts';
import { DEFAULT_MAX_QUOTA_WAIT_MS, backoffDelay, defaultSleep, googleBudget } from './budget.ts';
import { countOf } from '../contract/normalize.ts';
import { KEY_SECRETS, RATE_LIMIT_REASONS, RETRYABLE_STATUS, inspectFailure, readServiceAccountKey, redact, withSlash, type Failure } from './failure.ts';


export const WRITE_SCOPES = ['https://www.googleapis.com/auth/spreadsheets', 'https://www.googleapis.com/auth/drive.file'];

export interface WriterOptions {
  /** Service-account key file (JSON). Required: writes need a service account. */
  credentialsFile: string;
  /** Sign scoped JWTs locally (self-signed JWT, the default) instead of exchanging them at oauth2.googleapis.com. */
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

export interface WriteClients {
  sheets: sheets_v4.Sheets;
  drive: drive_v3.Drive;
}

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
}


export function createSheetsWriter(opts: WriterOptions): SheetsWriter {
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  const maxRetries = Math.max(0, opts.maxRetries ?? 6);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const slots = pLimit(Math.max(1, opts.concurrency ?? 4));
  const budgets = {
    write: googleBudget(opts.writesPerMinute ?? 60, { now, sleep }),
    read: googleBudget(opts.readsPerMinute ?? 60, { now, sleep }),
    drive: googleBudget(opts.drivePerMinute ?? 1200, { now, sleep }),
  };
  const maxQuotaWaitMs = opts.maxQuotaWaitMs ?? DEFAULT_MAX_QUOTA_WAIT_MS;
  const stats = { requests: 0, retries: 0 };
  const secrets: string[] = [];
  let email: string | null = null;

  let clientsPromise: Promise<WriteClients> | null = null;
  function clients(): Promise<WriteClients> {
    clientsPromise ??= buildClients().catch((err: unknown) => {
      clientsPromise = null;
      throw err;
    });
    return clientsPromise;
  }

  async function buildClients(): Promise<WriteClients> {
    const credentials = await readKeyFile(opts.credentialsFile);
    const auth = new GoogleAuth({ credentials, scopes: WRITE_SCOPES });
    // GoogleAuth reads this public field (not a constructor option) when it builds the JWT client.
    if (opts.jwtAccess !== false) auth.useJWTAccessWithScope = true;
    const common = {
      auth,
      retry: false,
      timeout: timeoutMs,
      ...(opts.rootUrl !== undefined && opts.rootUrl !== '' ? { rootUrl: withSlash(opts.rootUrl) } : {}),
    };
    return { sheets: new sheets_v4.Sheets(common), drive: new drive_v3.Drive(common) };
  }

  async function readKeyFile(file: string): Promise<Record<string, string>> {
    const out = await readServiceAccountKey(
      file,
      (m) => new GoogleWriteError(m, 'credentials'),
      'для записи в таблицы нужен ключ сервисного аккаунта (JSON)',
    );
    for (const k of KEY_SECRETS) if (out[k] !== undefined) secrets.push(out[k]);
    email = out['client_email']!;
    return out;
  }


  function inspect(err: unknown): Failure {
    return inspectFailure(err, { sanitize: (t) => redact(t, secrets), timeoutMs, now, isLocal: (e) => e instanceof GoogleWriteError });
  }


  const isRateLimit = (f: Failure) => f.status === 429 || (f.status === 403 && f.reasons.some((r) => RATE_LIMIT_REASONS.has(r)));

  function isRetryable(f: Failure, mode: CallOptions['retry']): boolean {
    if (f.local) return false;
    if (isRateLimit(f)) return true;
    if (mode === 'rateLimitOnly') return false;
    return f.network || (f.status !== undefined && RETRYABLE_STATUS.has(f.status));
  }

  function account(): string {
    return email !== null ? `сервисного аккаунта ${email}` : 'сервисного аккаунта (client_email из файла ключа)';
  }

  function toError(f: Failure, what: string, tries: number, exhausted: boolean, o: CallOptions): GoogleWriteError {
    const mk = (text: string, code: WriteErrorCode) => new GoogleWriteError(redact(`${what}: ${text}`, secrets), code, f.status ?? null);
    if (f.local) return mk(f.detail, 'other');
    const attempts = countOf(tries, 'запрос', 'запроса', 'запросов');
    if (isRateLimit(f)) return mk(`превышена квота Google Sheets (${attempts}); попробуйте позже`, 'quota');
    if (f.network) return mk(`Google недоступен — ${f.detail} (${attempts}); попробуйте позже`, 'unavailable');
    const status = f.status ?? 0;
    if (exhausted || RETRYABLE_STATUS.has(status)) return mk(`Google недоступен: HTTP ${status} ${f.detail} (${attempts}); попробуйте позже`, 'unavailable');
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
    async serviceEmail() {
      await clients();
      return email ?? '';
    },
    async call<T>(what: string, send: (c: WriteClients) => Promise<{ data: T }>, o: CallOptions = {}): Promise<T> {
      let cl: WriteClients;
      try {
        cl = await clients();
      } catch (err) {
        if (err instanceof GoogleWriteError) throw err;
        throw toError(inspect(err), what, 0, false, o);
      }
      const budget = budgets[o.budget ?? 'write'];
      let tries = 0;
      let quotaWaited = 0;
      for (let attempt = 0; ; ) {
        let failure: Failure;
        try {
          const res = await slots(async () => {
            await budget.acquire();
            stats.requests++;
            tries++;
            return send(cl);
          });
          return res.data;
        } catch (err) {
          failure = inspect(err);
        }
        if (!isRetryable(failure, o.retry)) throw toError(failure, what, tries, false, o);
        if (isRateLimit(failure)) {
          // The quota refills (server/google/budget.ts): wait for it rather than give up.
          const wait = failure.retryAfterMs ?? budget.windowWaitMs();
          if (quotaWaited + wait > maxQuotaWaitMs) throw toError(failure, what, tries, true, o);
          quotaWaited += wait;
          stats.retries++;
          await sleep(wait);
          continue;
        }
        if (attempt >= maxRetries) throw toError(failure, what, tries, true, o);
        stats.retries++;
        await sleep(failure.retryAfterMs ?? backoffDelay(attempt, random));
        attempt++;
      }
    },
  };
}

/** The writer the configuration describes (a service account is required for writes). */
export function writerFromConfig(config: Config, extra: Partial<WriterOptions> = {}): SheetsWriter {
  if (!config.GOOGLE_APPLICATION_CREDENTIALS) {
    throw new GoogleWriteError('для записи в Google Таблицы нужен ключ сервисного аккаунта: задайте GOOGLE_APPLICATION_CREDENTIALS', 'credentials');
  }
  return createSheetsWriter({
    credentialsFile: config.GOOGLE_APPLICATION_CREDENTIALS,
    rootUrl: config.GOOGLE_API_ROOT,
    writesPerMinute: config.GOOGLE_SHEETS_WRITE_RPM,
    readsPerMinute: config.GOOGLE_SHEETS_RPM,
    drivePerMinute: config.GOOGLE_DRIVE_RPM,
    jwtAccess: config.GOOGLE_SELF_SIGNED_JWT === '1',
    concurrency: config.GOOGLE_CONCURRENCY,
    ...extra,
  });
}

/** The browser address of a spreadsheet (and, with `gid`, of one tab; with `row`, of a row in it). */
export function spreadsheetUrl(id: string, gid?: number | null, row?: number | null): string {
  const base = `https://docs.google.com/spreadsheets/d/${id}/edit`;
  if (gid === undefined || gid === null) return base;
  return row !== undefined && row !== null ? `${base}#gid=${gid}&range=A${row}` : `${base}#gid=${gid}`;
}
