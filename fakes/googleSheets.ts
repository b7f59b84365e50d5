/**
 * A fake Google Sheets v4 / Drive v3 server for tests and the benchmark: node:http on
 * 127.0.0.1, port 0, speaking the real wire format for the calls the `google` source makes
 * and the writes of provisioning and write-back, so the real `googleapis` client can be
 * pointed at it with `rootUrl` (GOOGLE_API_ROOT).
 *
 * Routes:
 *   GET  /v4/spreadsheets/{id}?fields=…&includeGridData=…&ranges=…  kind 'get'
 *   GET  /v4/spreadsheets/{id}/values/{range}                     kind 'values.get'
 *   GET  /v4/spreadsheets/{id}/values:batchGet?ranges=…&ranges=…  kind 'batchGet'
 *   GET  /drive/v3/files/{id}?fields=modifiedTime                 kind 'drive.files.get'
 *   POST /v4/spreadsheets                                         kind 'create'
 *   POST /v4/spreadsheets/{id}:batchUpdate                        kind 'batchUpdate'
 *   PUT  /v4/spreadsheets/{id}/values/{range}?valueInputOption=…  kind 'values.update'
 *   POST /v4/spreadsheets/{id}/values/{range}:clear               kind 'values.clear'
 *   POST /v4/spreadsheets/{id}/values:batchUpdate                 kind 'values.batchUpdate'
 *   POST /drive/v3/files/{id}/permissions                         kind 'drive.permissions.create'
 *
 * Values are stored as UNFORMATTED_VALUE would return them (numbers, strings, booleans, dates
 * as serial numbers). Answers follow Google's habits: trailing empty cells and rows omitted,
 * `values` omitted for an empty range, `range` echoed in A1 with the sheet's grid extent,
 * errors as `{"error":{"code","message","status"}}`. batchUpdate is atomic (all requests or
 * none) and refuses, like Google, a duplicate tab title (regardless of case) or sheetId and cells beyond the grid.
 * Besides values the fake keeps per tab: grid size, frozen rows, protected ranges, data
 * validations, notes and column widths; `spreadsheets.get` returns them (gridProperties,
 * protectedRanges, and `dataValidation`/`note` of cells with includeGridData). Every write
 * bumps the Drive modifiedTime, as Google does.
 *
 * The request log never holds an API key or token: only the method, the path (no query), the
 * query parameters other than credentials, the parsed JSON body, and whether some credential
 * was present.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cell } from '../server/contract/grid.ts';

export interface FakeTab {
  title: string;
  rows: Cell[][];
  /** 'OBJECT' = a chart sheet: listed by spreadsheets.get, no cells. Default 'GRID'. */
  sheetType?: 'GRID' | 'OBJECT';
  /** Frozen rows (gridProperties.frozenRowCount). Default 0. */
  frozenRowCount?: number;
  /** Grid size; default: at least 1000 × 26, and always enough for `rows`. */
  rowCount?: number;
  columnCount?: number;
  /** Merged ranges (a tab's `merges`): as in Google, `rows` holds a merged range's value in its top-left cell only. */
  merges?: FakeGridRange[];
  /** Hidden from the sheet's tab bar (`properties.hidden`). */
  hidden?: boolean;
  /**
   * Number formats of ranges (Формат → Число), the last one over a cell wins: a number cell of a
   * range answers its `effectiveFormat.numberFormat` and a `formattedValue` as the sheet shows it
   * (PERCENT: 0.09 → «9%», the value stays 0.09 — what Sheets keeps when «9%» is typed; DATE:
   * 44985 → «28.02.2023», what Sheets keeps when a date is typed).
   */
  numberFormats?: { range: FakeGridRange; type: FakeNumberFormat }[];
}

/** The number formats the fake renders (Sheets' NumberFormatType). */
export type FakeNumberFormat = 'NUMBER' | 'PERCENT' | 'CURRENCY' | 'DATE' | 'TEXT';

export interface FakeSpreadsheetInput {
  tabs: FakeTab[];
  /** Drive modifiedTime (RFC 3339). When absent it is bumped to a new, later time. */
  modifiedTime?: string;
  /** The spreadsheet's title (Drive `name`, `properties.title`). */
  title?: string;
}

export type FakeRequestKind =
  | 'get'
  | 'values.get'
  | 'batchGet'
  | 'drive.files.get'
  | 'drive.files.list'
  | 'create'
  | 'batchUpdate'
  | 'values.update'
  | 'values.clear'
  | 'values.batchUpdate'
  | 'drive.permissions.create'
  /** `POST /token`: a service account's JWT exchanged for an access token (its key's `token_uri` pointing here). */
  | 'token'
  | 'unknown';

/** The kinds that change a spreadsheet (refused by `setReadOnly`). */
export const WRITE_KINDS: readonly FakeRequestKind[] = ['batchUpdate', 'values.update', 'values.clear', 'values.batchUpdate', 'drive.permissions.create'];

export interface FakeRequest {
  method: string;
  /** Path without the query string (which may hold the key). */
  path: string;
  kind: FakeRequestKind;
  spreadsheetId: string | null;
  /** Decoded ranges of values.get / batchGet / get?ranges= / values.update / values.clear. */
  ranges?: string[];
  /** Query parameters except credentials (`key`, `access_token`). */
  params?: Record<string, string | string[]>;
  /** The parsed JSON body of a POST/PUT. */
  body?: unknown;
  /** HTTP status answered; 0 when the connection was dropped on purpose. */
  status: number;
  /** Which credential the request carried (never the credential itself). */
  auth: 'key' | 'bearer' | 'none';
}

export interface FakeSheetsOptions {
  /** Requests per sliding minute, all kinds together; beyond it: 429 RESOURCE_EXHAUSTED. */
  quotaPerMinute?: number;
  /**
   * Google's quotas as Google counts them, per sliding minute (issue #18): Sheets reads per
   * user (a service account or an API key is one user) and per project, Sheets writes per
   * user, Drive calls per user; beyond any of them: 429 RESOURCE_EXHAUSTED naming the quota.
   */
  quotas?: { sheetsReadsPerUser?: number; sheetsReadsPerProject?: number; sheetsWritesPerUser?: number; drivePerUser?: number };
  /** Retry-After (seconds) sent with quota 429s; none by default, like Google. */
  quotaRetryAfter?: number;
  /** true: a key (`?key=`, `X-Goog-Api-Key`) or a bearer token must be sent; a string: that exact key. */
  requireKey?: boolean | string;
  latencyMs?: number;
  /** The clock of quota windows and automatic modifiedTime. */
  now?: () => number;
}

/** A raw answer in place of the normal one: what Google never sends (a proxy's page, a cut body, a flood). */
export interface RawAnswer {
  /** Only requests of this kind get it (others pass untouched). */
  kind?: FakeRequestKind;
  /** Default 200. */
  status?: number;
  /** The body as sent, byte for byte. */
  body: string;
  /** Default `text/html; charset=utf-8`. */
  contentType?: string;
  /** Send without Content-Length (chunked), in pieces of 16 KiB. */
  chunked?: boolean;
}

export interface FailOptions {
  /** Retry-After header: seconds or an HTTP date. */
  retryAfter?: number | string;
  /** Only requests of this kind fail (others pass untouched). */
  kind?: FakeRequestKind;
  /**
   * With status 0 (the connection dropped): the request is carried out first, then its answer
   * lost — a write Google applied whose client never heard so.
   */
  applied?: boolean;
}

/** A Sheets GridRange (0-based, end exclusive; a missing index is unbounded). */
export interface FakeGridRange {
  sheetId?: number;
  startRowIndex?: number;
  endRowIndex?: number;
  startColumnIndex?: number;
  endColumnIndex?: number;
}

export interface FakeProtectedRange {
  protectedRangeId: number;
  range?: FakeGridRange;
  description?: string;
  warningOnly?: boolean;
  [k: string]: unknown;
}

