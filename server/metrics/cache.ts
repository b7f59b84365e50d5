/**
 * Metric answers cached per (metric, parameters, data version), as the bytes sent.
 *
 * DESIGN: at region scale a query alone cannot hold the 50 ms p95, so answers are kept until
 * the data changes (every swap bumps the version, so an answer is never older than the data).
 * The JSON is serialized once, when the answer is computed, and kept gzip-compressed (issue
 * #18): a regional `compliance` answer is about 2 MB of JSON and 75 KB compressed, which every
 * browser (and `fetch`, Python's requests) takes as it is; sending the 2 MB again for every
 * client cost more than the lookup, and holding it cost the server's memory. A client that does
 * not accept gzip gets the JSON inflated for it (off the JavaScript thread). Bounded by entries
 * and by (compressed) bytes, least recently used out first. Concurrent identical
 * requests share one query; failures are not cached. `overview` reads its component metrics
 * through the same cache, so the dashboard's tiles cost nothing once its charts are loaded.
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
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Db } from '../db/db.ts';
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

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
/**
 * zlib's fastest level: 2 MB of `compliance` JSON in ~3 ms (75 KB; level 6 — 6.5 ms, 53 KB).
 * On a two-core server the CPU matters more than the last 20 KB on a school's network.
 */
const GZIP_LEVEL = 1;

export interface CachedMetric {
  /**
   * `JSON.stringify(result)` as UTF-8 — what `GET /api/metrics/:name` sends — gzip-compressed.
   * Only these bytes are kept (the rows as objects would take several times their size, the
   * JSON itself some thirty times more); `answerJson()` inflates them, `rows()` parses them.
   */
  gzip: Buffer;
  /** Strong validator of the JSON: a hash of its bytes, so an answer a sync left unchanged keeps it. */
  etag: string;
}

/** The JSON bytes of a cached answer (inflated off the JavaScript thread). */
export function answerJson(answer: CachedMetric): Promise<Buffer> {
  return gunzipAsync(answer.gzip);
}

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

interface Entry {
  promise: Promise<CachedMetric>;
  /** Known once the answer is computed. */
  bytes: number;
}

export class MetricCache {
  private readonly map = new Map<string, Entry>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private warming: Promise<void> | null = null;
  /** The deadline of every request, ms. */
  readonly timeoutMs: number;
  readonly slots: OwnerSlots;

  constructor(
    private readonly db: Db,
    opts: MetricCacheOptions = {},
  ) {
    this.maxEntries = opts.maxEntries ?? 500;
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_METRIC_TIMEOUT_MS;
    this.slots = new OwnerSlots(opts.perOwner ?? DEFAULT_PER_OWNER, opts.queuePerOwner ?? DEFAULT_QUEUE_PER_OWNER);
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
    const hit = this.lookup(name, params);
    if (hit) return req.deadline.race(hit.promise);
    const owner = req.owner;
    if (owner === null) return this.start(name, params, req.deadline, null);
    let turn: Promise<void> | null;
    try {
      turn = this.slots.take(owner, req.deadline);
    } catch (e) {
      req.onRefused?.(RETRY_AFTER_SEC);
      return Promise.reject(e);
    }
    if (turn === null) return this.start(name, params, req.deadline, owner);
    // The slot's promise rejects at the deadline.
    return turn.then(() => {
      // Another request may have computed it (or started to) while this one waited.
      const now = this.lookup(name, params);
      if (!now) return this.start(name, params, req.deadline, owner);
      this.slots.give(owner);
      return req.deadline.race(now.promise);
    });
  }

  /** The answer as objects (CSV, exports, overview's parts): the cached bytes, parsed. */
  async rows(name: string, params: MetricParams, req?: MetricRequest): Promise<MetricResult> {
    return JSON.parse((await answerJson(await this.get(name, params, req))).toString('utf8')) as MetricResult;
  }

  /** Whether an answer for these parameters is cached (or being computed) at the current data version. */
  has(name: string, params: MetricParams): boolean {
    return this.map.has(this.key(name, params));
  }

  private key(name: string, params: MetricParams): string {
    return `${this.db.dataVersion}|${name}|${JSON.stringify(params)}`;
  }

  /** The entry of these parameters at the current version, marked as the most recently used. */
  private lookup(name: string, params: MetricParams): Entry | undefined {
    const key = this.key(name, params);
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
    }
    return hit;
  }

  /** Computes an answer into the cache under `deadline`; `owner`'s slot is given back when it settles. */
  private start(name: string, params: MetricParams, deadline: Deadline, owner: string | null): Promise<CachedMetric> {
    const key = this.key(name, params);
    const entry: Entry = { promise: this.compute(name, params, deadline), bytes: 0 };
    this.map.set(key, entry);
    entry.promise.then(
      (c) => {
        if (owner !== null) this.slots.give(owner);
        if (this.map.get(key) !== entry) return;
        entry.bytes = c.gzip.length;
        this.bytes += entry.bytes;
        this.evict();
      },
      () => {
        // Failures (a timeout among them) are not cached: the next request computes again.
        if (owner !== null) this.slots.give(owner);
        if (this.map.get(key) === entry) this.map.delete(key);
      },
    );
    this.evict();
    return entry.promise;
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
    return { entries: this.map.size, bytes: this.bytes };
  }

  private async compute(name: string, params: MetricParams, deadline: Deadline): Promise<CachedMetric> {
    // The parts (overview's metrics) run under the same deadline and inside this computation's slot.
    const part: MetricRequest = { deadline, owner: null };
    const via = (n: string, p: MetricParams) => this.rows(n, p, part);
    const run = (catalog: string | undefined) => runMetric(this.db, name, params, via, { signal: deadline.signal, catalog });
    // As of a past sync: its data (the live tables, or its snapshot: asof.ts atRun).
    const result = params.as_of ? await atRun(this.db, params.as_of.run, run) : await run(undefined);
    const json = Buffer.from(JSON.stringify(result), 'utf8');
    const etag = `"${createHash('sha1').update(json).digest('base64url')}"`;
    return { gzip: await gzipAsync(json, { level: GZIP_LEVEL }), etag };
  }

  private evict(): void {
    // Old versions first: they can never be asked for again.
    const version = `${this.db.dataVersion}|`;
    for (const [k, e] of this.map) {
      if (k.startsWith(version)) continue;
      this.map.delete(k);
      this.bytes -= e.bytes;
    }
    for (const [k, e] of this.map) {
      if (this.map.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      if (e.bytes === 0) continue; // still computing: its size is not known yet
      this.map.delete(k);
      this.bytes -= e.bytes;
    }
  }
}
