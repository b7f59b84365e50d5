/** HTTP load without dependencies: keep-alive GETs on 127.0.0.1, a bounded concurrent loop, percentiles. */
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { gunzipSync } from 'node:zlib';

export interface Sample {
  ms: number;
  status: number;
  bytes: number;
  wireBytes: number;
  /** Set when the request failed below HTTP (reset, timeout). */
  error?: string;
}

/** Sent with every request (the serve phase's API token), with the Accept-Encoding every browser sends. */
export const DEFAULT_HEADERS: Record<string, string> = { 'Accept-Encoding': 'gzip, deflate, br' };

/**
 * One GET, body read and counted (not parsed). A compressed answer is inflated, as a browser
 * must before it can parse it: the time runs to the last inflated byte; `bytes` counts the
 * answer as sent before compression, `wireBytes` what crossed the socket.
 */
export function get(url: string, agent: http.Agent, timeoutMs = 30_000): Promise<Sample> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get(url, { agent, timeout: timeoutMs, headers: DEFAULT_HEADERS }, (res) => {
      const gzip = res.headers['content-encoding'] === 'gzip';
      const chunks: Buffer[] = [];
      let wireBytes = 0;
      res.on('data', (c: Buffer) => {
        wireBytes += c.length;
        if (gzip) chunks.push(c);
      });
      res.on('end', () => {
        let bytes = wireBytes;
        try {
          // In one piece, as a browser's network stack does (a zlib stream here would pay a
          // thread-pool round trip per 16 KB of output).
          if (gzip && wireBytes > 0) bytes = gunzipSync(Buffer.concat(chunks)).length;
        } catch (e) {
          resolve({ ms: performance.now() - t0, status: 0, bytes: 0, wireBytes, error: (e as Error).message });
          return;
        }
        resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0, bytes, wireBytes });
      });
      res.on('error', (e) => resolve({ ms: performance.now() - t0, status: 0, bytes: 0, wireBytes, error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ ms: performance.now() - t0, status: 0, bytes: 0, wireBytes: 0, error: e.message }));
  });
}

// The measuring process's own collector (`gc`, exposed at run time: `npm run bench` is `tsx bench/run.ts`).
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

/**
 * One request of a single client, as `get`, with the measuring process's own young garbage — the
 * buffers of the answers it inflated before — collected first, outside the time. Without it, this
 * process's collector ran inside the next sample: the 1.7 MB a region's inflated `compliance` takes
 * pushed V8 into a full collection every few answers (external memory pressure), and the p95 of a
 * cached answer was the client's pauses — 13.9 ms against 5.6 ms in a paired run; the server's
 * share, to the answer's first byte, is ~1 ms. A browser inflates in its network stack, outside
 * the page's JavaScript heap. The inflation itself is still timed.
 */
export function sample(url: string, agent: http.Agent, timeoutMs?: number): Promise<Sample> {
  collect({ type: 'minor' });
  return get(url, agent, timeoutMs);
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Non-2xx statuses and network errors, counted by kind. */
  errorKinds: Record<string, number>;
  wallMs: number;
  perSecond: number;
  latency: Percentiles;
}

/**
 * `clients` workers on one keep-alive agent, each taking the next URL from `urls` (cycled)
 * until `maxRequests` are done or `maxMs` has passed: bounded in count and in time.
 */
export async function loadLoop(urls: readonly string[], opts: { clients: number; maxRequests: number; maxMs: number; timeoutMs?: number }): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.clients });
  const samples: Sample[] = [];
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + opts.maxMs;
  const worker = async () => {
    while (next < opts.maxRequests && performance.now() < deadline) {
      const url = urls[next++ % urls.length]!;
      samples.push(await get(url, agent, opts.timeoutMs));
    }
  };
  await Promise.all(Array.from({ length: opts.clients }, worker));
  const wallMs = performance.now() - t0;
  agent.destroy();
  const errorKinds: Record<string, number> = {};
  for (const s of samples) {
    if (s.status >= 200 && s.status < 300) continue;
    const kind = s.error ?? `HTTP ${s.status}`;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  }
  const errors = Object.values(errorKinds).reduce((a, b) => a + b, 0);
  return {
    requests: samples.length,
    errors,
    errorKinds,
    wallMs,
    perSecond: (samples.length / wallMs) * 1000,
    latency: percentiles(samples.map((s) => s.ms)),
  };
}

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles. */
export function percentiles(values: readonly number[]): Percentiles {
  const v = [...values].sort((a, b) => a - b);
  const at = (p: number) => (v.length === 0 ? NaN : v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))]!);
  return { n: v.length, p50: at(50), p95: at(95), p99: at(99), max: v.length ? v[v.length - 1]! : NaN };
}
