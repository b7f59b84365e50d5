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
import { createHash, randomUUID } from 'node:crypto';
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
 * A string's UTF-8 bytes: the length measured first, the bytes written into a buffer of that
 * size. On Node 20 never slower than `Buffer.from(text)` in paired runs, and at times much faster
 * (a regional `compliance`, 1.8 million characters: 6.6 ms against 10.8).
 */
export function utf8(text: string): Buffer {
  const bytes = Buffer.allocUnsafe(Buffer.byteLength(text, 'utf8'));
  bytes.write(text, 'utf8');
  return bytes;
}

/** Elements of a long list serialized at a time by `jsonBytes`. */
const PIECE = 256;
/** Stands for a long list in the rest of an answer: a string no answer holds (a NUL, a random id, the list's number). */
const MARK = `\u0000${randomUUID()}:`;
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/**
 * `JSON.stringify(body)` as UTF-8, byte for byte (undefined where it is); the long lists at the
 * top of an answer (a metric's `rows`, «Качество данных»'s findings) serialized and encoded 256
 * elements at a time.
 * As one string, a regional answer (`compliance`: 1.8 million characters, most of them
 * Cyrillic) cost V8 ~20 ms to build and encode — it flattens the pieces its serializer joined
 * before it can encode them — and in pieces ~10 ms; pieces of 1,024 rows were slower than one
 * string again (strings past a size go to another heap space).
 */
export function jsonBytes(body: unknown): Buffer | undefined {
  const whole = () => {
    const text = JSON.stringify(body);
    return text === undefined ? undefined : utf8(text);
  };
  if (body === null || typeof body !== 'object' || Object.getPrototypeOf(body) !== Object.prototype) return whole();
  const record = body as Record<string, unknown>;
  if (typeof record.toJSON === 'function') return whole();
  const long = Object.keys(record).filter((k) => Array.isArray(record[k]) && (record[k] as unknown[]).length > PIECE);
  if (!long.length) return whole();
  // The rest of the answer, in its key order, with a mark where each long list goes.
  const marked: Record<string, unknown> = { ...record };
  long.forEach((k, i) => (marked[k] = `${MARK}${i}`));
  const rest = JSON.stringify(marked);
  const places = long.map((k, i) => ({ list: record[k] as unknown[], mark: JSON.stringify(`${MARK}${i}`) })).map((p) => ({ ...p, at: rest.indexOf(p.mark) }));
  places.sort((x, y) => x.at - y.at);
  const parts: Buffer[] = [];
  let from = 0;
  for (const { list, mark, at } of places) {
    parts.push(utf8(`${rest.slice(from, at)}[`));
    for (let i = 0; i < list.length; i += PIECE) {
      const piece = utf8(JSON.stringify(list.slice(i, i + PIECE)));
      // Without the piece's own brackets; a comma between pieces.
      if (i > 0) parts.push(COMMA);
      parts.push(piece.subarray(1, piece.length - 1));
    }
    parts.push(CLOSE);
    from = at + mark.length;
  }
  parts.push(utf8(rest.slice(from)));
  return Buffer.concat(parts);
}

/**
 * zlib's output buffer for `bytes` of JSON: about the size of the result (JSON compresses 4–20
 * times), from 16 KB to 1 MB. zlib's own 16 KB cost a thread-pool round trip per 16 KB of output:
 * a regional `compliance` took 5 ms to compress, 3.6 in one.
 */
export function gzipChunkSize(bytes: number): number {
  return Math.min(Math.max(Math.ceil(bytes / 4), 16 * 1024), 1024 * 1024);
}

/** Serializes and compresses an answer (the compression off the JavaScript thread). */
export async function compressAnswer(body: unknown): Promise<CompressedAnswer> {
  const json = jsonBytes(body);
  if (json === undefined) throw new TypeError('an answer must serialize to JSON');
  const etag = `"${createHash('sha1').update(json).digest('base64url')}"`;
  return { gzip: await gzipAsync(json, { level: GZIP_LEVEL, chunkSize: gzipChunkSize(json.length) }), etag };
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
