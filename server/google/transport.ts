/**
 * The one way this application talks to Google: the read-only source of the sync
 * (server/sources/google.ts) and the writer of provisioning and write-back (write.ts) are both
 * built on it.
 *
 *  - Clients of the two APIs used, Sheets v4 and Drive v3, from `googleapis/build/src/apis/...`
 *    (the `googleapis` index loads every Google API: ~90 MB resident on Node 20), googleapis'
 *    own retry off, a timeout per request, another root URL for every request when given
 *    (GOOGLE_API_ROOT: the fake server of the tests and the benchmark).
 *  - Credentials: a service account's key file (scoped self-signed JWTs by default, no token
 *    request), an API key (in the X-Goog-Api-Key header, never in a URL, never after a redirect), or none. Every secret
 *    that becomes known (the key, the key file's private parts) is redacted from every message.
 *  - The call loop: one HTTP request per attempt, under one concurrency limit and the budget of
 *    its kind (server/google/budget.ts: Sheets reads, Sheets writes, Drive); a rate limit waits
 *    for Retry-After or the quota window (up to `maxQuotaWaitMs` in all); other retryable
 *    failures back off with full jitter (up to `maxRetries`). What is retryable and how a
 *    failure is worded belong to the caller, which knows what it was doing.
 */
import type { drive_v3 } from 'googleapis/build/src/apis/drive/v3.js';
import type { sheets_v4 } from 'googleapis/build/src/apis/sheets/v4.js';
import pLimit from 'p-limit';
import { plural } from '../../shared/plural.ts';
import { BACKOFF_CAP_MS, BUDGET_WINDOW_MS, DEFAULT_MAX_QUOTA_WAIT_MS, backoffDelay, defaultSleep, googleBudget, type RateLimiter } from './budget.ts';
import { GOOGLE_TOKEN_URL, KEY_SECRETS, RATE_LIMIT_REASONS, RETRYABLE_STATUS, TOKEN_HOST, inspectFailure, keyTokenUrl, readServiceAccountKey, redact, withSlash, type Failure } from './failure.ts';

/**
 * node-fetch's getter of a Response's `data` warns (its issue 1000) when google-auth-library's
 * log interceptor reads `error.response.data` of an answer cut at the byte bound (a sheet over
 * the one-request read's cap, read again the bounded way): a library's internals, printed in
 * English amid the coordinator's sync output (an outside review). That warning alone is dropped.
 */
const NODE_FETCH_DATA_WARNING = 'https://github.com/node-fetch/node-fetch/issues/1000';
const emitWarning = process.emitWarning;
process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
  // util.deprecate calls emitWarning(message, 'DeprecationWarning', code, fn).
  const code = typeof rest[1] === 'string' ? rest[1] : rest[0] !== null && typeof rest[0] === 'object' ? (rest[0] as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && code.startsWith(NODE_FETCH_DATA_WARNING)) return;
  return (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
} as typeof process.emitWarning;

export type GoogleCredentials =
  | { kind: 'none' }
  | { kind: 'key'; key: string }
  /** `jwtAccess` (default true): sign scoped JWTs locally instead of exchanging them at the key's token endpoint (`token_uri`: Google's, oauth2.googleapis.com, for its keys). */
  | { kind: 'service'; file: string; jwtAccess?: boolean | undefined };

export interface GoogleClients {
  sheets: sheets_v4.Sheets;
  drive: drive_v3.Drive;
}

