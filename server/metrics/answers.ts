/**
 * Answers kept as the bytes sent (issue #18): the JSON serialized once, when the answer is
 * built, and kept gzip-compressed — a regional `compliance` is about 1 MB of JSON and 40 KB
 * compressed, a school's list of 50,000 findings 35 MB and 3 MB — which every browser (and
 * `fetch`, Python's requests) takes as it is. A client that does not accept gzip gets the JSON
 * inflated for it, off the JavaScript thread.
 *
 * `AnswerStore` keeps them per data version (every write that changes what an answer shows bumps
 * it, so an answer is never older than the data): bounded by entries and by compressed bytes,
 * answers of older versions out first (they can never be asked for again), then the least
 * recently used. Concurrent identical requests share one computation; a failure is not kept,
 * so the next request computes again. Used by the metric cache (metrics/cache.ts) and by
 * «Качество данных» (routes/quality.ts).
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * zlib's fastest level: 2 MB of `compliance` JSON in ~3 ms (75 KB; level 6 — 6.5 ms, 53 KB).
 * On a two-core server the CPU matters more than the last 20 KB on a school's network.
 */
const GZIP_LEVEL = 1;

export interface CompressedAnswer {
  /**
   * `JSON.stringify(body)` as UTF-8 — what the route sends — gzip-compressed. Only these bytes
   * are kept (the rows as objects would take several times their size, the JSON itself some
   * thirty times more).
   */
  gzip: Buffer;
  /** Strong validator of the JSON: a hash of its bytes, so an answer a sync left unchanged keeps it. */
  etag: string;
}

/**
 * A string's UTF-8 bytes. `Buffer.from(text)` of a large string with Cyrillic in it took four
 * times as long on Node 20 (a regional `compliance`, 1.8 million characters: 11.6 ms against
 * 2–3 ms): the length is measured first and the bytes written into a buffer of that size.
 */
export function utf8(text: string): Buffer {
  const bytes = Buffer.allocUnsafe(Buffer.byteLength(text, 'utf8'));
  bytes.write(text, 'utf8');
  return bytes;
}

/** Serializes and compresses an answer (the compression off the JavaScript thread). */
export async function compressAnswer(body: unknown): Promise<CompressedAnswer> {
  const json = utf8(JSON.stringify(body));
  const etag = `"${createHash('sha1').update(json).digest('base64url')}"`;
  return { gzip: await gzipAsync(json, { level: GZIP_LEVEL }), etag };
}

/** The JSON bytes of an answer (inflated off the JavaScript thread). */
export function answerJson(answer: CompressedAnswer): Promise<Buffer> {
  return gunzipAsync(answer.gzip);
}

interface Entry<T> {
  promise: Promise<T>;
  /** Known once the answer is built; 0 while it is being built. */
  bytes: number;
}

export class AnswerStore<T extends CompressedAnswer> {
  private readonly map = new Map<string, Entry<T>>();
  private bytes = 0;

  constructor(
    /** The data version now (Db.dataVersion). */
    private readonly version: () => number,
    private readonly maxEntries: number,
    /** Total size of the kept answers, compressed. */
    private readonly maxBytes: number,
  ) {}

  /** The answer under `key` at the current data version (built, or being built), marked as the most recently used. */
  lookup(key: string): Promise<T> | undefined {
    const k = this.full(key);
    const hit = this.map.get(k);
    if (!hit) return undefined;
    this.map.delete(k);
    this.map.set(k, hit);
    return hit.promise;
  }

  /** Whether an answer under `key` is kept (or being built) at the current data version. */
  has(key: string): boolean {
    return this.map.has(this.full(key));
  }

  /** Keeps the answer being built under `key` at the current data version; a failure is dropped. Returns `answer`. */
  put(key: string, answer: Promise<T>): Promise<T> {
    const k = this.full(key);
    const entry: Entry<T> = { promise: answer, bytes: 0 };
    this.map.set(k, entry);
    answer.then(
      (a) => {
        if (this.map.get(k) !== entry) return;
        entry.bytes = a.gzip.length;
        this.bytes += entry.bytes;
        this.evict();
      },
      () => {
        if (this.map.get(k) === entry) this.map.delete(k);
      },
    );
    this.evict();
    return answer;
  }

  /** The kept answer under `key`, or the one `build` makes (kept from then on). */
  shared(key: string, build: () => Promise<T>): Promise<T> {
    return this.lookup(key) ?? this.put(key, build());
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.map.size, bytes: this.bytes };
  }

  private full(key: string): string {
    return `${this.version()}|${key}`;
  }

  private evict(): void {
    // Old versions first: they can never be asked for again.
    const current = `${this.version()}|`;
    for (const [k, e] of this.map) {
      if (k.startsWith(current)) continue;
      this.map.delete(k);
      this.bytes -= e.bytes;
    }
    for (const [k, e] of this.map) {
      if (this.map.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      if (e.bytes === 0) continue; // still being built: its size is not known yet
      this.map.delete(k);
      this.bytes -= e.bytes;
    }
  }
}
