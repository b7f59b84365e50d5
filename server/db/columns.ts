/**
 * A query result's columns read straight from DuckDB's vectors (issue #18: cold metrics near raw
 * DuckDB). The driver's own reader (`getColumns`) makes an object per date, tests validity with
 * BigInt arithmetic per value and, for every string longer than 12 bytes, crosses into native
 * code for a copy of its own before decoding it: at region scale that cost as much as the query
 * (`compliance`, 7,000 rows × 12 columns: 19 ms reading against 17 ms of SQL). Here a column of
 * the common scalar types is read from the vector's memory as typed arrays, and the long strings
 * of a vector are copied out in a few runs of adjacent memory (one native call per run instead
 * of one per string). Other types go through the driver's reader.
 *
 * The memory layout read is DuckDB's C API (duckdb.h): `duckdb_string_t` is 16 bytes — a
 * uint32 length, then the string itself when it is at most 12 bytes, otherwise a 4-byte prefix
 * and a pointer to the bytes; validity is a bit per row, least significant bit first; BOOLEAN
 * is one byte, INTEGER and DATE (days since 1970-01-01) int32, DOUBLE float64, BIGINT int64.
 */
import bindings from '@duckdb/node-bindings';
import { DuckDBDateValue, DuckDBTypeId, JsonDuckDBValueConverter, type DuckDBDataChunk, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';

/** A value of a column as JSON takes it: a string, a number, a boolean, null, or a list or struct of them. */
type Cell = unknown;

/** A result holds few distinct dates (periods, deadlines): each is formatted once. */
const dateText = new Map<number, string>();
function dateOfDays(days: number): string {
  let s = dateText.get(days);
  if (s === undefined) {
    if (dateText.size >= 100_000) dateText.clear();
    dateText.set(days, (s = String(new DuckDBDateValue(days))));
  }
  return s;
}

/** A number as `JSON.stringify` writes it, a non-finite one as text (as the driver's JSON conversion). */
const jsonNumber = (v: number): number | string => (Number.isFinite(v) ? v : String(v));

/** 8 bytes holding a pointer, for `get_data_from_pointer` (which reads the pointer from an ArrayBuffer). */
const POINTER = new ArrayBuffer(8);
const POINTER_VIEW = new DataView(POINTER);

/**
 * Bytes between two strings below which they are copied in one run. Under a page (4 KiB), so a
 * run never spans a page that holds neither string: every byte it copies is on a page that holds
 * one of the result's strings, and so is mapped.
 */
const RUN_GAP = 1024;
/** A run never copies more than this. */
const RUN_MAX = 1 << 22;

/** Whether row `i` is valid (non-NULL): no validity mask means every row is. */
const valid = (mask: Uint8Array | null, i: number) => mask === null || (mask[i >> 3]! & (1 << (i & 7))) !== 0;

function validityOf(vector: bindings.Vector, rows: number): Uint8Array | null {
  const bytes = bindings.vector_get_validity(vector, Math.ceil(rows / 64) * 8);
  return bytes ? bytes : null;
}

/** A VARCHAR vector's `rows` strings into `out` from `at`; `seen`: the column's long strings decoded so far, by their bytes. */
function readVarchar(vector: bindings.Vector, rows: number, out: Cell[], at: number, seen: Map<string, string>): void {
  const mask = validityOf(vector, rows);
  let data = bindings.vector_get_data(vector, rows * 16);
  if (data.byteOffset % 4 !== 0) data = new Uint8Array(data);
  const words = new Uint32Array(data.buffer, data.byteOffset, rows * 4);
  const inline = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // The long strings: their rows, lengths and addresses (below 2^53 on every 64-bit platform Node runs on).
  const longRows = new Int32Array(rows);
  const lengths = new Int32Array(rows);
  const addresses = new Float64Array(rows);
  let n = 0;
  // The last short string decoded: a column repeats the same value down its rows (an
  // organization's code and type on each of its rows); its 16 bytes equal, it is the same text.
  let lastShort = -1;
  for (let i = 0; i < rows; i++) {
    if (!valid(mask, i)) {
      out[at + i] = null;
      continue;
    }
    const w = i * 4;
    const length = words[w]!;
    if (length <= 12) {
      const l = lastShort * 4;
      if (lastShort >= 0 && words[l] === length && words[l + 1] === words[w + 1] && words[l + 2] === words[w + 2] && words[l + 3] === words[w + 3]) {
        out[at + i] = out[at + lastShort];
        continue;
      }
      out[at + i] = length === 0 ? '' : inline.toString('utf8', w * 4 + 4, w * 4 + 4 + length);
      lastShort = i;
      continue;
    }
    const address = words[w + 2]! + words[w + 3]! * 0x1_0000_0000;
    longRows[n] = i;
    lengths[n] = length;
    addresses[n++] = address;
  }
  if (n === 0) return;
  // A result's strings lie in its memory mostly in row order, in a few stretches: runs are taken
  // in row order, a run going on while the next string starts inside it or less than RUN_GAP
  // past its end (so, as said at RUN_GAP, every byte copied is near a string). A string below the
  // run's start starts another run (sorting by address instead cost more than the few runs saved).
  let prev: { bytes: Uint8Array; from: number; length: number; text: string } | null = null;
  let k = 0;
  while (k < n) {
    const start = addresses[k]!;
    let end = start + lengths[k]!;
    let j = k + 1;
    for (; j < n; j++) {
      const a = addresses[j]!;
      const e = a + lengths[j]!;
      if (a < start || a - end >= RUN_GAP || Math.max(end, e) - start > RUN_MAX) break;
      if (e > end) end = e;
    }
    POINTER_VIEW.setUint32(0, start % 0x1_0000_0000, true);
    POINTER_VIEW.setUint32(4, Math.floor(start / 0x1_0000_0000), true);
    const run = bindings.get_data_from_pointer(POINTER, 0, end - start);
    const bytes = Buffer.from(run.buffer, run.byteOffset, run.byteLength);
    for (let s = k; s < j; s++) {
      const from = addresses[s]! - start;
      const length = lengths[s]!;
      const to = from + length;
      // Repeated values (an organization's name on each of its rows) are decoded once: the
      // same bytes as the string before (a column's rows come in runs of one value) are its text
      // again; otherwise looked up by their bytes.
      if (prev !== null && prev.length === length && sameBytes(prev.bytes, prev.from, bytes, from, length)) {
        out[at + longRows[s]!] = prev.text;
        continue;
      }
      const key = bytes.toString('latin1', from, to);
      let text = seen.get(key);
      if (text === undefined) seen.set(key, (text = bytes.toString('utf8', from, to)));
      out[at + longRows[s]!] = text;
      prev = { bytes, from, length, text };
    }
    k = j;
  }
}

/** Whether `length` bytes of `a` from `i` equal those of `b` from `j`. */
function sameBytes(a: Uint8Array, i: number, b: Uint8Array, j: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (a[i + k] !== b[j + k]) return false;
  return true;
}

/** Bytes per value of the fixed-width scalar types read directly; undefined for any other type. */
function widthOf(typeId: DuckDBTypeId): number | undefined {
  switch (typeId) {
    case DuckDBTypeId.BOOLEAN:
      return bindings.sizeof_bool;
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.DATE:
      return 4;
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.BIGINT:
      return 8;
    default:
      return undefined;
  }
}

/** A vector of a fixed-width scalar type (`widthOf`) into `out` from `at`. */
function readScalar(typeId: DuckDBTypeId, width: number, vector: bindings.Vector, rows: number, out: Cell[], at: number): void {
  const mask = validityOf(vector, rows);
  let d = bindings.vector_get_data(vector, rows * width);
  // Typed arrays need aligned offsets; DuckDB's vectors are, but copy rather than throw if not.
  if (d.byteOffset % width !== 0) d = new Uint8Array(d);
  switch (typeId) {
    case DuckDBTypeId.BOOLEAN:
      for (let i = 0; i < rows; i++) out[at + i] = valid(mask, i) ? d[i * width] !== 0 : null;
      return;
    case DuckDBTypeId.INTEGER: {
      const v = new Int32Array(d.buffer, d.byteOffset, rows);
      for (let i = 0; i < rows; i++) out[at + i] = valid(mask, i) ? v[i] : null;
      return;
    }
    case DuckDBTypeId.DATE: {
      const v = new Int32Array(d.buffer, d.byteOffset, rows);
      for (let i = 0; i < rows; i++) out[at + i] = valid(mask, i) ? dateOfDays(v[i]!) : null;
      return;
    }
    case DuckDBTypeId.DOUBLE: {
      const v = new Float64Array(d.buffer, d.byteOffset, rows);
      for (let i = 0; i < rows; i++) out[at + i] = valid(mask, i) ? jsonNumber(v[i]!) : null;
      return;
    }
    case DuckDBTypeId.BIGINT: {
      const v = new BigInt64Array(d.buffer, d.byteOffset, rows);
      for (let i = 0; i < rows; i++) out[at + i] = valid(mask, i) ? Number(v[i]!) : null;
      return;
    }
  }
}

/** A driver's value of a type not read directly, as `getRowObjectsJson` gives it but 64/128-bit integers and decimals as numbers. */
type Convert = (v: DuckDBValue) => unknown;
const same: Convert = (v) => v;
const toNumber: Convert = (v) => (v === null ? null : Number(v));
const CONVERT: Partial<Record<DuckDBTypeId, Convert>> = {
  [DuckDBTypeId.TINYINT]: same,
  [DuckDBTypeId.SMALLINT]: same,
  [DuckDBTypeId.UTINYINT]: same,
  [DuckDBTypeId.USMALLINT]: same,
  [DuckDBTypeId.UINTEGER]: same,
  [DuckDBTypeId.FLOAT]: (v) => (v === null ? null : jsonNumber(v as number)),
  [DuckDBTypeId.HUGEINT]: toNumber,
  [DuckDBTypeId.UBIGINT]: toNumber,
  [DuckDBTypeId.DECIMAL]: (v) => (v === null ? null : Number(String(v))),
};
const convertOf = (type: DuckDBType): Convert => CONVERT[type.typeId] ?? ((v) => JsonDuckDBValueConverter(v, type, JsonDuckDBValueConverter));

/**
 * The columns of `chunks` (all of one result, in order): strings, numbers, booleans and dates
 * (`YYYY-MM-DD`) as the driver's JSON conversion gives them, 64/128-bit integers and decimals as
 * numbers; any other type (lists, structs…) through the driver's own JSON conversion.
 */
export function readColumns(chunks: readonly DuckDBDataChunk[], types: readonly DuckDBType[]): Cell[][] {
  let total = 0;
  for (const ch of chunks) total += ch.rowCount;
  const columns: Cell[][] = types.map(() => new Array(total));
  const seen: Map<string, string>[] = [];
  const converts: (Convert | undefined)[] = [];
  let at = 0;
  for (const ch of chunks) {
    const rows = ch.rowCount;
    if (rows === 0) continue;
    for (let c = 0; c < types.length; c++) {
      const typeId = types[c]!.typeId;
      const vector = bindings.data_chunk_get_vector(ch.chunk, c);
      const width = widthOf(typeId);
      if (typeId === DuckDBTypeId.VARCHAR) readVarchar(vector, rows, columns[c]!, at, (seen[c] ??= new Map()));
      else if (width !== undefined) readScalar(typeId, width, vector, rows, columns[c]!, at);
      else {
        const values = ch.getColumnValues(c);
        const f = (converts[c] ??= convertOf(types[c]!));
        for (let i = 0; i < rows; i++) columns[c]![at + i] = f(values[i]!);
      }
    }
    at += rows;
  }
  return columns;
}
