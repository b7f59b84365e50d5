/**
 * Request budgets that match Google's quotas (issue #18), shared by the reader
 * (server/sources/google.ts) and the writer (server/google/write.ts).
 *
 * Google counts per minute, per user (a service account is one user) and per project:
 * Sheets reads 60 a minute per user and 300 per project, Sheets writes likewise and apart,
 * Drive on a quota of its own, much larger. Each budget here is a sliding-window log: at most
 * `limit` requests leave in any window. The window is a second longer than Google's minute:
 * Google stamps a request when it arrives, we when it leaves, and the difference varies a
 * little from request to request — with the same minute on both sides a request could land a
 * few milliseconds inside Google's window and be refused.
 *
 * A rate-limit answer (429, or a 403 with a rate-limit reason) is not an error to give up on
 * while the quota can still refill: it waits for `Retry-After` when Google sends one, else for
 * the window (until this budget's oldest request leaves it, or a whole window when the budget
 * is not full — the quota was spent elsewhere), and it does not count as a retry of a failing
 * request. Only after `maxQuotaWaitMs` of such waiting does a read give the organization up.
 */
import { setTimeout as delay } from 'node:timers/promises';

const BACKOFF_BASE_MS = 500;
/** The longest pause between two tries of a failing request (a server error's Retry-After included: transport.ts). */
export const BACKOFF_CAP_MS = 32_000;

/** Google's quota minute, and our window: a second longer (see above). */
export const QUOTA_MINUTE_MS = 60_000;
export const BUDGET_WINDOW_MS = QUOTA_MINUTE_MS + 1_000;

/** A request waits for quota this long at most, in all (several windows), before it fails. */
export const DEFAULT_MAX_QUOTA_WAIT_MS = 10 * 60_000;

/** Full-jitter exponential backoff: uniform in [0, min(cap, base·2^attempt)). `attempt` starts at 0. */
export function backoffDelay(attempt: number, random: () => number, baseMs = BACKOFF_BASE_MS, capMs = BACKOFF_CAP_MS): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

export function defaultSleep(ms: number): Promise<void> {
  return delay(ms).then(() => undefined);
}

export interface RateLimiterOptions {
  /** Requests allowed in any window; <= 0 or Infinity = unlimited. */
  limit: number;
  windowMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A sliding-window log: at most `limit` grants in any `windowMs`. Stricter than a fixed
 * per-minute bucket, so it stays under Google's per-minute quota however the minutes align.
 * Grants are FIFO (a promise chain), so concurrent callers cannot starve each other.
 */
export class RateLimiter {
  private readonly stamps: number[] = [];
  private chain: Promise<void> = Promise.resolve();
  readonly limit: number;
  readonly windowMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: RateLimiterOptions) {
    this.limit = opts.limit;
    this.windowMs = opts.windowMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? defaultSleep;
  }

  get unlimited(): boolean {
    return !(this.limit > 0) || this.limit === Infinity;
  }

  /** Resolves when one more request may be sent (and records it). */
  acquire(): Promise<void> {
    if (this.unlimited) return Promise.resolve();
    const turn = this.chain.then(() => this.take());
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  /** Grants recorded in the current window (for tests and progress). */
  inWindow(): number {
    this.prune(this.now());
    return this.stamps.length;
  }

  /**
   * How long a rate-limited request should wait for the quota to refill: until this budget's
   * oldest grant leaves the window when the budget is full (the next one it can give), else a
   * whole window (Google counted requests this budget did not send).
   */
  windowWaitMs(): number {
    const t = this.now();
    this.prune(t);
    if (!this.unlimited && this.stamps.length >= this.limit) return Math.max(1, (this.stamps[0] as number) + this.windowMs - t);
    return this.windowMs;
  }

  /**
   * The time `requests` more requests need at this budget from now, in ms: 0 while the window
   * has room for them, else a window per `limit` of the rest (for the progress line).
   */
  etaMs(requests: number): number {
    if (this.unlimited || requests <= 0) return 0;
    const t = this.now();
    this.prune(t);
    const free = Math.max(0, this.limit - this.stamps.length);
    if (requests <= free) return 0;
    const rest = requests - free;
    const firstRefill = this.stamps.length > 0 ? Math.max(0, (this.stamps[0] as number) + this.windowMs - t) : 0;
    return firstRefill + Math.floor((rest - 1) / this.limit) * this.windowMs;
  }

  private prune(t: number): void {
    while (this.stamps.length > 0 && (this.stamps[0] as number) <= t - this.windowMs) this.stamps.shift();
  }

  private async take(): Promise<void> {
    for (;;) {
      const t = this.now();
      this.prune(t);
      if (this.stamps.length < this.limit) {
        this.stamps.push(t);
        return;
      }
      const oldest = this.stamps[0] as number;
      await this.sleep(Math.max(1, oldest + this.windowMs - t));
    }
  }
}

/** A budget of Google requests per minute (0 = unlimited), with the window above. */
export function googleBudget(perMinute: number, o: { now?: () => number; sleep?: (ms: number) => Promise<void> } = {}): RateLimiter {
  return new RateLimiter({ limit: perMinute, windowMs: BUDGET_WINDOW_MS, ...o });
}