export interface FakePermission {
  id: string;
  type: string;
  role: string;
  emailAddress?: string;
}

/** A snapshot of one stored tab (for assertions). */
export interface FakeTabState {
  title: string;
  sheetId: number;
  sheetType: 'GRID' | 'OBJECT';
  rows: Cell[][];
  rowCount: number;
  columnCount: number;
  frozenRowCount: number;
  protectedRanges: FakeProtectedRange[];
  /** In the order set; a later one wins where they overlap; `rule: null` clears. */
  validations: { range: FakeGridRange; rule: Record<string, unknown> | null }[];
  /** "row:column" (0-based) → note. */
  notes: Record<string, string>;
  /** Column index → pixel width. */
  columnWidths: Record<number, number>;
}

export interface FakeSpreadsheetState {
  id: string;
  title: string;
  locale: string;
  timeZone: string;
  modifiedTime: string;
  tabs: FakeTabState[];
  permissions: FakePermission[];
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
  /** The next `count` requests for `id` ('*' = any) get this raw answer (checked after failNext). */
  answerNext(id: string, answer: RawAnswer, count?: number): void;
  /** Renames a tab, as a school would; bumps modifiedTime. */
  renameTab(id: string, from: string, to: string): void;
  /** Sets a tab's grid size (rows × columns), keeping its values; bumps modifiedTime. */
  setGridSize(id: string, title: string, rowCount: number, columnCount: number): void;
  /**
   * Makes a cell (0-based) a link, as Sheets returns one with includeGridData: `chip` a file
   * smart chip (`chipRuns[].chip.richLinkProperties.uri`; the user-entered text is the chip's
   * «@» placeholder, the shown text stays the cell's value), `hyperlink` a linked text
   * (`hyperlink`). Bumps modifiedTime.
   */
  setCellLink(id: string, title: string, row: number, column: number, link: { chip?: string; hyperlink?: string }): void;
  /** Permanent failure for one spreadsheet (Sheets and Drive); null clears it. */
  setStatus(id: string, status: 403 | 404 | null): void;
  /** Writes to this spreadsheet answer 403 PERMISSION_DENIED (a reader's access); reads still work. */
  setReadOnly(id: string, readOnly: boolean): void;
  /** A deep copy of what is stored (values, grid, frozen rows, protections, validations, notes, widths). */
  spreadsheet(id: string): FakeSpreadsheetState | undefined;
  /** Spreadsheet IDs created through `POST /v4/spreadsheets`, in order. */
  readonly created: string[];
  /** Replaces one tab's values, keeping everything else (as a school typing); bumps modifiedTime. */
  setTabRows(id: string, title: string, rows: Cell[][]): void;
  /** Deletes a tab, as a school would. */
  deleteTab(id: string, title: string): void;
  /** Deletes a column (0-based) of a tab: cells, notes, widths and validations to its right shift left. */
  deleteColumn(id: string, title: string, column: number): void;
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
  /** Explicit grid size (create, addSheet, appendDimension, updateSheetProperties); null = by the rows. */
  rowCount: number | null;
  columnCount: number | null;
  frozenRowCount: number;
  hidden: boolean;
  protectedRanges: FakeProtectedRange[];
  merges: FakeGridRange[];
  numberFormats: { range: FakeGridRange; type: FakeNumberFormat }[];
  validations: { range: FakeGridRange; rule: Record<string, unknown> | null }[];
  notes: Map<string, string>;
  /** Links of cells by `row:column` (setCellLink). */
  links: Map<string, { chip?: string; hyperlink?: string }>;
  columnWidths: Map<number, number>;
}

interface StoredSpreadsheet {
  title: string;
  locale: string;
  timeZone: string;
  tabs: StoredTab[];
  modifiedTime: string;
  permissions: FakePermission[];
}