export interface TransportOptions<B extends string> {
  credentials: GoogleCredentials;
  scopes: readonly string[];
  /** Requests per minute of each budget (0 = unlimited). */
  budgets: Record<B, number>;
  rootUrl?: string | undefined;
  /** Concurrent HTTP requests. Default 4. */
  concurrency?: number | undefined;
  /** A request waits at most this long in all for a rate-limited quota to refill. Default 10 minutes. */
  maxQuotaWaitMs?: number | undefined;
  /** Per-request timeout. Default 30 000 ms. */
  timeoutMs?: number | undefined;
  /** Retries per request after the first attempt (rate-limit waits not counted). Default 6. */
  maxRetries?: number | undefined;
  /** The caller's error for a key file that cannot be used (Russian), and what the key is for. */
  keyError: (message: string) => Error;
  keyPurpose?: string | undefined;
  /** Errors the caller made itself (already worded): passed on, never retried. */
  isLocal: (err: unknown) => boolean;
  /** Injected for tests. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  random?: (() => number) | undefined;
  now?: (() => number) | undefined;
}

export interface CallHooks<T> {
  /** Counts of this call's requests and retries (the caller's: per organization, per run). */
  counters: { requests: number; retries: number };
  /** Right before each request leaves (inside the concurrency slot, after the budget's grant). */
  onSend?: () => void;
  /** A thrown error the caller words itself (an answer over the size limit), or undefined. */
  intercept?: (err: unknown) => Error | undefined;
  /** Whether a failure is worth another attempt. Default: rate limits, 5xx and network failures. */
  retryable?: (f: Failure) => boolean;
  /** A failure that is not retried turned into an answer, or undefined. */
  fallback?: (f: Failure) => { value: T } | undefined;
  /** The caller's error for a failure; `exhausted`: retried to the end (or the quota wait ran out). */
  fail: (f: Failure, exhausted: boolean) => Error;
}

export interface GoogleTransport<B extends string> {
  /** The clients, built once (lazily: reading the key file is async and may fail; a failure is retried on the next call). */
  clients(): Promise<GoogleClients>;
  /** One API call: `send` makes exactly one HTTP request per attempt. */
  call<T>(budget: B, send: (c: GoogleClients) => Promise<{ data: T }>, hooks: CallHooks<T>): Promise<T>;
  /** A message with every known secret replaced. */
  sanitize(text: string): string;
  /** What went wrong in an error from googleapis / gaxios, sanitized. */
  inspect(err: unknown): Failure;
  /** The service account's e-mail, once the key file has been read. */
  serviceEmail(): string | null;
  /**
   * Google's quota refusals (429) waited out since `quota.reset()`: how many and how long in
   * all — a sync that waited minutes for them says so (it said only «повторов 5»: an acceptance run).
   */
  readonly quota: { waits: number; waitedMs: number; timeouts: number; reset(): void };
  /** How long a request waits for its answer before it is asked again. */
  readonly timeoutMs: number;
  /** The host a service account's token request goes to (GOOGLE_SELF_SIGNED_JWT=0): Google's, or the key's own `token_uri`. */
  tokenHost(): string;
  readonly budgets: Record<B, RateLimiter>;
  readonly credentials: GoogleCredentials;
}

/** 429, or 403 with a per-user rate-limit reason (Drive, sometimes Sheets). */
export function isRateLimit(f: Failure): boolean {
  return f.status === 429 || (f.status === 403 && f.reasons.some((r) => RATE_LIMIT_REASONS.has(r)));
}

/** Rate limits, the retryable statuses (5xx, 408) and network failures; never a local error. */
export function isRetryable(f: Failure): boolean {
  if (f.local) return false;
  if (f.network) return true;
  return (f.status !== undefined && RETRYABLE_STATUS.has(f.status)) || isRateLimit(f);
}

/** The least a rate-limited request waits before it is sent again. */
export const MIN_QUOTA_WAIT_MS = 1_000;
/** Retries of a request that got no answer in time (other retryable failures: `maxRetries`). */
export const MAX_TIMEOUT_RETRIES = 2;

