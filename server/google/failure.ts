/**
 * What the read-only source (server/sources/google.ts) and the writer (server/google/write.ts)
 * both need to judge a failed Google request: the failure reduced to what can be shown
 * (status, Google's reasons and message, Retry-After, network or local), secrets redacted;
 * and the service-account key file both read.
 */
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
/** A server's Retry-After is honoured up to this long. */
const RETRY_AFTER_MAX_MS = 5 * 60_000;

/** `Retry-After` as milliseconds from `nowMs`: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.min(RETRY_AFTER_MAX_MS, Math.round(Number(v) * 1000));
  const date = Date.parse(v);
  if (Number.isNaN(date)) return null;
  return Math.min(RETRY_AFTER_MAX_MS, Math.max(0, date - nowMs));
}

/** HTTP statuses worth another attempt. */
export const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * A failing status in words, for a message: Google's own text of a 5xx («Internal error
 * encountered.», «The service is currently unavailable.», a proxy's «Bad Gateway») is English
 * and says no more than its status (an outside review); other statuses keep Google's words,
 * which tell what to fix.
 */
export function statusWords(status: number, detail: string): string {
  const words: Record<number, string> = {
    500: 'внутренняя ошибка Google',
    502: 'ошибка шлюза — Google или прокси-сервер сети не передал ответ',
    503: 'сервис временно недоступен',
    504: 'шлюз не дождался ответа Google',
  };
  return `HTTP ${status}${words[status] ? ` (${words[status]})` : detail ? ` ${detail}` : ''}`;
}
/** Google's reasons of a 403 that is really a rate limit. */
export const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'RATE_LIMIT_EXCEEDED']);

/** What we keep from a failed request; nothing here holds config, headers or URLs. */
export interface Failure {
  /** HTTP status, or undefined for network errors / timeouts. */
  status: number | undefined;
  /** Google's machine reason(s) (`details[].reason`, `errors[].reason`, `status`). */
  reasons: string[];
  /** Google's human message (already sanitized) or a network description. */
  detail: string;
  retryAfterMs: number | null;
  /** True when the request never got an HTTP answer from the API (network, timeout). */
  network: boolean;
  /** True when that was because no answer came within the request's timeout. */
  timedOut?: boolean;
  /** True when this is not a request failure at all (a bug, an unreadable key). */
  local: boolean;
  /**
   * True when the request that failed was the service account's token request to Google's
   * authorization server (GOOGLE_SELF_SIGNED_JWT=0), not the API's: said so — it read «Google
   * Sheets недоступен» while Sheets had not been asked at all (an outside review).
   */
  token?: boolean;
}

/** Google's OAuth 2.0 token endpoint, where a service account exchanges its JWT when it does not sign its own (gtoken). */
export const TOKEN_HOST = 'oauth2.googleapis.com';
export const GOOGLE_TOKEN_URL = `https://${TOKEN_HOST}/token`;

/**
 * The token endpoint a key names (`token_uri`) when it is another than Google's own — a test
 * server or a gateway — or null: gtoken always asks Google's, whatever the key says.
 */
export function keyTokenUrl(key: Record<string, string>): string | null {
  const uri = key['token_uri'];
  if (uri === undefined) return null;
  try {
    const url = new URL(uri);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return url.href === GOOGLE_TOKEN_URL ? null : url.href;
  } catch {
    return null;
  }
}

/** Whether a gaxios error is of a request to the token endpoint (Google's, or `tokenUrl`: the key's own). */
function ofTokenRequest(err: Record<string, unknown>, tokenUrl: string | undefined): boolean {
  const config = err['config'];
  const url = isObject(config) ? config['url'] : undefined;
  const text = url instanceof URL ? url.href : typeof url === 'string' ? url : '';
  return text.includes(`//${TOKEN_HOST}/`) || (tokenUrl !== undefined && text === tokenUrl);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function headerValue(headers: unknown, name: string): string | null {
  if (!isObject(headers)) return null;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') {
    const v: unknown = get.call(headers, name);
    return typeof v === 'string' ? v : null;
  }
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name.toLowerCase()) return Array.isArray(v) ? String(v[0]) : String(v);
  }
  return null;
}

