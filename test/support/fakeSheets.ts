/**
 * A fake Google Sheets v4 / Drive v3 server for tests and the benchmark: node:http on
 * 127.0.0.1, port 0, speaking the real wire format for the calls the `google` source makes,
 * so the real `googleapis` client can be pointed at it with `rootUrl` (GOOGLE_API_ROOT).
 *
 * Routes (GET only):
 *   /v4/spreadsheets/{id}?fields=…&includeGridData=…        kind 'get'
 *   /v4/spreadsheets/{id}/values/{range}                     kind 'values.get'
 *   /v4/spreadsheets/{id}/values:batchGet?ranges=…&ranges=…  kind 'batchGet'
 *   /drive/v3/files/{id}?fields=modifiedTime                 kind 'drive.files.get'
 *
 * Values are stored as UNFORMATTED_VALUE would return them (numbers, strings, booleans, dates
 * as serial numbers). Answers follow Google's habits: trailing empty cells and rows omitted,
 * `values` omitted for an empty range, `range` echoed in A1 with the sheet's grid extent,
 * errors as `{"error":{"code","message","status"}}`.
 *
 * The request log never holds an API key or token: only the path (no query) and whether
 * some credential was present.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cell } from '../../server/sources/types.ts';

export interface FakeTab {
  title: string;
  rows: Cell[][];
  /** 'OBJECT' = a chart sheet: listed by spreadsheets.get, no cells. Default 'GRID'. */
  sheetType?: 'GRID' | 'OBJECT';
}

export interface FakeSpreadsheetInput {
  tabs: FakeTab[];
  /** Drive modifiedTime (RFC 3339). When absent it is bumped to a new, later time. */
  modifiedTime?: string;
  /** The spreadsheet's title (Drive `name`, `properties.title`). */
  title?: string;
}

export type FakeRequestKind = 'get' | 'values.get' | 'batchGet' | 'drive.files.get' | 'unknown';

export interface FakeRequest {
  method: string;
  /** Path without the query string (which may hold the key). */
  path: string;
  kind: FakeRequestKind;
  spreadsheetId: string | null;
  /** Decoded ranges of values.get / batchGet. */
  ranges?: string[];
  /** HTTP status answered; 0 when the connection was dropped on purpose. */
  status: number;
  /** Which credential the request carried (never the credential itself). */
  auth: 'key' | 'bearer' | 'none';
}

export interface FakeSheetsOptions {
  /** Requests per sliding minute; beyond it: 429 RESOURCE_EXHAUSTED. */
  quotaPerMinute?: number;
  /** Retry-After (seconds) sent with quota 429s; none by default, like Google. */
  quotaRetryAfter?: number;
  /** true: a key (`?key=`, `X-Goog-Api-Key`) or a bearer token must be sent; a string: that exact key. */
  requireKey?: boolean | string;
  latencyMs?: number;
  /** The clock of quota windows and automatic modifiedTime. */
  now?: () => number;
}

export interface FailOptions {
  /** Retry-After header: seconds or an HTTP date. */
  retryAfter?: number | string;
  /** Only requests of this kind fail (others pass untouched). */
  kind?: FakeRequestKind;
}

export interface FakeSheets {
  /** Root URL ending with '/': pass as `rootUrl` / GOOGLE_API_ROOT. */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: FakeRequest[];
  /** Delay before answering each request. */
  latencyMs: number;
  setSpreadsheet(id: string, data: FakeSpreadsheetInput): void;
  removeSpreadsheet(id: string): void;
  /** The stored modifiedTime of a spreadsheet. */
  modifiedTime(id: string): string | undefined;
  /** The next `count` requests for `id` ('*' = any) answer `status` (0 = drop the connection). */
  failNext(id: string, status: number, count?: number, opts?: FailOptions): void;
  /** Permanent failure for one spreadsheet (Sheets and Drive); null clears it. */
  setStatus(id: string, status: 403 | 404 | null): void;
  /** Requests matching the filter. */
  count(filter?: { spreadsheetId?: string; kind?: FakeRequestKind }): number;
  clearRequests(): void;
  close(): Promise<void>;
}