export function createGoogleTransport<B extends string>(opts: TransportOptions<B>): GoogleTransport<B> {
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  const maxRetries = Math.max(0, opts.maxRetries ?? 6);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxQuotaWaitMs = opts.maxQuotaWaitMs ?? DEFAULT_MAX_QUOTA_WAIT_MS;
  const slots = pLimit(Math.max(1, opts.concurrency ?? 4));
  const budgets = Object.fromEntries(Object.entries<number>(opts.budgets).map(([k, rpm]) => [k, googleBudget(rpm, { now, sleep })])) as Record<B, RateLimiter>;
  const credentials = opts.credentials;
  /** Every string that must never be shown; filled as secrets become known (the key file's). */
  const secrets: string[] = credentials.kind === 'key' ? [credentials.key] : [];
  let email: string | null = null;
  const quota = {
    waits: 0,
    waitedMs: 0,
    /** Requests asked again because no answer came in time (a sync that took minutes more for them says so: an acceptance run). */
    timeouts: 0,
    reset() {
      quota.waits = 0;
      quota.waitedMs = 0;
      quota.timeouts = 0;
    },
  };

  const sanitize = (text: string) => redact(text, secrets);
  /** The key's own token endpoint (`token_uri`) when it names another than Google's (GOOGLE_SELF_SIGNED_JWT=0 only). */
  let tokenUrl: string | undefined;
  const inspect = (err: unknown) => inspectFailure(err, { sanitize, timeoutMs, now, isLocal: opts.isLocal, tokenUrl: () => tokenUrl });

  let clientsPromise: Promise<GoogleClients> | null = null;
  function clients(): Promise<GoogleClients> {
    clientsPromise ??= buildClients().catch((err: unknown) => {
      clientsPromise = null; // a fixed key file works on the next call, without a restart
      throw err;
    });
    return clientsPromise;
  }

  async function buildClients(): Promise<GoogleClients> {
    // Loaded when a Google source first calls (a server on a folder or the demo never does: its start is shorter).
    const [{ GoogleAuth }, { drive_v3 }, { sheets_v4 }] = await Promise.all([
      import('google-auth-library'),
      import('googleapis/build/src/apis/drive/v3.js'),
      import('googleapis/build/src/apis/sheets/v4.js'),
    ]);
    const common = {
      retry: false,
      timeout: timeoutMs,
      // Google's APIs answer where they are asked. A redirect (a captive portal, a proxy, a wrong
      // GOOGLE_API_ROOT) is refused, not followed: fetch sent the request again to the other
      // address with its headers — the API key among them (a security review).
      redirect: 'error' as const,
      ...(opts.rootUrl !== undefined && opts.rootUrl !== '' ? { rootUrl: withSlash(opts.rootUrl) } : {}),
    };
    if (credentials.kind === 'service') {
      const key = await readServiceAccountKey(credentials.file, opts.keyError, opts.keyPurpose);
      for (const k of KEY_SECRETS) if (key[k] !== undefined) secrets.push(key[k]);
      email = key['client_email']!;
      // The token request (GOOGLE_SELF_SIGNED_JWT=0) is bounded like every other: without a
      // timeout an authorization server that never answered held the sync for good (an outside review).
      // gtoken asks its own retries (3, and 2 after no answer) under ours: none, so a hanging
      // server costs our attempts × the timeout, not that times three.
      const auth = new GoogleAuth({
        credentials: key,
        scopes: [...opts.scopes],
        clientOptions: { transporterOptions: { timeout: timeoutMs, redirect: 'error', retryConfig: { retry: 0, noResponseRetries: 0 } } },
      });
      // GoogleAuth reads this public field (not a constructor option) when it builds the JWT client.
      if (credentials.jwtAccess !== false) auth.useJWTAccessWithScope = true;
      else {
        // The token request goes where the key says (`token_uri`): gtoken asks Google's endpoint
        // whatever the key names, so a test server or a gateway in the key was never asked (an
        // acceptance run). Only that request is redirected, through the client's own transporter.
        const own = keyTokenUrl(key);
        if (own !== null) {
          tokenUrl = own;
          const client = (await auth.getClient()) as unknown as { transporter: { interceptors: { request: Set<unknown> } } };
          client.transporter.interceptors.request.add({
            resolved: async (o: { url: URL }) => {
              if (o.url.href === GOOGLE_TOKEN_URL) o.url = new URL(own);
              return o;
            },
          });
        }
      }
      return { sheets: new sheets_v4.Sheets({ auth, ...common }), drive: new drive_v3.Drive({ auth, ...common }) };
    }
    const headers: Record<string, string> = credentials.kind === 'key' ? { 'X-Goog-Api-Key': credentials.key } : {};
    return { sheets: new sheets_v4.Sheets({ headers, ...common }), drive: new drive_v3.Drive({ headers, ...common }) };
  }

  async function call<T>(budgetName: B, send: (c: GoogleClients) => Promise<{ data: T }>, hooks: CallHooks<T>): Promise<T> {
    const budget = budgets[budgetName];
    const retryable = hooks.retryable ?? isRetryable;
    const connect = async (): Promise<GoogleClients> => {
      try {
        return await clients();
      } catch (err) {
        // Key-file problems already are worded by the caller's keyError: passed on unchanged.
        if (opts.isLocal(err)) throw err;
        throw hooks.fail(inspect(err), false);
      }
    };
    let cl = await connect();
    let attempt = 0;
    let timeouts = 0;
    let quotaWaited = 0;
    /** Whether a new access token was asked for after Google refused the one sent (a 401). */
    let reauthorized = false;
    for (;;) {
      let failure: Failure;
      try {
        // The slot is held only while the request is in flight (not during a backoff), and the
        // budget's grant is taken inside it, so that the recorded time is when the request leaves.
        const answer = await slots(async () => {
          await budget.acquire();
          hooks.onSend?.();
          hooks.counters.requests++;
          return send(cl);
        });
        return answer.data;
      } catch (err) {
        const own = hooks.intercept?.(err);
        if (own !== undefined) throw own;
        failure = inspect(err);
      }
      // A service account's token refused before it expires (one from Google's token server
      // revoked, or either kind signed while the server's clock was out of step with Google's): a
      // new token once — a new client, so a self-signed one is signed anew too — and the request
      // again. The client kept sending the refused token, and every read after it failed (an
      // outside review); a self-signed one refused once failed its organization although the next
      // read, signed the same way, loaded (another) — and the registry's stopped the sync.
      if (failure.status === 401 && !failure.token && !reauthorized && credentials.kind === 'service') {
        reauthorized = true;
        clientsPromise = null;
        cl = await connect();
        hooks.counters.retries++;
        continue;
      }
      if (!retryable(failure)) {
        const fallback = hooks.fallback?.(failure);
        if (fallback !== undefined) return fallback.value;
        throw hooks.fail(failure, false);
      }
      if (isRateLimit(failure)) {
        // The quota refills: wait for Retry-After, else for the window, and try again; given up
        // only after maxQuotaWaitMs of such waiting. A Retry-After of nothing («0», a past date)
        // on a quota refusal means no wait, and endless retries: the window then. Never less
        // than a second, so that a refusing server gives up after a bounded number of tries; never
        // more than the quota's window, which refills in a minute (a «Retry-After: 99999» held
        // one read for two 5-minute waits, and the sync with it).
        const asked = failure.retryAfterMs !== null && failure.retryAfterMs > 0 ? Math.min(failure.retryAfterMs, BUDGET_WINDOW_MS) : budget.windowWaitMs();
        const wait = Math.max(MIN_QUOTA_WAIT_MS, asked);
        if (quotaWaited + wait > maxQuotaWaitMs) throw hooks.fail(failure, true);
        quotaWaited += wait;
        quota.waits++;
        quota.waitedMs += wait;
        hooks.counters.retries++;
        await sleep(wait);
        continue;
      }
      if (attempt >= maxRetries) throw hooks.fail(failure, true);
      // No answer within timeoutMs: asked twice more, not six times (a proxy that hung every
      // answer held one read 7 × 30 s, and every organization loaded after it waited).
      if (failure.timedOut && ++timeouts > MAX_TIMEOUT_RETRIES) throw hooks.fail(failure, true);
      if (failure.timedOut) quota.timeouts++;
      hooks.counters.retries++;
      // A server error's Retry-After (a 503 of maintenance: «3600») is honoured up to the
      // backoff's own cap: six flat 5-minute waits held one read — and the sync — for half an hour.
      await sleep(Math.min(failure.retryAfterMs ?? backoffDelay(attempt, random), BACKOFF_CAP_MS));
      attempt++;
    }
  }

  return { clients, call, sanitize, inspect, serviceEmail: () => email, quota, timeoutMs, tokenHost: () => (tokenUrl !== undefined ? new URL(tokenUrl).host : TOKEN_HOST), budgets, credentials };
}

/** A wait as people read it: «800 мс», «45 с», «5 мин 7 с». */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} мс`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} с` : `${Math.floor(s / 60)} мин${s % 60 ? ` ${s % 60} с` : ''}`;
}

/**
 * Google's quota refusals (429) waited out (GoogleTransport.quota), in words for a run's summary —
 * «Google 2 раза ответил «превышена квота» (HTTP 429): синхронизация ждала, пока квота
 * восстановится, 2 мин 2 с в сумме» — with `who` waiting; null when there was none.
 */
export function quotaWaitedText(quota: { waits: number; waitedMs: number }, who: string): string | null {
  const { waits, waitedMs } = quota;
  if (waits === 0) return null;
  return `Google ${waits === 1 ? 'один раз ответил' : `${waits} ${plural(waits, 'раз', 'раза', 'раз')} ответил`} «превышена квота» (HTTP 429): ${who} ждала, пока квота восстановится, ${durationText(waitedMs)} в сумме`;
}
