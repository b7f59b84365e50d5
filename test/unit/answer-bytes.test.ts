/**
 * The bytes of a kept answer (server/metrics/answers.ts `jsonBytes`): long lists serialized in
 * pieces must give exactly the bytes of `JSON.stringify` as UTF-8 — the ETag is their hash and a
 * client may compare them — whatever the shape: lists of every length around the piece size
 * (256), several long lists in one answer, a nested list of the same name, values JSON drops or
 * turns into null, Cyrillic and characters JSON escapes.
 */
import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { compressAnswer, jsonBytes } from '../../server/metrics/answers.ts';

const reference = (body: unknown) => Buffer.from(JSON.stringify(body)!, 'utf8');

const row = (i: number) => ({
  org: `СОШ-${i}`,
  name: `Школа № ${i} «Ёлочка»\t"кавычки"\\`,
  share: i % 5 === 0 ? null : i / 7,
  nan: i % 11 === 0 ? Number.NaN : i,
  gone: undefined,
  when: i % 3 === 0 ? new Date(Date.UTC(2025, 0, 1 + i)) : '2025-05-15',
  list: [i, undefined, 'я'],
});

describe('answer bytes in pieces', () => {
  it('equal JSON.stringify for lists of 0, 1, 255, 256, 257, 512, 513 and 1,000 rows', () => {
    for (const n of [0, 1, 255, 256, 257, 512, 513, 1000]) {
      const body = { metric: 'engagement', params: { from: '2024-09-01', to: '2025-05-15', org: [] }, rows: Array.from({ length: n }, (_, i) => row(i)) };
      expect(jsonBytes(body)!.equals(reference(body)), `${n} rows`).toBe(true);
    }
  });

  it('equal JSON.stringify with several long lists, a nested list of the same name and keys JSON drops', () => {
    const body = {
      as_of: undefined,
      orgs: Array.from({ length: 300 }, (_, i) => row(i)),
      summary: { rows: [1, 2, 3], issues: [] },
      issues: Array.from({ length: 700 }, (_, i) => [i, `замечание ${i}`, null]),
      rows: Array.from({ length: 600 }, () => undefined),
      fn: () => 1,
      last: 'конец',
    };
    expect(jsonBytes(body)!.equals(reference(body))).toBe(true);
  });

  it('equal JSON.stringify for what is not a plain object with long lists', () => {
    class WithToJson {
      rows = Array.from({ length: 400 }, (_, i) => i);
      toJSON() {
        return { rows: 'своё' };
      }
    }
    const ownToJson = { rows: Array.from({ length: 300 }, (_, i) => i), toJSON: () => ({ rows: 'своё' }) };
    for (const body of [null, 'строка', 42, [1, 2, 3], Array.from({ length: 600 }, (_, i) => row(i)), new WithToJson(), ownToJson, { a: 1 }]) {
      expect(jsonBytes(body)!.equals(reference(body))).toBe(true);
    }
    // What JSON.stringify gives nothing for, neither does this (the caller answers as res.json would).
    expect(jsonBytes(undefined)).toBeUndefined();
    expect(jsonBytes({ toJSON: () => undefined })).toBeUndefined();
  });

  it('are what a kept answer holds, gzip-compressed', async () => {
    const body = { metric: 'compliance', params: {}, rows: Array.from({ length: 1000 }, (_, i) => row(i)) };
    const answer = await compressAnswer(body);
    expect(gunzipSync(answer.gzip).equals(reference(body))).toBe(true);
  });
});
