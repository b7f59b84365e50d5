/**
 * Query results read from DuckDB's vectors (server/db/columns.ts) on a real in-memory DuckDB:
 * each type's values, NULLs and the edges of DuckDB's string layout (12 bytes inline, 13 and more
 * behind a pointer, copied in runs), by hand on a small result; and a large result — several
 * chunks of 2,048 rows, Cyrillic strings of every length, NULLs scattered — equal to what the
 * driver's own reader gives for the same SQL on its own connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Db } from '../../server/db/db.ts';

let db: Db;
let raw: DuckDBConnection;
beforeAll(async () => {
  db = await Db.connect(':memory:');
  raw = await db.instance.connect();
});
afterAll(() => {
  raw.closeSync();
  db.close();
});

describe('query results read from the vectors', () => {
  it('give every scalar type as JSON takes it, NULLs as null', async () => {
    const rows = await db.query(`
      SELECT * FROM (VALUES
        (1, 'abc', 'двенадцать!', 'ровно12байт', 'тринадцать13', TRUE, DATE '2024-02-29', 0.25::DOUBLE, 9007199254740991::BIGINT, 12::HUGEINT, 1.50::DECIMAL(4,2), ['а', 'б']),
        (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (3, '', 'Ё', 'x', 'Средняя общеобразовательная школа № 7', FALSE, DATE '1969-12-31', 'Infinity'::DOUBLE, -5::BIGINT, -7::HUGEINT, -0.05::DECIMAL(4,2), [])
      ) t(n, s, s2, s3, s4, b, d, f, big, huge, dec, list) ORDER BY n`);
    // 'двенадцать!' is 10 Cyrillic letters × 2 bytes + 1 = 21 bytes (behind a pointer); 'ровно12байт'
    // 5×2 + 2 + 4×2 = 20; 'тринадцать13' 10×2 + 2 = 22; 'abc' 3 and 'Ё' 2 bytes are inline.
    expect(rows).toEqual([
      { n: 1, s: 'abc', s2: 'двенадцать!', s3: 'ровно12байт', s4: 'тринадцать13', b: true, d: '2024-02-29', f: 0.25, big: 9007199254740991, huge: 12, dec: 1.5, list: ['а', 'б'] },
      { n: 2, s: null, s2: null, s3: null, s4: null, b: null, d: null, f: null, big: null, huge: null, dec: null, list: null },
      // A non-finite double is text, as the driver's JSON conversion gives it (JSON has no Infinity);
      // 1969-12-31 is day −1.
      { n: 3, s: '', s2: 'Ё', s3: 'x', s4: 'Средняя общеобразовательная школа № 7', b: false, d: '1969-12-31', f: 'Infinity', big: -5, huge: -7, dec: -0.05, list: [] },
    ]);
  });

  it('give strings of exactly 12 and 13 bytes whole (the inline limit)', async () => {
    const rows = await db.query(`SELECT repeat('a', 12) AS twelve, repeat('b', 13) AS thirteen, repeat('я', 6) AS six_cyrillic, repeat('я', 7) AS seven_cyrillic`);
    // 'я' is 2 bytes in UTF-8: 6 of them are 12 bytes (inline), 7 are 14 (behind a pointer).
    expect(rows).toEqual([{ twelve: 'a'.repeat(12), thirteen: 'b'.repeat(13), six_cyrillic: 'я'.repeat(6), seven_cyrillic: 'я'.repeat(7) }]);
  });

  it('give a result of several chunks as the driver reads it', async () => {
    // 7,000 rows: four chunks of up to 2,048. Strings of 0 to 60 characters, Cyrillic and Latin,
    // a NULL in every 7th row of `name` and every 11th of `day`; rows in an order unlike the
    // strings' memory order (sorted by a hash), so the runs of copied strings are exercised.
    const sql = `
      SELECT i,
        CASE WHEN i % 7 = 0 THEN NULL ELSE repeat(CASE WHEN i % 3 = 0 THEN 'ш' ELSE 'q' END, i % 61) || i::VARCHAR END AS name,
        'Организация ' || (i % 1000)::VARCHAR AS org_name,
        CASE WHEN i % 11 = 0 THEN NULL ELSE DATE '2020-01-01' + (i % 900)::INTEGER END AS day,
        (i % 13)::INTEGER AS small, i / 7.0 AS ratio, i % 2 = 0 AS even, (i * 1000)::BIGINT AS big
      FROM range(7000) r(i) ORDER BY hash(i)`;
    const rows = await db.query(sql);
    const reader = await raw.runAndReadAll(sql);
    const expected = reader.getRowObjectsJson().map((r) => ({ ...r, i: Number(r.i), big: Number(r.big) }));
    expect(rows.length).toBe(7000);
    expect(rows).toEqual(expected);
    // Spot check without the driver: i = 13 is not a multiple of 7, 3 or 11 → 'q' × 13 then '13';
    // 2020-01-01 + 13 days; 13 % 13 = 0; 13 / 7.0; odd; 13,000.
    expect(rows.find((r) => r.i === 13)).toEqual({ i: 13, name: `${'q'.repeat(13)}13`, org_name: 'Организация 13', day: '2020-01-14', small: 0, ratio: 13 / 7, even: false, big: 13000 });
  });

  it('tell a repeated value from its neighbour of the same length that differs in one byte', async () => {
    // Runs of one value down the rows (as an organization's name on each of its rows), and the
    // next value of the same length and prefix, differing only in its last character: long
    // (behind a pointer) and short (inline: 'школа' is 10 bytes, and the digit the 11th, in the
    // last word of the 12 inline bytes), and the same in a NULL-broken run.
    const sql = `
      SELECT i,
        'Организация № ' || (i // 3 % 10)::VARCHAR AS long_run,
        'школа' || (i // 2 % 10)::VARCHAR AS short_run,
        CASE WHEN i % 4 = 1 THEN NULL ELSE 'Детский сад № ' || (i // 4 % 10)::VARCHAR END AS broken_run
      FROM range(5000) r(i) ORDER BY i`;
    const rows = await db.query(sql);
    const reader = await raw.runAndReadAll(sql);
    expect(rows).toEqual(reader.getRowObjectsJson().map((r) => ({ ...r, i: Number(r.i) })));
    // Without the driver: row 2 is the third of value 0, row 3 the first of value 1 (3 // 3 = 1);
    // 3 // 2 = 1; row 3 is not 1 mod 4, 3 // 4 = 0; row 5 is 1 mod 4 → NULL.
    expect(rows.slice(2, 4)).toEqual([
      { i: 2, long_run: 'Организация № 0', short_run: 'школа1', broken_run: 'Детский сад № 0' },
      { i: 3, long_run: 'Организация № 1', short_run: 'школа1', broken_run: 'Детский сад № 0' },
    ]);
    expect(rows[5]).toEqual({ i: 5, long_run: 'Организация № 1', short_run: 'школа2', broken_run: null });
  });
});

describe('metric-lane statements prepared once per connection', () => {
  it('read the table as it is now after the writer replaced it, columns and all (as a sync replaces the facts)', async () => {
    const sql = 'SELECT * FROM swapped WHERE n >= $min ORDER BY n';
    await db.write((w) => w.run(`CREATE OR REPLACE TABLE swapped AS SELECT * FROM (VALUES (1, 'а'), (2, 'б')) t(n, s)`));
    // Both connections of the lane prepare it (two at once), then each reuses its own.
    const first = await Promise.all([db.metricQuery(sql, { min: 2 }), db.metricQuery(sql, { min: 1 })]);
    expect(first).toEqual([[{ n: 2, s: 'б' }], [{ n: 1, s: 'а' }, { n: 2, s: 'б' }]]);
    await db.write((w) => w.run(`CREATE OR REPLACE TABLE swapped AS SELECT * FROM (VALUES (3, true, DATE '2025-01-31')) t(n, flag, day)`));
    const after = await Promise.all([db.metricQuery(sql, { min: 0 }), db.metricQuery(sql, { min: 4 })]);
    // The new table's one row (n = 3 ≥ 0) with its own columns; none is ≥ 4.
    expect(after).toEqual([[{ n: 3, flag: true, day: '2025-01-31' }], []]);
  });

  it('answer again after one of them was interrupted', async () => {
    const endless = 'SELECT count(*) AS n FROM range(100000000) a(x), range(100000000) b(y) WHERE a.x + b.y = $never';
    const reason = new Error('deadline');
    const c = new AbortController();
    setTimeout(() => c.abort(reason), 100);
    await expect(db.metricQuery(endless, { never: -1 }, c.signal)).rejects.toBe(reason);
    // The lane answers the next statements (the interrupted one was dropped, not reused):
    // range(3) × range(3) has one pair with x + y = 0.
    const small = 'SELECT count(*) AS n FROM range(3) a(x), range(3) b(y) WHERE a.x + b.y = $never';
    expect(await db.metricQuery(small, { never: 0 })).toEqual([{ n: 1 }]);
    expect(await db.metricQuery(small, { never: 4 })).toEqual([{ n: 1 }]);
    // x + y = 3: (1, 2) and (2, 1).
    expect(await db.metricQuery(small, { never: 3 })).toEqual([{ n: 2 }]);
  }, 30_000);

  it('answer past the number of statements a connection keeps (64): it starts over', async () => {
    // 70 distinct texts, each twice (the second one reuses the kept statement, or prepares it again
    // after the connection started over): n + 1 for n = 0…69.
    for (let round = 0; round < 2; round++) {
      for (let n = 0; n < 70; n++) {
        expect(await db.metricQuery(`SELECT ${n} + $one AS n`, { one: 1 })).toEqual([{ n: n + 1 }]);
      }
    }
  });
});
