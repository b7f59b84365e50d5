/**
 * Large JSON answers go gzip-compressed to a client that takes gzip (server/http/gzip.ts
 * `gzipLargeJson`, in front of every API route): a region's `/api/quality` was 13 MB of JSON
 * sent as it is. Real Express on port 0, read with node:http, which decompresses nothing itself.
 */
import { once } from 'node:events';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GZIP_JSON_MIN_BYTES, gzipLargeJson } from '../../server/http/gzip.ts';

// 2,000 findings of ~60 bytes each: ~120 KB of JSON, far above the 16 KB threshold.
const BIG = { issues: Array.from({ length: 2000 }, (_, i) => ({ org: 'СОШ-1', row: i + 2, message: `строка ${i + 2}: дата «31.02.2024» — такой даты нет` })) };
const SMALL = { ok: true };

let server: Server;
let base: string;
beforeAll(async () => {
  const app = express();
  app.use(gzipLargeJson());
  app.get('/big', (_req, res) => void res.json(BIG));
  app.get('/small', (_req, res) => void res.json(SMALL));
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

function get(path: string, headers: Record<string, string>): Promise<{ headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('large JSON answers', () => {
  it('go gzip-compressed to a client that takes gzip, the same JSON once inflated', async () => {
    const plain = await get('/big', {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(GZIP_JSON_MIN_BYTES);
    expect(JSON.parse(plain.body.toString('utf8'))).toEqual(BIG);

    const zipped = await get('/big', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(zipped.headers.vary).toContain('Accept-Encoding');
    // Repetitive findings compress well: under a fifth of the JSON.
    expect(zipped.body.length).toBeLessThan(plain.body.length / 5);
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
  });

  it('leave small answers and clients that refuse gzip as they were', async () => {
    const small = await get('/small', { 'Accept-Encoding': 'gzip' });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(small.body.toString('utf8')).toBe('{"ok":true}');
    const refused = await get('/big', { 'Accept-Encoding': 'gzip;q=0, identity' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(refused.body.toString('utf8'))).toEqual(BIG);
  });
});
