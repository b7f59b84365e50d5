/**
 * Metric answers cached per (metric, parameters, data version), as the bytes sent.
 *
 * DESIGN: at region scale a query alone cannot hold the 50 ms p95, so answers are kept until
 * the data changes (every swap bumps the version, so an answer is never older than the data),
 * serialized once and kept gzip-compressed, bounded by entries and bytes (metrics/answers.ts,
 * which «Качество данных» uses too). Concurrent identical requests share one query; failures
 * are not cached. `overview` reads its component metrics through the same cache, so the
 * dashboard's tiles cost nothing once its charts are loaded.
 *
 * Bounded in time and in share (issue #17): a request (`MetricRequest`) has one deadline for
 * all its computations — the months of a trend, the sheets of a workbook, the parts of
 * `overview` — after which the running query is interrupted and the request gets 503
 * `timeout`; a request that joins an answer being computed waits no longer than its own
 * deadline. An account runs at most `perOwner` uncached computations at once (the parts of a
 * computation count with it); its further ones wait their turn, first come, first served, and
 * past `queuePerOwner` waiting ones it is refused (429, `Retry-After`). Queued computations are
 * not in the cache yet, so no computation ever waits for one that waits for a slot.
 */
import type { Db } from '../db/db.ts';
import { AnswerStore, answerJson, compressAnswer, type CompressedAnswer } from './answers.ts';
import { atRun } from './asof.ts';
import {
  DEFAULT_METRIC_TIMEOUT_MS,
  DEFAULT_PER_OWNER,
  DEFAULT_QUEUE_PER_OWNER,
  Deadline,
  OwnerSlots,
  RETRY_AFTER_SEC,
} from './limits.ts';
import { METRICS, parseParams, runMetric, type MetricParams, type MetricResult } from './metrics.ts';

/** A cached metric answer: `JSON.stringify(result)` — what `GET /api/metrics/:name` sends — compressed, and its ETag. */
export type CachedMetric = CompressedAnswer;

export { answerJson };

export interface MetricCacheOptions {
  maxEntries?: number;
  /** Total size of the cached bodies (compressed). */
  maxBytes?: number;
  /** The deadline of a request's metric computations (METRIC_TIMEOUT_SECONDS × 1000); default 60 000. */
  timeoutMs?: number;
  /** Uncached computations one account runs at once; default 2. */
  perOwner?: number;
  /** Computations of one account waiting for their turn before a request is refused (429); default 100. */
  queuePerOwner?: number;
}

/** One HTTP request's metric work (`MetricCache.request`). */
export interface MetricRequest {
  readonly deadline: Deadline;
  /** Whose computations these are (`principalKey`); null: nobody's, not limited (warming, parts of a computation). */
  readonly owner: string | null;
  /** Told the seconds to wait when the request is refused for too many computations (sets `Retry-After`). */
  readonly onRefused?: (retryAfterSec: number) => void;
}

export class MetricCache {
  private readonly store: AnswerStore<CachedMetric>;
  private warming: Promise<void> | null = null;
  /** The deadline of every request, ms. */
  readonly timeoutMs: number;
  readonly slots: OwnerSlots;

  constructor(
    private readonly db: Db,
    opts: MetricCacheOptions = {},
  ) {
    this.store = new AnswerStore(() => db.dataVersion, opts.maxEntries ?? 500, opts.maxBytes ?? 64 * 1024 * 1024);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_METRIC_TIMEOUT_MS;
    this.slots = new OwnerSlots(opts.perOwner ?? DEFAULT_PER_OWNER, opts.queuePerOwner ?? DEFAULT_QUEUE_PER_OWNER);
  }

  /** The data version of the answers now (Db.dataVersion): a write that changed the data moved it on. */
  get dataVersion(): number {
    return this.db.dataVersion;
  }