interface PendingFailure {
  id: string;
  status: number;
  remaining: number;
  retryAfter: number | string | undefined;
  kind: FakeRequestKind | undefined;
  applied: boolean;
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

function newTab(title: string, sheetId: number, rows: Cell[][] = [], sheetType: 'GRID' | 'OBJECT' = 'GRID'): StoredTab {
  return {
    title,
    rows,
    sheetType,
    sheetId,
    rowCount: null,
    columnCount: null,
    frozenRowCount: 0,
    hidden: false,
    protectedRanges: [],
    merges: [],
    numberFormats: [],
    validations: [],
    notes: new Map(),
    links: new Map(),
    columnWidths: new Map(),
  };
}

export async function startFakeSheets(opts: FakeSheetsOptions = {}): Promise<FakeSheets> {
  const now = opts.now ?? Date.now;
  const store = new Map<string, StoredSpreadsheet>();
  const permanent = new Map<string, number>();
  const readOnly = new Set<string>();
  const pending: PendingFailure[] = [];
  const rawPending: { id: string; answer: RawAnswer; remaining: number }[] = [];
  const requests: FakeRequest[] = [];
  const created: string[] = [];
  const quotaLog: number[] = [];
  let lastStamp = 0;
  let nextSheetId = 1;
  const counters = { spreadsheet: 0, protectedRange: 0, permission: 0, token: 0 };

  const state = { latencyMs: opts.latencyMs ?? 0 };

  function stamp(): string {
    lastStamp = Math.max(now(), lastStamp + 1);
    return new Date(lastStamp).toISOString();
  }

  const ids = { nextSheetId: () => nextSheetId++, nextProtectedRangeId: () => ++counters.protectedRange + 100_000 };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug in the fake must be loud in the test, not a hanging request.
      if (!res.headersSent) sendJson(res, 500, errorBody(500, `fake server bug: ${String(err)}`));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const method = req.method ?? 'GET';
    const route = classify(method, url);
    const auth = credentialOf(req, url);
    const entry: FakeRequest = { method, path: url.pathname, kind: route.kind, spreadsheetId: route.id, status: 0, auth };
    if (route.ranges !== undefined) entry.ranges = route.ranges;
    const params = paramsOf(url);
    if (Object.keys(params).length > 0) entry.params = params;
    requests.push(entry);
    let body: unknown;
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      const text = await readBody(req);
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
        entry.body = body;
      }
    }

    if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));

    /** A failure carried out before its answer is lost (FailOptions.applied). */
    let loseAnswer = false;
    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      if (loseAnswer) {
        entry.status = 0;
        req.socket.destroy();
        return;
      }
      entry.status = status;
      sendJson(res, status, payload, headers);
    };
    try {
      if (route.kind === 'unknown' || (route.id === null && route.kind !== 'create' && route.kind !== 'drive.files.list' && route.kind !== 'token')) {
        throw new HttpError(404, `Method not found (fake): ${method} ${url.pathname}`);
      }
      // The token request carries the signed JWT in its form, no key or token of its own.
      if (route.kind !== 'token') checkKey(req, url);
      const id = route.id ?? '*';
      const perm = route.id === null ? undefined : permanent.get(id);
      if (perm !== undefined) throw new HttpError(perm, undefined, route.kind.startsWith('drive.') ? driveErrors(perm, id) : {});

      const i = pending.findIndex((p) => (p.id === '*' || p.id === id) && (p.kind === undefined || p.kind === route.kind));
      const failure = i >= 0 ? pending[i] : undefined;
      if (failure !== undefined) {
        failure.remaining--;
        if (failure.remaining <= 0) pending.splice(i, 1);
        if (failure.status === 0 && failure.applied) {
          loseAnswer = true;
        } else if (failure.status === 0) {
          entry.status = 0;
          req.socket.destroy();
          return;
        } else {
          const headers: Record<string, string> = failure.retryAfter !== undefined ? { 'Retry-After': String(failure.retryAfter) } : {};
          throw new HttpError(failure.status, undefined, {}, headers);
        }
      }

      const r = rawPending.findIndex((p) => (p.id === '*' || p.id === id) && (p.answer.kind === undefined || p.answer.kind === route.kind));
      if (r >= 0) {
        const raw = rawPending[r]!;
        raw.remaining--;
        if (raw.remaining <= 0) rawPending.splice(r, 1);
        entry.status = raw.answer.status ?? 200;
        sendRaw(res, raw.answer);
        return;
      }

      if (opts.quotas !== undefined) chargeQuotas(route.kind, userOf(req, url));

      if (opts.quotaPerMinute !== undefined) {
        const t = now();
        while (quotaLog.length > 0 && (quotaLog[0] as number) <= t - 60_000) quotaLog.shift();
        if (quotaLog.length >= opts.quotaPerMinute) {
          throw new HttpError(429, undefined, {}, opts.quotaRetryAfter !== undefined ? { 'Retry-After': String(opts.quotaRetryAfter) } : {});
        }
        quotaLog.push(t);
      }

      if (route.kind === 'token') {
        // As Google's endpoint: the JWT-bearer grant, an assertion naming its service account (`iss`).
        const form = new URLSearchParams(typeof body === 'string' ? body : '');
        const iss = (() => {
          try {
            const payload = JSON.parse(Buffer.from((form.get('assertion') ?? '').split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
            return typeof payload.iss === 'string' ? payload.iss : null;
          } catch {
            return null;
          }
        })();
        if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || iss === null) {
          entry.status = 400;
          sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
          return;
        }
        answer(200, { access_token: `fake-access.${Buffer.from(iss).toString('base64url')}.${++counters.token}`, expires_in: 3600, token_type: 'Bearer' });
        return;
      }

      const fields = url.searchParams.get('fields');
      if (route.kind === 'drive.files.list') {
        answer(200, driveList(store, permanent, url.searchParams, fields));
        return;
      }
      if (route.kind === 'create') {
        const newId = `1FakeCreated${String(++counters.spreadsheet).padStart(4, '0')}_AbCdEfGhIj`;
        const sheet = createSpreadsheet(body, ids, stamp());
        store.set(newId, sheet);
        created.push(newId);
        const full = spreadsheetGet(newId, sheet, new URLSearchParams(), null);
        answer(200, fields !== null ? applyMask(full, parseFields(fields)) : full);
        return;
      }

      const sheet = store.get(id);
      if (sheet === undefined) {
        const drive = route.kind.startsWith('drive.');
        throw new HttpError(404, drive ? `File not found: ${id}.` : undefined, drive ? driveErrors(404, id) : {});
      }
      if (WRITE_KINDS.includes(route.kind) && readOnly.has(id)) {
        throw new HttpError(403, undefined, route.kind.startsWith('drive.') ? driveErrors(403, id) : {});
      }
      switch (route.kind) {
        case 'drive.files.get':
          answer(200, driveFile(id, sheet, fields));
          return;
        case 'get': {
          const full = spreadsheetGet(id, sheet, url.searchParams, fields);
          answer(200, fields !== null ? applyMask(full, parseFields(fields)) : full);
          return;
        }
        case 'values.get': {
          const vr = valueRange(sheet, route.ranges?.[0] ?? '', url.searchParams);
          answer(200, fields !== null ? applyMask(vr, parseFields(fields)) : vr);
          return;
        }
        case 'batchGet': {
          const ranges = route.ranges ?? [];
          const out = { spreadsheetId: id, valueRanges: ranges.map((r) => valueRange(sheet, r, url.searchParams)) };
          answer(200, fields !== null ? applyMask(out, parseFields(fields)) : out);
          return;
        }
        case 'batchUpdate': {
          const { next, replies } = applyBatchUpdate(sheet, body, ids);
          next.modifiedTime = stamp();
          store.set(id, next);
          const out: Record<string, unknown> = { spreadsheetId: id, replies };
          if (isRecord(body) && body['includeSpreadsheetInResponse'] === true) out['updatedSpreadsheet'] = spreadsheetGet(id, next, new URLSearchParams(), null);
          answer(200, out);
          return;
        }
        case 'values.update': {
          const option = url.searchParams.get('valueInputOption');
          const out = writeValues(sheet, route.ranges?.[0] ?? '', body, option);
          sheet.modifiedTime = stamp();
          answer(200, { spreadsheetId: id, ...out });
          return;
        }
        case 'values.batchUpdate': {
          const data = isRecord(body) && Array.isArray(body['data']) ? body['data'] : [];
          const option = isRecord(body) && typeof body['valueInputOption'] === 'string' ? body['valueInputOption'] : null;
          const responses = data.map((d) => ({ spreadsheetId: id, ...writeValues(sheet, isRecord(d) ? String(d['range'] ?? '') : '', d, option) }));
          sheet.modifiedTime = stamp();
          answer(200, { spreadsheetId: id, totalUpdatedCells: responses.reduce((n, r) => n + r.updatedCells, 0), responses });
          return;
        }
        case 'values.clear': {
          const p = parseRange(sheet, route.ranges?.[0] ?? '');
          const ext = gridExtent(p.tab);
          for (let r = p.r0; r <= Math.min(p.r1, p.tab.rows.length - 1); r++) {
            const row = p.tab.rows[r] ?? [];
            for (let c = p.c0; c <= Math.min(p.c1, row.length - 1); c++) row[c] = null;
          }
          sheet.modifiedTime = stamp();
          answer(200, { spreadsheetId: id, clearedRange: `${a1Title(p.tab.title)}!${columnLetters(p.c0)}${p.r0 + 1}:${columnLetters(Math.min(p.c1, ext.columnCount - 1))}${Math.min(p.r1, ext.rowCount - 1) + 1}` });
          return;
        }
        case 'drive.permissions.create': {
          if (!isRecord(body) || typeof body['role'] !== 'string' || typeof body['type'] !== 'string') {
            throw new HttpError(400, 'The permission role and type fields are required.');
          }
          const perm: FakePermission = { id: `perm${++counters.permission}`, type: body['type'], role: body['role'] };
          if (typeof body['emailAddress'] === 'string') perm.emailAddress = body['emailAddress'];
          sheet.permissions.push(perm);
          const full = { kind: 'drive#permission', ...perm };
          answer(200, fields !== null ? applyMask(full, parseFields(fields)) : full);
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

  /** Sliding-minute logs of the quotas (`opts.quotas`), by quota and user. */
  const quotaLogs = new Map<string, number[]>();

  /** Who Google would count a request against: the API key, or the service account of a bearer JWT. */
  function userOf(req: http.IncomingMessage, url: URL): string {
    const header = req.headers['x-goog-api-key'];
    const key = url.searchParams.get('key') ?? (typeof header === 'string' ? header : null);
    if (key !== null) return `key:${key}`;
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer === undefined) return 'anonymous';
    try {
      const payload = JSON.parse(Buffer.from(bearer.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
      if (typeof payload.iss === 'string') return `sa:${payload.iss}`;
    } catch {
      // not a JWT: the token itself is the user
    }
    return `bearer:${bearer}`;
  }

  /** Counts the request against its quotas, or refuses it with 429 as Google does. */
  function chargeQuotas(kind: FakeRequestKind, user: string): void {
    const q = opts.quotas!;
    const api = kind.startsWith('drive.') ? 'drive' : WRITE_KINDS.includes(kind) || kind === 'create' ? 'write' : 'read';
    const limits: { key: string; limit: number | undefined; name: string }[] =
      api === 'read'
        ? [
            { key: `read|${user}`, limit: q.sheetsReadsPerUser, name: "'Read requests per minute per user'" },
            { key: 'read|project', limit: q.sheetsReadsPerProject, name: "'Read requests per minute'" },
          ]
        : api === 'write'
          ? [{ key: `write|${user}`, limit: q.sheetsWritesPerUser, name: "'Write requests per minute per user'" }]
          : [{ key: `drive|${user}`, limit: q.drivePerUser, name: "'Queries per minute per user'" }];
    const t = now();
    for (const l of limits) {
      if (l.limit === undefined) continue;
      const log = quotaLogs.get(l.key) ?? [];
      while (log.length > 0 && (log[0] as number) <= t - 60_000) log.shift();
      quotaLogs.set(l.key, log);
      if (log.length >= l.limit) {
        const service = api === 'drive' ? 'drive.googleapis.com' : 'sheets.googleapis.com';
        throw new HttpError(429, `Quota exceeded for quota metric '${api === 'drive' ? 'Queries' : api === 'write' ? 'Write requests' : 'Read requests'}' and limit ${l.name} of service '${service}' for consumer 'project_number:0'.`);
      }
    }
    for (const l of limits) if (l.limit !== undefined) quotaLogs.get(l.key)!.push(t);
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

  function tabOf(id: string, title: string): { sheet: StoredSpreadsheet; tab: StoredTab } {
    const sheet = store.get(id);
    const tab = sheet?.tabs.find((t) => t.title === title);
    if (!sheet || !tab) throw new Error(`fake: no tab «${title}» in ${id}`);
    return { sheet, tab };
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
    created,
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
        locale: prev?.locale ?? 'ru_RU',
        timeZone: prev?.timeZone ?? 'Asia/Irkutsk',
        tabs: data.tabs.map((t) => {
          // Keep a tab's sheetId across updates, like Sheets does.
          const tab = newTab(t.title, prev?.tabs.find((p) => p.title === t.title)?.sheetId ?? nextSheetId++, t.rows.map((r) => [...r]), t.sheetType ?? 'GRID');
          tab.frozenRowCount = t.frozenRowCount ?? 0;
          tab.merges = (t.merges ?? []).map((m) => ({ sheetId: tab.sheetId, ...m }));
          tab.numberFormats = (t.numberFormats ?? []).map((f) => ({ range: f.range, type: f.type }));
          tab.hidden = t.hidden ?? false;
          tab.rowCount = t.rowCount ?? null;
          tab.columnCount = t.columnCount ?? null;
          return tab;
        }),
        modifiedTime: data.modifiedTime ?? stamp(),
        permissions: prev?.permissions ?? [],
      });
    },
    removeSpreadsheet(id) {
      store.delete(id);
    },
    modifiedTime(id) {
      return store.get(id)?.modifiedTime;
    },
    failNext(id, status, count = 1, o = {}) {
      pending.push({ id, status, remaining: count, retryAfter: o.retryAfter, kind: o.kind, applied: o.applied === true });
    },
    answerNext(id, answer, count = 1) {
      rawPending.push({ id, answer, remaining: count });
    },
    renameTab(id, from, to) {
      const sheet = store.get(id);
      const tab = sheet?.tabs.find((t) => t.title === from);
      if (!sheet || !tab) throw new Error(`fake: no tab «${from}» in ${id}`);
      tab.title = to;
      sheet.modifiedTime = stamp();
    },
    setGridSize(id, title, rowCount, columnCount) {
      const sheet = store.get(id);
      const tab = sheet?.tabs.find((t) => t.title === title);
      if (!sheet || !tab) throw new Error(`fake: no tab «${title}» in ${id}`);
      tab.rowCount = rowCount;
      tab.columnCount = columnCount;
      sheet.modifiedTime = stamp();
    },
    setCellLink(id, title, row, column, link) {
      const sheet = store.get(id);
      const tab = sheet?.tabs.find((t) => t.title === title);
      if (!sheet || !tab) throw new Error(`fake: no tab «${title}» in ${id}`);
      tab.links.set(`${row}:${column}`, link);
      sheet.modifiedTime = stamp();
    },
    setStatus(id, status) {
      if (status === null) permanent.delete(id);
      else permanent.set(id, status);
    },
    setReadOnly(id, on) {
      if (on) readOnly.add(id);
      else readOnly.delete(id);
    },
    spreadsheet(id) {
      const s = store.get(id);
      if (!s) return undefined;
      return {
        id,
        title: s.title,
        locale: s.locale,
        timeZone: s.timeZone,
        modifiedTime: s.modifiedTime,
        permissions: structuredClone(s.permissions),
        tabs: s.tabs.map((t) => {
          const ext = gridExtent(t);
          return {
            title: t.title,
            sheetId: t.sheetId,
            sheetType: t.sheetType,
            rows: structuredClone(t.rows),
            rowCount: ext.rowCount,
            columnCount: ext.columnCount,
            frozenRowCount: t.frozenRowCount,
            protectedRanges: structuredClone(t.protectedRanges),
            validations: structuredClone(t.validations),
            notes: Object.fromEntries(t.notes),
            columnWidths: Object.fromEntries(t.columnWidths),
          };
        }),
      };
    },
    setTabRows(id, title, rows) {
      const { sheet, tab } = tabOf(id, title);
      tab.rows = rows.map((r) => [...r]);
      sheet.modifiedTime = stamp();
    },
    deleteTab(id, title) {
      const { sheet, tab } = tabOf(id, title);
      sheet.tabs = sheet.tabs.filter((t) => t !== tab);
      sheet.modifiedTime = stamp();
    },
    deleteColumn(id, title, column) {
      const { sheet, tab } = tabOf(id, title);
      for (const row of tab.rows) if (row.length > column) row.splice(column, 1);
      const shift = (m: Map<number, number>) => new Map([...m].filter(([c]) => c !== column).map(([c, v]) => [c > column ? c - 1 : c, v] as [number, number]));
      tab.columnWidths = shift(tab.columnWidths);
      const notes = new Map<string, string>();
      for (const [k, v] of tab.notes) {
        const [r, c] = k.split(':').map(Number) as [number, number];
        if (c !== column) notes.set(`${r}:${c > column ? c - 1 : c}`, v);
      }
      tab.notes = notes;
      const shrink = (range: FakeGridRange | undefined): FakeGridRange | null => {
        if (!range) return null;
        const s = range.startColumnIndex ?? 0;
        const e = range.endColumnIndex ?? Infinity;
        if (e <= column) return range;
        if (s > column) return { ...range, startColumnIndex: s - 1, ...(range.endColumnIndex !== undefined ? { endColumnIndex: e - 1 } : {}) };
        if (e !== Infinity && e - 1 <= s) return null; // the range was only this column
        return { ...range, ...(range.endColumnIndex !== undefined ? { endColumnIndex: e - 1 } : {}) };
      };
      tab.validations = tab.validations.flatMap((v) => {
        const range = shrink(v.range);
        return range ? [{ ...v, range }] : [];
      });
      tab.protectedRanges = tab.protectedRanges.flatMap((p) => {
        if (!p.range) return [p];
        const range = shrink(p.range);
        return range ? [{ ...p, range }] : [];
      });
      if (tab.columnCount !== null) tab.columnCount--;
      sheet.modifiedTime = stamp();
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

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function paramsOf(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    if (key === 'key' || key === 'access_token') continue;
    const all = url.searchParams.getAll(key);
    out[key] = all.length === 1 ? (all[0] as string) : all;
  }
  return out;
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
function classify(method: string, url: URL): Route {
  const seg = url.pathname.split('/').slice(1);
  if (seg[0] === 'v4' && seg[1] === 'spreadsheets') {
    if ((seg.length === 2 || (seg.length === 3 && seg[2] === '')) && method === 'POST') return { kind: 'create', id: null };
    if (seg[2] === undefined || seg[2] === '') return { kind: 'unknown', id: null };
    if (seg.length === 3 && seg[2].endsWith(':batchUpdate')) {
      return method === 'POST' ? { kind: 'batchUpdate', id: decode(seg[2].slice(0, -':batchUpdate'.length)) } : { kind: 'unknown', id: null };
    }
    const id = decode(seg[2]);
    if (seg.length === 3) {
      if (method !== 'GET') return { kind: 'unknown', id };
      const ranges = url.searchParams.getAll('ranges');
      return ranges.length > 0 ? { kind: 'get', id, ranges } : { kind: 'get', id };
    }
    if (seg.length === 4 && seg[3] === 'values:batchGet' && method === 'GET') return { kind: 'batchGet', id, ranges: url.searchParams.getAll('ranges') };
    if (seg.length === 4 && seg[3] === 'values:batchUpdate' && method === 'POST') return { kind: 'values.batchUpdate', id };
    if (seg.length === 5 && seg[3] === 'values' && seg[4] !== undefined) {
      if (seg[4].endsWith(':clear') && method === 'POST') return { kind: 'values.clear', id, ranges: [decode(seg[4].slice(0, -':clear'.length))] };
      if (!seg[4].includes(':') || decode(seg[4]).includes('!') || /%3A/i.test(seg[4])) {
        if (method === 'GET') return { kind: 'values.get', id, ranges: [decode(seg[4])] };
        if (method === 'PUT') return { kind: 'values.update', id, ranges: [decode(seg[4])] };
      }
    }
    return { kind: 'unknown', id };
  }
  if (seg.length === 1 && seg[0] === 'token' && method === 'POST') return { kind: 'token', id: null };
  if (seg[0] === 'drive' && seg[1] === 'v3' && seg[2] === 'files' && (seg[3] === undefined || seg[3] === '') && method === 'GET') {
    return { kind: 'drive.files.list', id: null };
  }
  if (seg[0] === 'drive' && seg[1] === 'v3' && seg[2] === 'files' && seg[3] !== undefined && seg[3] !== '') {
    if (seg.length === 4 && method === 'GET') return { kind: 'drive.files.get', id: decode(seg[3]) };
    if (seg.length === 5 && seg[4] === 'permissions' && method === 'POST') return { kind: 'drive.permissions.create', id: decode(seg[3]) };
  }
  return { kind: 'unknown', id: null };
}

function credentialOf(req: http.IncomingMessage, url: URL): FakeRequest['auth'] {
  if (url.searchParams.has('key') || typeof req.headers['x-goog-api-key'] === 'string') return 'key';
  if (/^Bearer\s+\S+/i.test(req.headers.authorization ?? '')) return 'bearer';
  return 'none';
}

function sendRaw(res: http.ServerResponse, a: RawAnswer): void {
  const body = Buffer.from(a.body, 'utf8');
  const type = { 'Content-Type': a.contentType ?? 'text/html; charset=utf-8' };
  if (!a.chunked) {
    res.writeHead(a.status ?? 200, { ...type, 'Content-Length': body.length });
    res.end(body);
    return;
  }
  res.writeHead(a.status ?? 200, type);
  for (let i = 0; i < body.length; i += 16_384) res.write(body.subarray(i, i + 16_384));
  res.end();
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
// Writes: create, batchUpdate, values.update
// ---------------------------------------------------------------------------------------------

interface IdSource {
  nextSheetId: () => number;
  nextProtectedRangeId: () => number;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function fromExtended(v: unknown): Cell {
  if (!isRecord(v)) return null;
  if (typeof v['stringValue'] === 'string') return v['stringValue'];
  if (typeof v['numberValue'] === 'number') return v['numberValue'];
  if (typeof v['boolValue'] === 'boolean') return v['boolValue'];
  if (typeof v['formulaValue'] === 'string') return v['formulaValue'];
  return null;
}

function setCell(tab: StoredTab, r: number, c: number, v: Cell): void {
  while (tab.rows.length <= r) tab.rows.push([]);
  const row = tab.rows[r] as Cell[];
  while (row.length <= c) row.push(null);
  row[c] = v;
}

/** The fields of an update mask (`userEnteredValue,note`, `*`). */
function fieldSet(fields: unknown): (name: string) => boolean {
  const list = typeof fields === 'string' ? fields.split(',').map((f) => f.trim()).filter((f) => f !== '') : [];
  if (list.length === 0) throw new HttpError(400, 'At least one field must be specified.');
  return (name) => list.includes('*') || list.some((f) => f === name || f.startsWith(`${name}.`));
}

/** Writes GridData blocks (create) or UpdateCells rows at (r0, c0). */
function writeRows(tab: StoredTab, r0: number, c0: number, rows: unknown, has: (name: string) => boolean): void {
  if (!Array.isArray(rows)) return;
  rows.forEach((row, i) => {
    const values = isRecord(row) && Array.isArray(row['values']) ? row['values'] : [];
    values.forEach((cell, j) => {
      const r = r0 + i;
      const c = c0 + j;
      const cd = isRecord(cell) ? cell : {};
      if (has('userEnteredValue')) setCell(tab, r, c, fromExtended(cd['userEnteredValue']));
      if (has('note')) {
        if (typeof cd['note'] === 'string' && cd['note'] !== '') tab.notes.set(`${r}:${c}`, cd['note']);
        else tab.notes.delete(`${r}:${c}`);
      }
      if (has('dataValidation') && isRecord(cd['dataValidation'])) {
        tab.validations.push({ range: { sheetId: tab.sheetId, startRowIndex: r, endRowIndex: r + 1, startColumnIndex: c, endColumnIndex: c + 1 }, rule: cd['dataValidation'] });
      }
    });
  });
}

function rowsExtent(rows: unknown): { height: number; width: number } {
  if (!Array.isArray(rows)) return { height: 0, width: 0 };
  let width = 0;
  for (const row of rows) width = Math.max(width, isRecord(row) && Array.isArray(row['values']) ? row['values'].length : 0);
  return { height: rows.length, width };
}

function a1Of(tab: StoredTab, r0: number, c0: number, r1: number, c1: number): string {
  return `'${tab.title}'!${columnLetters(c0)}${r0 + 1}:${columnLetters(c1)}${r1 + 1}`;
}

/** Google refuses ranges beyond the grid: "Range (…) exceeds grid limits. Max rows: …, max columns: …". */
function checkInGrid(tab: StoredTab, r0: number, c0: number, r1: number, c1: number): void {
  const ext = gridExtent(tab);
  if (r0 < 0 || c0 < 0 || r1 >= ext.rowCount || c1 >= ext.columnCount) {
    throw new HttpError(400, `Range (${a1Of(tab, r0, c0, r1, c1)}) exceeds grid limits. Max rows: ${ext.rowCount}, max columns: ${ext.columnCount}`);
  }
}

/** A GridRange resolved on its tab: inclusive bounds clipped to the grid (unbounded ends = the grid's end). */
function resolveRange(sheet: StoredSpreadsheet, range: unknown, what: string): { tab: StoredTab; r0: number; c0: number; r1: number; c1: number } {
  if (!isRecord(range)) throw new HttpError(400, `Invalid ${what}: range is required`);
  const sheetId = num(range['sheetId']) ?? 0;
  const tab = sheet.tabs.find((t) => t.sheetId === sheetId);
  if (!tab) throw new HttpError(400, `Invalid ${what}: No grid with id: ${sheetId}`);
  const ext = gridExtent(tab);
  const r0 = num(range['startRowIndex']) ?? 0;
  const c0 = num(range['startColumnIndex']) ?? 0;
  const r1 = (num(range['endRowIndex']) ?? ext.rowCount) - 1;
  const c1 = (num(range['endColumnIndex']) ?? ext.columnCount) - 1;
  checkInGrid(tab, r0, c0, Math.max(r0, r1), Math.max(c0, c1));
  return { tab, r0, c0, r1, c1 };
}

function sheetProperties(tab: StoredTab, index: number): Record<string, unknown> {
  const props: Record<string, unknown> = { sheetId: tab.sheetId, title: tab.title, index, sheetType: tab.sheetType };
  if (tab.sheetType === 'GRID') {
    const grid: Record<string, unknown> = { ...gridExtent(tab) };
    if (tab.frozenRowCount > 0) grid['frozenRowCount'] = tab.frozenRowCount;
    props['gridProperties'] = grid;
  }
  if (tab.hidden) props['hidden'] = true;
  return props;
}

function applyGridProperties(tab: StoredTab, grid: unknown, has: (name: string) => boolean): void {
  const g = isRecord(grid) ? grid : {};
  if (has('gridProperties.rowCount') && num(g['rowCount']) !== undefined) tab.rowCount = num(g['rowCount'])!;
  if (has('gridProperties.columnCount') && num(g['columnCount']) !== undefined) tab.columnCount = num(g['columnCount'])!;
  if (has('gridProperties.frozenRowCount')) tab.frozenRowCount = num(g['frozenRowCount']) ?? 0;
}

function createSpreadsheet(body: unknown, ids: IdSource, modifiedTime: string): StoredSpreadsheet {
  const b = isRecord(body) ? body : {};
  const props = isRecord(b['properties']) ? b['properties'] : {};
  const sheet: StoredSpreadsheet = {
    title: typeof props['title'] === 'string' ? props['title'] : 'Новая таблица',
    locale: typeof props['locale'] === 'string' ? props['locale'] : 'en_US',
    timeZone: typeof props['timeZone'] === 'string' ? props['timeZone'] : 'Etc/GMT',
    tabs: [],
    modifiedTime,
    permissions: [],
  };
  const sheets = Array.isArray(b['sheets']) && b['sheets'].length > 0 ? b['sheets'] : [{ properties: { title: 'Лист1' } }];
  for (const s of sheets) {
    const sp = isRecord(s) && isRecord(s['properties']) ? s['properties'] : {};
    const title = typeof sp['title'] === 'string' ? sp['title'] : `Лист${sheet.tabs.length + 1}`;
    if (sheet.tabs.some((t) => sameTitle(t.title, title))) throw new HttpError(400, `Invalid requests: A sheet with the name "${title}" already exists. Please enter another name.`);
    const sheetId = num(sp['sheetId']) ?? ids.nextSheetId();
    if (sheet.tabs.some((t) => t.sheetId === sheetId)) throw new HttpError(400, `Invalid value: duplicate sheet ID ${sheetId}`);
    const tab = newTab(title, sheetId);
    const grid = isRecord(sp['gridProperties']) ? sp['gridProperties'] : {};
    tab.rowCount = num(grid['rowCount']) ?? 1000;
    tab.columnCount = num(grid['columnCount']) ?? 26;
    tab.frozenRowCount = num(grid['frozenRowCount']) ?? 0;
    for (const block of isRecord(s) && Array.isArray(s['data']) ? s['data'] : []) {
      if (!isRecord(block)) continue;
      const r0 = num(block['startRow']) ?? 0;
      const c0 = num(block['startColumn']) ?? 0;
      const { height, width } = rowsExtent(block['rowData']);
      if (height > 0 && width > 0) checkInGrid(tab, r0, c0, r0 + height - 1, c0 + width - 1);
      writeRows(tab, r0, c0, block['rowData'], () => true);
      const meta = Array.isArray(block['columnMetadata']) ? block['columnMetadata'] : [];
      meta.forEach((m, i) => {
        if (isRecord(m) && num(m['pixelSize']) !== undefined) tab.columnWidths.set(c0 + i, num(m['pixelSize'])!);
      });
    }
    for (const pr of isRecord(s) && Array.isArray(s['protectedRanges']) ? s['protectedRanges'] : []) {
      if (isRecord(pr)) tab.protectedRanges.push({ ...pr, protectedRangeId: ids.nextProtectedRangeId() });
    }
    sheet.tabs.push(tab);
  }
  return sheet;
}

/** Tab titles as Google compares them: regardless of case («Лист» and «лист» are one title). */
function sameTitle(a: string, b: string): boolean {
  return a.toLocaleLowerCase('ru') === b.toLocaleLowerCase('ru');
}

/** Applies a batchUpdate to a copy: all requests or none (Google's batchUpdate is atomic). */
function applyBatchUpdate(original: StoredSpreadsheet, body: unknown, ids: IdSource): { next: StoredSpreadsheet; replies: unknown[] } {
  const sheet = structuredClone(original);
  const list = isRecord(body) && Array.isArray(body['requests']) ? body['requests'] : null;
  if (list === null || list.length === 0) throw new HttpError(400, 'Invalid requests: must specify at least one request.');
  const replies: unknown[] = [];
  list.forEach((request, i) => {
    const keys = isRecord(request) ? Object.keys(request) : [];
    if (keys.length !== 1) throw new HttpError(400, `Invalid requests[${i}]: exactly one kind of request must be set`);
    const kind = keys[0] as string;
    const p = (request as Record<string, unknown>)[kind];
    const q = isRecord(p) ? p : {};
    const where = `requests[${i}].${kind}`;
    switch (kind) {
      case 'addSheet': {
        const sp = isRecord(q['properties']) ? q['properties'] : {};
        const title = typeof sp['title'] === 'string' ? sp['title'] : `Лист${sheet.tabs.length + 1}`;
        if (sheet.tabs.some((t) => sameTitle(t.title, title))) {
          throw new HttpError(400, `Invalid ${where}: A sheet with the name "${title}" already exists. Please enter another name.`);
        }
        const sheetId = num(sp['sheetId']) ?? ids.nextSheetId();
        if (sheet.tabs.some((t) => t.sheetId === sheetId)) throw new HttpError(400, `Invalid ${where}: Sheet with id ${sheetId} already exists`);
        const tab = newTab(title, sheetId);
        const grid = isRecord(sp['gridProperties']) ? sp['gridProperties'] : {};
        tab.rowCount = num(grid['rowCount']) ?? 1000;
        tab.columnCount = num(grid['columnCount']) ?? 26;
        tab.frozenRowCount = num(grid['frozenRowCount']) ?? 0;
        tab.hidden = sp['hidden'] === true;
        const index = num(sp['index']);
        if (index !== undefined && index >= 0 && index < sheet.tabs.length) sheet.tabs.splice(index, 0, tab);
        else sheet.tabs.push(tab);
        replies.push({ addSheet: { properties: sheetProperties(tab, sheet.tabs.indexOf(tab)) } });
        return;
      }
      case 'deleteSheet': {
        const sheetId = num(q['sheetId']) ?? -1;
        if (!sheet.tabs.some((t) => t.sheetId === sheetId)) throw new HttpError(400, `Invalid ${where}: No sheet with id: ${sheetId}`);
        sheet.tabs = sheet.tabs.filter((t) => t.sheetId !== sheetId);
        replies.push({});
        return;
      }
      case 'updateSheetProperties': {
        const sp = isRecord(q['properties']) ? q['properties'] : {};
        const sheetId = num(sp['sheetId']) ?? 0;
        const tab = sheet.tabs.find((t) => t.sheetId === sheetId);
        if (!tab) throw new HttpError(400, `Invalid ${where}: No grid with id: ${sheetId}`);
        const has = fieldSet(q['fields']);
        if (has('title') && typeof sp['title'] === 'string') {
          const title = sp['title'];
          if (sheet.tabs.some((t) => t !== tab && sameTitle(t.title, title))) {
            throw new HttpError(400, `Invalid ${where}: A sheet with the name "${title}" already exists. Please enter another name.`);
          }
          tab.title = title;
        }
        if (has('hidden')) tab.hidden = sp['hidden'] === true;
        applyGridProperties(tab, sp['gridProperties'], has);
        replies.push({});
        return;
      }
      case 'updateSpreadsheetProperties': {
        const sp = isRecord(q['properties']) ? q['properties'] : {};
        const has = fieldSet(q['fields']);
        if (has('title') && typeof sp['title'] === 'string') sheet.title = sp['title'];
        if (has('locale') && typeof sp['locale'] === 'string') sheet.locale = sp['locale'];
        if (has('timeZone') && typeof sp['timeZone'] === 'string') sheet.timeZone = sp['timeZone'];
        replies.push({});
        return;
      }
      case 'appendDimension': {
        const sheetId = num(q['sheetId']) ?? 0;
        const tab = sheet.tabs.find((t) => t.sheetId === sheetId);
        if (!tab) throw new HttpError(400, `Invalid ${where}: No grid with id: ${sheetId}`);
        const length = num(q['length']) ?? 0;
        if (length <= 0) throw new HttpError(400, `Invalid ${where}: length must be positive`);
        const ext = gridExtent(tab);
        if (q['dimension'] === 'COLUMNS') tab.columnCount = ext.columnCount + length;
        else if (q['dimension'] === 'ROWS') tab.rowCount = ext.rowCount + length;
        else throw new HttpError(400, `Invalid ${where}: dimension must be ROWS or COLUMNS`);
        replies.push({});
        return;
      }
      case 'setDataValidation': {
        const { tab, r0, c0, r1, c1 } = resolveRange(sheet, q['range'], where);
        const rule = isRecord(q['rule']) ? q['rule'] : null;
        if (rule !== null) {
          const cond = isRecord(rule['condition']) ? rule['condition'] : null;
          if (!cond || typeof cond['type'] !== 'string') throw new HttpError(400, `Invalid ${where}: rule.condition.type is required`);
          if (cond['type'] === 'ONE_OF_LIST' && (!Array.isArray(cond['values']) || cond['values'].length === 0)) {
            throw new HttpError(400, `Invalid ${where}: ONE_OF_LIST needs at least one value`);
          }
        }
        tab.validations.push({ range: { sheetId: tab.sheetId, startRowIndex: r0, endRowIndex: r1 + 1, startColumnIndex: c0, endColumnIndex: c1 + 1 }, rule });
        replies.push({});
        return;
      }
      case 'addProtectedRange': {
        const pr = isRecord(q['protectedRange']) ? q['protectedRange'] : null;
        if (!pr || !isRecord(pr['range'])) throw new HttpError(400, `Invalid ${where}: protectedRange.range is required`);
        const { tab } = resolveRange(sheet, pr['range'], where);
        if (tab.protectedRanges.some((x) => x.protectedRangeId === num(pr['protectedRangeId']))) {
          throw new HttpError(400, `Invalid ${where}: duplicate protectedRangeId`);
        }
        const stored: FakeProtectedRange = { ...pr, protectedRangeId: num(pr['protectedRangeId']) ?? ids.nextProtectedRangeId() };
        tab.protectedRanges.push(stored);
        replies.push({ addProtectedRange: { protectedRange: stored } });
        return;
      }
      case 'updateDimensionProperties': {
        const range = isRecord(q['range']) ? q['range'] : {};
        const sheetId = num(range['sheetId']) ?? 0;
        const tab = sheet.tabs.find((t) => t.sheetId === sheetId);
        if (!tab) throw new HttpError(400, `Invalid ${where}: No grid with id: ${sheetId}`);
        const has = fieldSet(q['fields']);
        const props = isRecord(q['properties']) ? q['properties'] : {};
        const start = num(range['startIndex']) ?? 0;
        const ext = gridExtent(tab);
        const end = num(range['endIndex']) ?? (range['dimension'] === 'COLUMNS' ? ext.columnCount : ext.rowCount);
        if (range['dimension'] === 'COLUMNS') {
          checkInGrid(tab, 0, start, 0, end - 1);
          if (has('pixelSize') && num(props['pixelSize']) !== undefined) for (let c = start; c < end; c++) tab.columnWidths.set(c, num(props['pixelSize'])!);
        } else if (range['dimension'] === 'ROWS') {
          checkInGrid(tab, start, 0, end - 1, 0);
        } else throw new HttpError(400, `Invalid ${where}: dimension must be ROWS or COLUMNS`);
        replies.push({});
        return;
      }
      case 'updateCells': {
        const has = fieldSet(q['fields']);
        const { height, width } = rowsExtent(q['rows']);
        if (isRecord(q['range'])) {
          const { tab, r0, c0, r1, c1 } = resolveRange(sheet, q['range'], where);
          if (height > r1 - r0 + 1 || width > c1 - c0 + 1) throw new HttpError(400, `Invalid ${where}: the rows do not fit in the range`);
          // Cells of the range not covered by `rows` are cleared (for the fields given).
          for (let r = r0; r <= Math.min(r1, tab.rows.length - 1); r++) {
            const row = tab.rows[r] ?? [];
            for (let c = c0; c <= Math.min(c1, row.length - 1); c++) if (has('userEnteredValue')) row[c] = null;
          }
          if (has('note')) for (const k of [...tab.notes.keys()]) {
            const [r, c] = k.split(':').map(Number) as [number, number];
            if (r >= r0 && r <= r1 && c >= c0 && c <= c1) tab.notes.delete(k);
          }
          writeRows(tab, r0, c0, q['rows'], has);
        } else if (isRecord(q['start'])) {
          const start = q['start'];
          const sheetId = num(start['sheetId']) ?? 0;
          const tab = sheet.tabs.find((t) => t.sheetId === sheetId);
          if (!tab) throw new HttpError(400, `Invalid ${where}: No grid with id: ${sheetId}`);
          const r0 = num(start['rowIndex']) ?? 0;
          const c0 = num(start['columnIndex']) ?? 0;
          if (height > 0 && width > 0) checkInGrid(tab, r0, c0, r0 + height - 1, c0 + width - 1);
          writeRows(tab, r0, c0, q['rows'], has);
        } else throw new HttpError(400, `Invalid ${where}: either start or range must be set`);
        replies.push({});
        return;
      }
      case 'repeatCell': {
        const { tab, r0, c0, r1, c1 } = resolveRange(sheet, q['range'], where);
        const has = fieldSet(q['fields']);
        const cell = isRecord(q['cell']) ? q['cell'] : {};
        if (has('userEnteredValue')) for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) setCell(tab, r, c, fromExtended(cell['userEnteredValue']));
        replies.push({});
        return;
      }
      default:
        throw new HttpError(400, `Invalid requests[${i}]: the fake server does not support "${kind}"`);
    }
  });
  return { next: sheet, replies };
}

/** values.update / values.batchUpdate data: `values` written from the range's top-left cell. */
function writeValues(sheet: StoredSpreadsheet, range: string, body: unknown, option: string | null): { updatedRange: string; updatedRows: number; updatedColumns: number; updatedCells: number } {
  if (option !== 'RAW' && option !== 'USER_ENTERED') throw new HttpError(400, "Invalid valueInputOption: must be 'RAW' or 'USER_ENTERED'");
  const p = parseRange(sheet, range);
  const values = isRecord(body) && Array.isArray(body['values']) ? body['values'] : [];
  let width = 0;
  let cells = 0;
  values.forEach((row, i) => {
    if (!Array.isArray(row)) return;
    width = Math.max(width, row.length);
    row.forEach((v: unknown, j) => {
      let cell: Cell = v === null || v === undefined ? null : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
      if (option === 'USER_ENTERED' && typeof cell === 'string' && /^-?\d+(\.\d+)?$/.test(cell)) cell = Number(cell);
      setCell(p.tab, p.r0 + i, p.c0 + j, cell);
      cells++;
    });
  });
  return {
    updatedRange: `${a1Title(p.tab.title)}!${columnLetters(p.c0)}${p.r0 + 1}:${columnLetters(p.c0 + Math.max(width, 1) - 1)}${p.r0 + Math.max(values.length, 1)}`,
    updatedRows: values.length,
    updatedColumns: width,
    updatedCells: cells,
  };
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

/**
 * Drive `files.list` of every spreadsheet stored (Drive v3: `files`, `nextPageToken` when more
 * remain, `pageSize` up to 1,000, 100 by default; the page token is opaque to the client).
 * Only `trashed` and the spreadsheet MIME type of `q` mean anything here: every stored file is one.
 */
/**
 * Drive's `files.list`: the spreadsheets the caller can see — as Drive does, not one whose
 * access was taken away or that was deleted (setStatus 403/404): it is simply not listed.
 */
function driveList(store: Map<string, StoredSpreadsheet>, hidden: ReadonlyMap<string, number>, params: URLSearchParams, fields: string | null): unknown {
  const size = Math.min(1000, Math.max(1, Number(params.get('pageSize') ?? 100) || 100));
  const start = Number(params.get('pageToken') ?? 0) || 0;
  const ids = [...store.keys()].filter((id) => !hidden.has(id)).sort();
  const page = ids.slice(start, start + size).map((id) => {
    const sheet = store.get(id)!;
    return { kind: 'drive#file', id, name: sheet.title, mimeType: 'application/vnd.google-apps.spreadsheet', modifiedTime: sheet.modifiedTime };
  });
  const full: Record<string, unknown> = { kind: 'drive#fileList', incompleteSearch: false, files: page };
  if (start + size < ids.length) full['nextPageToken'] = String(start + size);
  if (fields === null) return { ...full, files: page.map(({ kind, id, name, mimeType }) => ({ kind, id, name, mimeType })) };
  return applyMask(full, parseFields(fields));
}

function gridExtent(tab: StoredTab): { rowCount: number; columnCount: number } {
  const width = tab.rows.reduce((m, r) => Math.max(m, r.length), 0);
  return { rowCount: Math.max(tab.rowCount ?? 1000, tab.rows.length), columnCount: Math.max(tab.columnCount ?? 26, width) };
}

function spreadsheetGet(id: string, sheet: StoredSpreadsheet, params: URLSearchParams, fields: string | null): unknown {
  // As Google documents: includeGridData is ignored when a field mask is set; the mask decides.
  const withData = fields !== null ? /\bdata\b|\*/.test(fields) : params.get('includeGridData') === 'true';
  const ranges = params.getAll('ranges');
  // With `ranges`, only the sheets they name are returned, with one data block per range.
  const blocks = new Map<StoredTab, ParsedRange[]>();
  for (const r of ranges) {
    const p = parseRange(sheet, r);
    blocks.set(p.tab, [...(blocks.get(p.tab) ?? []), p]);
  }
  const tabs = ranges.length > 0 ? sheet.tabs.filter((t) => blocks.has(t)) : sheet.tabs;
  const body = {
    spreadsheetId: id,
    properties: { title: sheet.title, locale: sheet.locale, timeZone: sheet.timeZone },
    sheets: tabs.map((tab) => ({
      properties: sheetProperties(tab, sheet.tabs.indexOf(tab)),
      ...(tab.protectedRanges.length > 0 ? { protectedRanges: tab.protectedRanges } : {}),
      ...(tab.merges.length > 0 ? { merges: tab.merges } : {}),
      ...(withData && tab.sheetType === 'GRID'
        ? { data: ranges.length > 0 ? (blocks.get(tab) ?? []).map((p) => gridBlock(tab, p.r0, p.c0, p.r1, p.c1, true)) : [gridBlock(tab, 0, 0, Infinity, Infinity, false)] }
        : {}),
    })),
    spreadsheetUrl: `https://docs.google.com/spreadsheets/d/${id}/edit`,
  };
  return body;
}

/** The patterns Sheets gives the formats it sets by itself (a «9%» typed is `0%`, a date `dd.mm.yyyy` in ru_RU). */
const FORMAT_PATTERNS: Record<FakeNumberFormat, string> = { NUMBER: '#,##0.00', PERCENT: '0%', CURRENCY: '#,##0.00 [$₽]', DATE: 'dd.mm.yyyy', TEXT: '' };

/** The number format of a cell: the last range over it, or null. */
function numberFormatAt(tab: StoredTab, r: number, c: number): FakeNumberFormat | null {
  for (let i = tab.numberFormats.length - 1; i >= 0; i--) {
    const f = tab.numberFormats[i]!;
    if (inRange(f.range, r, c)) return f.type;
  }
  return null;
}

function formatted(v: Cell, format: FakeNumberFormat | null = null): string {
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number' && format === 'PERCENT') return `${Math.round(v * 100)}%`;
  if (typeof v === 'number' && format === 'DATE') {
    // Serial day 0 is 1899-12-30 (ru_RU shows dd.mm.yyyy).
    const d = new Date(Date.UTC(1899, 11, 30) + Math.floor(v) * 86_400_000);
    return `${String(d.getUTCDate()).padStart(2, '0')}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${d.getUTCFullYear()}`;
  }
  if (typeof v === 'number') return String(v).replace('.', ',');
  return v ?? '';
}

function extendedValue(v: Cell): Record<string, unknown> {
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return { stringValue: v ?? '' };
}

function inRange(range: FakeGridRange, r: number, c: number): boolean {
  return (
    r >= (range.startRowIndex ?? 0) &&
    r < (range.endRowIndex ?? Infinity) &&
    c >= (range.startColumnIndex ?? 0) &&
    c < (range.endColumnIndex ?? Infinity)
  );
}

/** The data validation of a cell: the last rule set over it (null when none or cleared). */
function validationAt(tab: StoredTab, r: number, c: number): Record<string, unknown> | null {
  for (let i = tab.validations.length - 1; i >= 0; i--) {
    const v = tab.validations[i]!;
    if (inRange(v.range, r, c)) return v.rule;
  }
  return null;
}

/**
 * includeGridData shape: rowData[].values[] with user-entered/effective/formatted values, and
 * `note` and `dataValidation` where set; empty cells are `{}`, trailing empty cells and rows
 * omitted. `positioned` adds startRow/startColumn (a block of a requested range).
 */
function gridBlock(tab: StoredTab, r0: number, c0: number, r1: number, c1: number, positioned: boolean): unknown {
  const ext = gridExtent(tab);
  const rEnd = Math.min(r1, ext.rowCount - 1);
  const cEnd = Math.min(c1, ext.columnCount - 1);
  const decorated = tab.validations.length > 0 || tab.notes.size > 0;
  const rows: Record<string, unknown>[][] = [];
  const lastRow = decorated ? rEnd : Math.min(rEnd, tab.rows.length - 1);
  for (let r = r0; r <= lastRow; r++) {
    const src = tab.rows[r] ?? [];
    const cells: Record<string, unknown>[] = [];
    const lastCol = decorated ? cEnd : Math.min(cEnd, src.length - 1);
    for (let c = c0; c <= lastCol; c++) {
      const v = src[c];
      const format = typeof v === 'number' ? numberFormatAt(tab, r, c) : null;
      const cell: Record<string, unknown> = isEmpty(v)
        ? {}
        : { userEnteredValue: extendedValue(v as Cell), effectiveValue: extendedValue(v as Cell), formattedValue: formatted(v as Cell, format) };
      if (format !== null) {
        cell['userEnteredFormat'] = { numberFormat: { type: format, pattern: FORMAT_PATTERNS[format] } };
        cell['effectiveFormat'] = { numberFormat: { type: format, pattern: FORMAT_PATTERNS[format] } };
      }
      const note = tab.notes.get(`${r}:${c}`);
      if (note !== undefined) cell['note'] = note;
      const link = tab.links.get(`${r}:${c}`);
      if (link?.hyperlink !== undefined) cell['hyperlink'] = link.hyperlink;
      if (link?.chip !== undefined) {
        cell['userEnteredValue'] = { stringValue: '@' };
        cell['chipRuns'] = [{ chip: { richLinkProperties: { uri: link.chip, mimeType: 'application/vnd.google-apps.spreadsheet' } } }];
      }
      const rule = decorated ? validationAt(tab, r, c) : null;
      if (rule !== null) cell['dataValidation'] = rule;
      cells.push(cell);
    }
    while (cells.length > 0 && Object.keys(cells[cells.length - 1]!).length === 0) cells.pop();
    rows.push(cells);
  }
  while (rows.length > 0 && rows[rows.length - 1]!.length === 0) rows.pop();
  const rowData = rows.map((values) => ({ values }));
  return positioned ? { startRow: r0, startColumn: c0, rowData } : { rowData };
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
  if (render === 'FORMATTED_VALUE') values = values.map((row, r) => row.map((v, c) => formatted(v, numberFormatAt(p.tab, p.r0 + r, p.c0 + c))));
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