/** Removes anything that looks like a credential from a text shown to people. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let s = text;
  for (const secret of secrets) if (secret.length >= 4) s = s.split(secret).join('***');
  s = s.replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '***');
  s = s.replace(/([?&](?:key|access_token|token|api_key)=)[^&\s#"']*/gi, '$1***');
  s = s.replace(/((?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]+/gi, '$1***');
  s = s.replace(/(x-goog-api-key["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, '$1***');
  // A signed token on its own (a JWT: base64url header `{"…` . payload . signature), e.g. the
  // self-signed one echoed back in an error body without the word Bearer (a security review).
  s = s.replace(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '***');
  return s;
}

export function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** What a network error code means, in words a coordinator (or the school's IT) can act on. */
const NETWORK_WORDS: [RegExp, string][] = [
  [/^(ECONNREFUSED)$/, 'сервер отказал в соединении'],
  [/^(ECONNRESET|EPIPE|UND_ERR_SOCKET|ECONNABORTED)$/, 'соединение разорвано'],
  [/^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME)$/, 'адрес сервера не найден (DNS)'],
  [/^(EHOSTUNREACH|ENETUNREACH|ENETDOWN|EHOSTDOWN)$/, 'сеть или сервер недоступны'],
  // A body sent as gzip that does not inflate (a proxy that rewrote it): whole, not cut off.
  [/^Z_(DATA|BUF|STREAM)_ERROR$/, 'ответ повреждён: сжатый ответ не распаковывается (возможно, его изменил прокси-сервер сети)'],
  [/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|EPROTO/, 'защищённое соединение не установлено (сертификат сервера не принят; возможно, прокси-сервер сети подменяет HTTPS)'],
];

/** A redirect in words (transport.ts refuses to follow one). */
const REDIRECTED = 'вместо ответа — перенаправление на другой адрес (возможно, страница входа в сеть)';

/** How a request that got no answer in time is described: the start of its text. */
const TIMED_OUT = 'превышено время ожидания ответа';

/**
 * Messages of errors raised below the HTTP layer (undici puts the code in `cause`): in Russian,
 * with the error codes for an administrator; never the request's address or the library's
 * English text.
 */
export function networkDescription(err: Record<string, unknown>, timeoutMs: number): string {
  const codes: string[] = [];
  const messages: string[] = [];
  let cur: unknown = err;
  for (let i = 0; i < 4 && isObject(cur); i++) {
    const name = typeof cur['name'] === 'string' ? cur['name'] : '';
    const code = typeof cur['code'] === 'string' ? cur['code'] : '';
    // We never abort requests ourselves, so an AbortError is gaxios' per-request timeout firing.
    if (name === 'TimeoutError' || name === 'AbortError' || code === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      return `${TIMED_OUT} (${timeoutMs < 1000 ? `${timeoutMs} мс` : `${String(Math.round(timeoutMs / 100) / 10).replace('.', ',')} с`})`;
    }
    if (code !== '' && !codes.includes(code)) codes.push(code);
    if (typeof cur['message'] === 'string') messages.push(cur['message']);
    cur = cur['cause'];
  }
  const said = messages.join(' ');
  const words =
    codes.map((c) => NETWORK_WORDS.find(([re]) => re.test(c))?.[1]).find((w) => w !== undefined) ??
    (/invalid response body|premature close|aborted|terminated|other side closed/i.test(said)
      ? 'ответ оборван на середине'
      : /redirect/i.test(said)
        ? REDIRECTED
        : 'сетевая ошибка');
  return codes.length > 0 ? `${words} (${codes.join(', ')})` : words;
}

/**
 * A thrown value of a googleapis call as a Failure. `local` errors (our own, worded already)
 * are passed through as they are; everything shown goes through `sanitize`.
 */
export function inspectFailure(
  err: unknown,
  o: { sanitize: (text: string) => string; timeoutMs: number; now: () => number; isLocal: (err: unknown) => boolean; tokenUrl?: () => string | undefined },
): Failure {
  if (o.isLocal(err)) {
    return { status: undefined, reasons: [], detail: o.sanitize(err instanceof Error ? err.message : String(err)), retryAfterMs: null, network: false, local: true };
  }
  if (!isObject(err)) {
    return { status: undefined, reasons: [], detail: o.sanitize(String(err)), retryAfterMs: null, network: false, local: true };
  }
  const response = err['response'];
  if (isObject(response) && typeof response['status'] === 'number') {
    const status = response['status'];
    const reasons: string[] = [];
    let message = '';
    const data = response['data'];
    const body = isObject(data) ? data['error'] : undefined;
    if (isObject(body)) {
      if (typeof body['message'] === 'string') message = body['message'];
      if (typeof body['status'] === 'string') reasons.push(body['status']);
      for (const list of [body['details'], body['errors']]) {
        if (!Array.isArray(list)) continue;
        for (const d of list) if (isObject(d) && typeof d['reason'] === 'string') reasons.push(d['reason']);
      }
    } else if (typeof body === 'string') {
      // OAuth token endpoint: {"error":"invalid_grant","error_description":"..."}
      reasons.push(body);
      message = isObject(data) && typeof data['error_description'] === 'string' ? `${body}: ${data['error_description']}` : body;
    }
    if (message === '') message = typeof response['statusText'] === 'string' && response['statusText'] !== '' ? response['statusText'] : `HTTP ${status}`;
    return {
      status,
      reasons,
      detail: o.sanitize(message),
      retryAfterMs: parseRetryAfter(headerValue(response['headers'], 'retry-after'), o.now()),
      network: false,
      local: false,
      ...(ofTokenRequest(err, o.tokenUrl?.()) ? { token: true } : {}),
    };
  }
  // gaxios wraps fetch failures and aborts (timeouts) in a GaxiosError that has a `config`;
  // a DOMException TimeoutError/AbortError can also escape on its own.
  const name = typeof err['name'] === 'string' ? err['name'] : '';
  if ('config' in err || name === 'TimeoutError' || name === 'AbortError' || name === 'FetchError') {
    const detail = networkDescription(err, o.timeoutMs);
    // A redirect is not a network failure worth retrying: the same address answers the same
    // (a redirect loop was asked 150 times over 38 s).
    return {
      status: undefined,
      reasons: [],
      detail: o.sanitize(detail),
      retryAfterMs: null,
      network: !detail.startsWith(REDIRECTED),
      timedOut: detail.startsWith(TIMED_OUT),
      local: false,
      ...(ofTokenRequest(err, o.tokenUrl?.()) ? { token: true } : {}),
    };
  }
  const message = typeof err['message'] === 'string' ? err['message'] : String(err);
  return { status: undefined, reasons: [], detail: o.sanitize(message), retryAfterMs: null, network: false, local: true };
}

/** Fields of a key file that are secrets: redacted from every text shown. */
export const KEY_SECRETS = ['private_key', 'private_key_id', 'client_secret', 'refresh_token'] as const;

/**
 * Reads a service-account key file (JSON) as its string fields, or throws `fail(message)` in
 * Russian: unreadable, not JSON (the parser's message would quote the file: never shown), no
 * client_email or private_key (`purpose` says what the key is for).
 */
export async function readServiceAccountKey(file: string, fail: (message: string) => Error, purpose = 'нужен ключ сервисного аккаунта (JSON)'): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = isObject(err) && typeof err['code'] === 'string' ? ` (${err['code']})` : '';
    throw fail(`не удалось прочитать файл ключа сервисного аккаунта ${file}${code}: проверьте GOOGLE_APPLICATION_CREDENTIALS`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw fail(`файл ключа сервисного аккаунта ${file} — не JSON: скачайте ключ заново (формат JSON) в консоли Google Cloud`);
  }
  if (!isObject(parsed)) throw fail(`файл ключа сервисного аккаунта ${file} не похож на ключ сервисного аккаунта`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
  if (out['client_email'] === undefined || out['private_key'] === undefined) {
    throw fail(`в файле ключа ${file} нет client_email или private_key: ${purpose}`);
  }
  // A key that is not a private key (cut, edited, another format): said here, not as OpenSSL's
  // «error:1E08010C:DECODER routines::unsupported» at the first request.
  try {
    createPrivateKey(out['private_key']);
  } catch {
    throw fail(`закрытый ключ (private_key) в файле ключа сервисного аккаунта ${file} не читается — файл повреждён или изменён: скачайте ключ заново (формат JSON) в консоли Google Cloud`);
  }
  return out;
}