  /** Answers that must all be of one state of the data (Db.consistently): no data commit in between. */
  consistently<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.consistently(fn);
  }

  /**
   * Starts a request's metric work: its deadline runs from now. `owner` (`principalKey`) is
   * limited to `perOwner` computations at once; null is not limited.
   */
  request(owner: string | null, onRefused?: (retryAfterSec: number) => void): MetricRequest {
    return { deadline: new Deadline(this.timeoutMs), owner, onRefused };
  }

  /**
   * The answer for these parameters at the current data version: from the cache, joined while
   * another request computes it, or computed. Without `req`, a request of nobody's with a
   * deadline of its own.
   */
  get(name: string, params: MetricParams, req: MetricRequest = this.request(null)): Promise<CachedMetric> {
    // Joining someone else's computation: wait no longer than this request's own deadline.
    // A computation this request starts is not raced: the deadline interrupts its queries, and
    // it settles (the 503) once they have stopped and their connections are back in the lane.
    const key = this.key(name, params);
    const hit = this.store.lookup(key);
    if (hit) return req.deadline.race(hit);
    const owner = req.owner;
    if (owner === null) return this.start(key, name, params, req.deadline, null).answer;
    let turn: Promise<void> | null;
    try {
      turn = this.slots.take(owner, req.deadline);
    } catch (e) {
      req.onRefused?.(RETRY_AFTER_SEC);
      return Promise.reject(e);
    }
    if (turn === null) return this.start(key, name, params, req.deadline, owner).answer;
    // The slot's promise rejects at the deadline.
    return turn.then(() => {
      // Another request may have computed it (or started to) while this one waited.
      const now = this.store.lookup(key);
      if (!now) return this.start(key, name, params, req.deadline, owner).answer;
      this.slots.give(owner);
      return req.deadline.race(now);
    });
  }

  /**
   * The answer as objects (CSV, exports, overview's parts): the cached bytes, parsed. A
   * computation of nobody's that is not cached yet (overview's parts) gives its rows as computed
   * — the bytes are kept for the next request all the same — instead of parsing them back: an
   * uncached `overview` at region scale inflated and parsed six answers of 100–240 KB each.
   */
  async rows(name: string, params: MetricParams, req?: MetricRequest): Promise<MetricResult> {
    const key = this.key(name, params);
    if ((req?.owner ?? null) === null && !this.store.has(key)) {
      // Serialized at once (compressAnswer stringifies before it yields): what the caller does with the rows later cannot change the kept bytes.
      const { rows, answer } = this.start(key, name, params, req?.deadline ?? new Deadline(this.timeoutMs), null);
      void answer.catch(() => undefined);
      return rows;
    }
    return JSON.parse((await answerJson(await this.get(name, params, req))).toString('utf8')) as MetricResult;
  }

  /** Whether an answer for these parameters is cached (or being computed) at the current data version. */
  has(name: string, params: MetricParams): boolean {
    return this.store.has(this.key(name, params));
  }

  private key(name: string, params: MetricParams): string {
    return `${name}|${JSON.stringify(params)}`;
  }

  /**
   * Computes an answer into the cache (at `key`) under `deadline`: its rows as computed, and the
   * answer kept. `owner`'s slot is given back once the rows are in hand: serializing and
   * compressing them is not the database's work, and the account's next query runs meanwhile
   * (50 clients all missing the cache: 64 → 68–71 answers/s).
   */
  private start(key: string, name: string, params: MetricParams, deadline: Deadline, owner: string | null): { rows: Promise<MetricResult>; answer: Promise<CachedMetric> } {
    // Failures (a timeout among them) are not cached (AnswerStore): the next request computes again.
    const rows = this.result(name, params, deadline);
    if (owner !== null) {
      const give = () => this.slots.give(owner);
      rows.then(give, give);
    }
    return { rows, answer: this.store.put(key, rows.then(compressAnswer)) };
  }

  /**
   * Computes the answers of the dashboard's first screen (every metric, default parameters:
   * the academic year containing today, all organizations) so that the coordinator's first
   * view after a sync is served from the cache. One at a time, in the background: a request
   * that arrives meanwhile simply joins the running query or runs beside it.
   */
  warm(now: Date): Promise<void> {
    this.warming ??= (async () => {
      try {
        const params = parseParams({}, now);
        for (const m of METRICS) await this.get(m.name, params).catch(() => undefined);
      } finally {
        this.warming = null;
      }
    })();
    return this.warming;
  }

  get size(): { entries: number; bytes: number } {
    return this.store.size;
  }

  /** A metric's result, computed (not cached: `start` keeps it). */
  private async result(name: string, params: MetricParams, deadline: Deadline): Promise<MetricResult> {
    // The parts (overview's metrics) run under the same deadline and inside this computation's slot.
    const part: MetricRequest = { deadline, owner: null };
    const via = (n: string, p: MetricParams) => this.rows(n, p, part);
    const run = (catalog: string | undefined) => runMetric(this.db, name, params, via, { signal: deadline.signal, catalog });
    // As of a past sync: its data (the live tables, or its snapshot: asof.ts atRun).
    return params.as_of ? await atRun(this.db, params.as_of.run, run) : await run(undefined);
  }
}