interface StoredTab {
  title: string;
  rows: Cell[][];
  sheetType: 'GRID' | 'OBJECT';
  sheetId: number;
}

interface StoredSpreadsheet {
  title: string;
  tabs: StoredTab[];
  modifiedTime: string;
}

interface PendingFailure {
  id: string;
  status: number;
  remaining: number;
  retryAfter: number | string | undefined;
  kind: FakeRequestKind | undefined;
}

const GOOGLE_ERRORS: Record<number, { status: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' },
  401: { status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' },
  403: { status: 'PERMISSION_DENIED', message: 'The caller does not have permission' },
  404: { status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  429: {
    status: 'RESOURCE_EXHAUSTED',
    message:
      "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:0'.",
  },
  500: { status: 'INTERNAL', message: 'Internal error encountered.' },
  502: { status: 'UNAVAILABLE', message: 'Bad Gateway' },
  503: { status: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
  504: { status: 'DEADLINE_EXCEEDED', message: 'The request timed out.' },
};

class HttpError {
  constructor(
    readonly code: number,
    readonly message?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {}
}

export async function startFakeSheets(opts: FakeSheetsOptions = {}): Promise<FakeSheets> {
  const now = opts.now ?? Date.now;
  const store = new Map<string, StoredSpreadsheet>();
  const permanent = new Map<string, number>();
  const pending: PendingFailure[] = [];
  const requests: FakeRequest[] = [];
  const quotaLog: number[] = [];
  let lastStamp = 0;
  let nextSheetId = 1;

  const state = { latencyMs: opts.latencyMs ?? 0 };

  function stamp(): string {
    lastStamp = Math.max(now(), lastStamp + 1);
    return new Date(lastStamp).toISOString();
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug in the fake must be loud in the test, not a hanging request.
      if (!res.headersSent) sendJson(res, 500, errorBody(500, `fake server bug: ${String(err)}`));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const route = classify(url);
    const auth = credentialOf(req, url);
    const entry: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, kind: route.kind, spreadsheetId: route.id, status: 0, auth };
    if (route.ranges !== undefined) entry.ranges = route.ranges;
    requests.push(entry);

    if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));

    const answer = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      entry.status = status;
      sendJson(res, status, body, headers);
    };
    try {
      if (req.method !== 'GET' || route.kind === 'unknown' || route.id === null) {
        throw new HttpError(404, `Method not found (fake): ${req.method ?? ''} ${url.pathname}`);
      }
      checkKey(req, url);
      const id = route.id;
      const perm = permanent.get(id);
      if (perm !== undefined) throw new HttpError(perm, undefined, route.kind === 'drive.files.get' ? driveErrors(perm, id) : {});

      const i = pending.findIndex((p) => (p.id === '*' || p.id === id) && (p.kind === undefined || p.kind === route.kind));
      const failure = i >= 0 ? pending[i] : undefined;
      if (failure !== undefined) {
        failure.remaining--;
        if (failure.remaining <= 0) pending.splice(i, 1);
        if (failure.status === 0) {
          entry.status = 0;
          req.socket.destroy();
          return;
        }
        const headers: Record<string, string> = failure.retryAfter !== undefined ? { 'Retry-After': String(failure.retryAfter) } : {};
        throw new HttpError(failure.status, undefined, {}, headers);
      }

      if (opts.quotaPerMinute !== undefined) {
        const t = now();
        while (quotaLog.length > 0 && (quotaLog[0] as number) <= t - 60_000) quotaLog.shift();
        if (quotaLog.length >= opts.quotaPerMinute) {
          throw new HttpError(429, undefined, {}, opts.quotaRetryAfter !== undefined ? { 'Retry-After': String(opts.quotaRetryAfter) } : {});
        }
        quotaLog.push(t);
      }

      const sheet = store.get(id);
      if (sheet === undefined) {
        throw new HttpError(404, route.kind === 'drive.files.get' ? `File not found: ${id}.` : undefined, route.kind === 'drive.files.get' ? driveErrors(404, id) : {});
      }
      const fields = url.searchParams.get('fields');
      switch (route.kind) {
        case 'drive.files.get':
          answer(200, driveFile(id, sheet, fields));
          return;
        case 'get':
          answer(200, spreadsheetGet(id, sheet, url, fields));
          return;
        case 'values.get': {
          const vr = valueRange(sheet, route.ranges?.[0] ?? '', url.searchParams);
          answer(200, fields !== null ? applyMask(vr, parseFields(fields)) : vr);
          return;
        }
        case 'batchGet': {
          const ranges = route.ranges ?? [];
          const body = { spreadsheetId: id, valueRanges: ranges.map((r) => valueRange(sheet, r, url.searchParams)) };
          answer(200, fields !== null ? applyMask(body, parseFields(fields)) : body);
          return;
        }
      }
    } catch (err) {
      if (err instanceof HttpError) {
        answer(err.code, errorBody(err.code, err.message, err.extra), err.headers);
        return;
      }
      throw err;
    }
  }

  function checkKey(req: http.IncomingMessage, url: URL): void {
    if (opts.requireKey === undefined || opts.requireKey === false) return;
    const header = req.headers['x-goog-api-key'];
    const key = url.searchParams.get('key') ?? (typeof header === 'string' ? header : null);
    const bearer = /^Bearer\s+\S+/i.test(req.headers.authorization ?? '');
    if (key === null && !bearer) throw new HttpError(403, 'The request is missing a valid API key.');
    if (key !== null && typeof opts.requireKey === 'string' && key !== opts.requireKey) {
      throw new HttpError(400, 'API key not valid. Please pass a valid API key.', {
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
      });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(ms: number) {
      state.latencyMs = ms;
    },
    setSpreadsheet(id, data) {
      const prev = store.get(id);
      store.set(id, {
        title: data.title ?? prev?.title ?? `Таблица ${id}`,
        tabs: data.tabs.map((t) => ({
          title: t.title,
          rows: t.rows.map((r) => [...r]),
          sheetType: t.sheetType ?? 'GRID',
          // Keep a tab's sheetId across updates, like Sheets does.
          sheetId: prev?.tabs.find((p) => p.title === t.title)?.sheetId ?? nextSheetId++,
        })),
        modifiedTime: data.modifiedTime ?? stamp(),
      });
    },
    removeSpreadsheet(id) {
      store.delete(id);
    },
    modifiedTime(id) {
      return store.get(id)?.modifiedTime;
    },
    failNext(id, status, count = 1, o = {}) {
      pending.push({ id, status, remaining: count, retryAfter: o.retryAfter, kind: o.kind });
    },
    setStatus(id, status) {
      if (status === null) permanent.delete(id);
      else permanent.set(id, status);
    },
    count(filter = {}) {
      return requests.filter(
        (r) => (filter.spreadsheetId === undefined || r.spreadsheetId === filter.spreadsheetId) && (filter.kind === undefined || r.kind === filter.kind),
      ).length;
    },
    clearRequests() {
      requests.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Requests sleeping in `latencyMs` or kept alive must not hold the test run open.
        server.closeAllConnections();
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

interface Route {
  kind: FakeRequestKind;
  id: string | null;
  ranges?: string[];
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** googleapis builds `rootUrl + v4/spreadsheets/{id}…` with RFC 6570 expansion: each segment is percent-encoded. */
function classify(url: URL): Route {
  const seg = url.pathname.split('/').slice(1);
  if (seg[0] === 'v4' && seg[1] === 'spreadsheets' && seg[2] !== undefined && seg[2] !== '') {
    const id = decode(seg[2]);
    if (seg.length === 3) return { kind: 'get', id };
    if (seg.length === 4 && seg[3] === 'values:batchGet') return { kind: 'batchGet', id, ranges: url.searchParams.getAll('ranges') };
    if (seg.length === 5 && seg[3] === 'values' && seg[4] !== undefined && !seg[4].includes(':')) {
      return { kind: 'values.get', id, ranges: [decode(seg[4])] };
    }
    return { kind: 'unknown', id };
  }
  if (seg[0] === 'drive' && seg[1] === 'v3' && seg[2] === 'files' && seg.length === 4 && seg[3] !== undefined && seg[3] !== '') {
    return { kind: 'drive.files.get', id: decode(seg[3]) };
  }
  return { kind: 'unknown', id: null };
}

function credentialOf(req: http.IncomingMessage, url: URL): FakeRequest['auth'] {
  if (url.searchParams.has('key') || typeof req.headers['x-goog-api-key'] === 'string') return 'key';
  if (/^Bearer\s+\S+/i.test(req.headers.authorization ?? '')) return 'bearer';
  return 'none';
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function errorBody(code: number, message?: string, extra: Record<string, unknown> = {}): unknown {
  const known = GOOGLE_ERRORS[code];
  return { error: { code, message: message ?? known?.message ?? `HTTP ${code}`, status: known?.status ?? 'UNKNOWN', ...extra } };
}

/** Drive v3 errors also carry the legacy `errors[]` array. */
function driveErrors(code: number, id: string): Record<string, unknown> {
  if (code === 404) {
    return { errors: [{ message: `File not found: ${id}.`, domain: 'global', reason: 'notFound', location: 'fileId', locationType: 'parameter' }] };
  }
  if (code === 403) return { errors: [{ message: 'The caller does not have permission', domain: 'global', reason: 'forbidden' }] };
  return {};
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

function driveFile(id: string, sheet: StoredSpreadsheet, fields: string | null): unknown {
  const full = { kind: 'drive#file', id, name: sheet.title, mimeType: 'application/vnd.google-apps.spreadsheet', modifiedTime: sheet.modifiedTime };
  // Without `fields` Drive v3 answers only kind, id, name and mimeType.
  if (fields === null) return { kind: full.kind, id, name: full.name, mimeType: full.mimeType };
  return applyMask(full, parseFields(fields));
}

function gridExtent(tab: StoredTab): { rowCount: number; columnCount: number } {
  const width = tab.rows.reduce((m, r) => Math.max(m, r.length), 0);
  return { rowCount: Math.max(1000, tab.rows.length), columnCount: Math.max(26, width) };
}

function spreadsheetGet(id: string, sheet: StoredSpreadsheet, url: URL, fields: string | null): unknown {
  // As Google documents: includeGridData is ignored when a field mask is set; the mask decides.
  const withData = fields !== null ? /\bdata\b|\*/.test(fields) : url.searchParams.get('includeGridData') === 'true';
  const body = {
    spreadsheetId: id,
    properties: { title: sheet.title, locale: 'ru_RU', timeZone: 'Asia/Irkutsk' },
    sheets: sheet.tabs.map((tab, index) => ({
      properties: {
        sheetId: tab.sheetId,
        title: tab.title,
        index,
        sheetType: tab.sheetType,
        ...(tab.sheetType === 'GRID' ? { gridProperties: gridExtent(tab) } : {}),
      },
      ...(withData && tab.sheetType === 'GRID' ? { data: [gridData(tab)] } : {}),
    })),
    spreadsheetUrl: `https://docs.google.com/spreadsheets/d/${id}/edit`,
  };
  return fields !== null ? applyMask(body, parseFields(fields)) : body;
}

function formatted(v: Cell): string {
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') return String(v).replace('.', ',');
  return v ?? '';
}

function extendedValue(v: Cell): Record<string, unknown> {
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return { stringValue: v ?? '' };
}

/** includeGridData shape: rowData[].values[] with effective/formatted values; empty cells are `{}`. */
function gridData(tab: StoredTab): unknown {
  const rows = trimRows(tab.rows);
  return {
    rowData: rows.map((r) => ({
      values: r.map((v) => (isEmpty(v) ? {} : { userEnteredValue: extendedValue(v), effectiveValue: extendedValue(v), formattedValue: formatted(v) })),
    })),
  };
}

function isEmpty(v: Cell | undefined): boolean {
  return v === null || v === undefined || v === '';
}

/** Google omits trailing empty cells of each row and trailing empty rows; inner gaps become "". */
function trimRows(rows: (Cell | undefined)[][]): Cell[][] {
  const out = rows.map((r) => {
    let end = r.length;
    while (end > 0 && isEmpty(r[end - 1])) end--;
    return r.slice(0, end).map((v) => (v === null || v === undefined ? '' : v));
  });
  while (out.length > 0 && (out[out.length - 1] as Cell[]).length === 0) out.pop();
  return out;
}

interface ParsedRange {
  tab: StoredTab;
  r0: number;
  c0: number;
  /** Inclusive; Infinity = to the end of the grid. */
  r1: number;
  c1: number;
}

function columnIndex(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

function columnLetters(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const m = (n - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

const A1_RE = /^([A-Za-z]{0,3})(\d*)(?::([A-Za-z]{0,3})(\d*))?$/;

function parseA1(a1: string): Omit<ParsedRange, 'tab'> | null {
  const m = A1_RE.exec(a1);
  if (m === null || a1 === '') return null;
  const [, cA = '', rA = '', cB, rB] = m;
  if (cA === '' && rA === '') return null;
  const c0 = cA === '' ? 0 : columnIndex(cA);
  const r0 = rA === '' ? 0 : Number(rA) - 1;
  if (cB === undefined && rB === undefined) {
    // A single cell "B3", a column "B" or a row "3".
    return { r0, c0, r1: rA === '' ? Infinity : r0, c1: cA === '' ? Infinity : c0 };
  }
  const c1 = cB === undefined || cB === '' ? Infinity : columnIndex(cB);
  const r1 = rB === undefined || rB === '' ? Infinity : Number(rB) - 1;
  return { r0, c0, r1, c1 };
}

function parseRange(sheet: StoredSpreadsheet, range: string): ParsedRange {
  let title: string | null = null;
  let a1 = '';
  if (range.startsWith("'")) {
    let i = 1;
    let t = '';
    for (;;) {
      if (i >= range.length) throw new HttpError(400, `Unable to parse range: ${range}`);
      const ch = range[i] as string;
      if (ch === "'") {
        if (range[i + 1] === "'") {
          t += "'";
          i += 2;
          continue;
        }
        i++;
        break;
      }
      t += ch;
      i++;
    }
    title = t;
    const rest = range.slice(i);
    if (rest !== '' && !rest.startsWith('!')) throw new HttpError(400, `Unable to parse range: ${range}`);
    a1 = rest.slice(1);
  } else {
    const bang = range.indexOf('!');
    if (bang >= 0) {
      title = range.slice(0, bang);
      a1 = range.slice(bang + 1);
    } else if (parseA1(range) !== null && !sheet.tabs.some((t) => t.title === range)) {
      a1 = range; // "A1:C5" alone means the first sheet
    } else {
      title = range;
    }
  }
  const tab = title === null ? sheet.tabs[0] : sheet.tabs.find((t) => t.title === title);
  if (tab === undefined || tab.sheetType !== 'GRID') throw new HttpError(400, `Unable to parse range: ${range}`);
  const bounds = a1 === '' ? { r0: 0, c0: 0, r1: Infinity, c1: Infinity } : parseA1(a1);
  if (bounds === null) throw new HttpError(400, `Unable to parse range: ${range}`);
  return { tab, ...bounds };
}

/** Google quotes a title in the `range` it echoes unless it is a plain ASCII identifier. */
function a1Title(title: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(title) && !/^[A-Za-z]{1,3}\d+$/.test(title) ? title : `'${title.replace(/'/g, "''")}'`;
}

function valueRange(sheet: StoredSpreadsheet, range: string, params: URLSearchParams): unknown {
  const p = parseRange(sheet, range);
  const ext = gridExtent(p.tab);
  const r1 = Math.min(p.r1, ext.rowCount - 1);
  const c1 = Math.min(p.c1, ext.columnCount - 1);
  const slice: (Cell | undefined)[][] = [];
  for (let r = p.r0; r <= r1 && r < p.tab.rows.length; r++) {
    const row = p.tab.rows[r] ?? [];
    slice.push(row.slice(p.c0, c1 + 1));
  }
  let values: Cell[][] = trimRows(slice);
  const render = params.get('valueRenderOption') ?? 'FORMATTED_VALUE';
  if (render === 'FORMATTED_VALUE') values = values.map((r) => r.map(formatted));
  const major = params.get('majorDimension') ?? 'ROWS';
  if (major === 'COLUMNS') {
    const width = values.reduce((m, r) => Math.max(m, r.length), 0);
    const cols: Cell[][] = [];
    for (let c = 0; c < width; c++) cols.push(values.map((r) => r[c] ?? ''));
    values = trimRows(cols);
  }
  const echoed = `${a1Title(p.tab.title)}!${columnLetters(p.c0)}${p.r0 + 1}:${columnLetters(c1)}${r1 + 1}`;
  return values.length > 0 ? { range: echoed, majorDimension: major, values } : { range: echoed, majorDimension: major };
}

// ---------------------------------------------------------------------------------------------
// Field masks (partial responses): "a.b(c,d),e", "sheets.properties.title", "*"
// ---------------------------------------------------------------------------------------------

/** A mask node: key → sub-mask, or null = the whole value. */
type Mask = Map<string, Mask | null>;

export function parseFields(text: string): Mask {
  let i = 0;
  const s = text.replace(/\s+/g, '');
  function list(): Mask {
    const mask: Mask = new Map();
    for (;;) {
      item(mask);
      if (s[i] === ',') {
        i++;
        continue;
      }
      return mask;
    }
  }
  function item(into: Mask): void {
    const start = i;
    while (i < s.length && /[A-Za-z0-9_.*/]/.test(s[i] as string)) i++;
    const path = s.slice(start, i).split(/[./]/).filter((x) => x !== '');
    if (path.length === 0) throw new HttpError(400, `Invalid field selection ${text}`);
    let sub: Mask | null = null;
    if (s[i] === '(') {
      i++;
      sub = list();
      if (s[i] !== ')') throw new HttpError(400, `Invalid field selection ${text}`);
      i++;
    }
    let node = into;
    for (let k = 0; k < path.length; k++) {
      const key = path[k] as string;
      const existing = node.get(key);
      if (k === path.length - 1) {
        if (sub === null || existing === null) node.set(key, null);
        else if (existing === undefined) node.set(key, sub);
        else for (const [kk, vv] of sub) existing.set(kk, vv);
        break;
      }
      if (existing === null) break; // the whole value is already selected
      const next: Mask = existing ?? new Map();
      node.set(key, next);
      node = next;
    }
  }
  const mask = list();
  if (i !== s.length) throw new HttpError(400, `Invalid field selection ${text}`);
  return mask;
}

export function applyMask(value: unknown, mask: Mask): unknown {
  if (Array.isArray(value)) return value.map((v) => applyMask(v, mask));
  if (typeof value !== 'object' || value === null) return value;
  if (mask.has('*')) return value;
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of mask) {
    if (!(key in src)) continue;
    out[key] = sub === null ? src[key] : applyMask(src[key], sub);
  }
  return out;
}
