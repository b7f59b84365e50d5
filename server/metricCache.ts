/**
 * Metric answers cached per (metric, parameters, data version), as the bytes sent.
 *
 * DESIGN: at region scale a query alone cannot hold the 50 ms p95, so answers are kept until
 * the data changes (every swap bumps the version, so an answer is never older than the data).
 * The JSON is serialized once, when the answer is computed: a regional `compliance` answer is
 * about 2 MB, and serializing it again for every client cost more than the lookup (benchmark).
 * Bounded by entries and by bytes, least recently used out first. Concurrent identical
 * requests share one query; failures are not cached. `overview` reads its component metrics
 * through the same cache, so the dashboard's tiles cost nothing once its charts are loaded.
 */
import { createHash } from 'node:crypto';
import { dataVersion } from './cache.ts';
import type { Db } from './db.ts';
import { METRICS, parseParams, runMetric, type MetricParams, type MetricResult } from './metrics.ts';

export interface CachedMetric {
  /** `JSON.stringify(result)` as UTF-8, what `GET /api/metrics/:name` sends. Only the bytes are
   *  kept (the rows as objects would take several times their size); `rows()` parses them. */
  json: Buffer;
  /** Strong validator of `json`: a hash of the bytes, so an answer a sync left unchanged keeps it. */
  etag: string;
}

export interface MetricCacheOptions {
  maxEntries?: number;
  /** Total size of the cached JSON bodies. */
  maxBytes?: number;
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

  constructor(
    private readonly db: Db,
    opts: MetricCacheOptions = {},
  ) {
    this.maxEntries = opts.maxEntries ?? 500;
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  }

  /** The answer for these parameters at the current data version: from the cache or computed. */
  get(name: string, params: MetricParams): Promise<CachedMetric> {
    const version = dataVersion();
    const key = `${version}|${name}|${JSON.stringify(params)}`;
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit.promise;
    }
    const entry: Entry = { promise: this.compute(name, params), bytes: 0 };
    this.map.set(key, entry);
    entry.promise.then(
      (c) => {
        if (this.map.get(key) !== entry) return;
        entry.bytes = c.json.length;
        this.bytes += entry.bytes;
        this.evict();
      },
      () => {
        if (this.map.get(key) === entry) this.map.delete(key);
      },
    );
    this.evict();
    return entry.promise;
  }

  /** The answer as objects (CSV, exports, overview's parts): the cached bytes, parsed. */
  async rows(name: string, params: MetricParams): Promise<MetricResult> {
    return JSON.parse((await this.get(name, params)).json.toString('utf8')) as MetricResult;
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

  private async compute(name: string, params: MetricParams): Promise<CachedMetric> {
    const result = await runMetric(this.db, name, params, (n, p) => this.rows(n, p));
    const json = Buffer.from(JSON.stringify(result), 'utf8');
    const etag = `"${createHash('sha1').update(json).digest('base64url')}"`;
    return { json, etag };
  }

  private evict(): void {
    // Old versions first: they can never be asked for again.
    const version = `${dataVersion()}|`;
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
