/**
 * Content negotiation for bytes kept gzip-compressed (the client bundle, cached metric answers):
 * whether the request takes gzip, and the validator of the compressed representation — other
 * bytes than the plain ones, so an ETag of their own; and large JSON answers compressed as sent.
 */
import { gzip } from 'node:zlib';
import type { Request, RequestHandler } from 'express';
import { gzipChunkSize, jsonBytes } from '../metrics/answers.ts';

export function acceptsGzip(request: Request): boolean {
  return request.acceptsEncodings('gzip') === 'gzip';
}

/** The ETag of the gzip-compressed representation of bytes whose own (quoted) ETag is `etag`. */
export function gzipEtag(etag: string): string {
  return `${etag.slice(0, -1)}-gz"`;
}

/** JSON answers from this size on go gzip-compressed to a client that takes it. */
export const GZIP_JSON_MIN_BYTES = 16 * 1024;

/**
 * `res.json` of a large answer, gzip-compressed (zlib's fastest level, off the JavaScript
 * thread) for a client that takes gzip — every browser does. The lists a region's coordinator
 * reads are large: `/api/quality` with 24,000 findings is 13 MB of JSON and 1 MB compressed,
 * a second on a 100 Mbit/s school network against a tenth. Cached metric answers are kept
 * compressed already and bypass this (they are sent with `res.send`).
 */
export function gzipLargeJson(): RequestHandler {
  return (req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (!acceptsGzip(req)) return json(body);
      // Serialized once, as res.json would (the app sets no replacer or spacing): the same bytes,
      // long lists in pieces (metrics/answers.ts jsonBytes).
      const text = jsonBytes(body);
      if (text === undefined) return json(body);
      if (!res.get('Content-Type')) res.type('application/json');
      if (text.length < GZIP_JSON_MIN_BYTES) return res.send(text);
      gzip(text, { level: 1, chunkSize: gzipChunkSize(text.length) }, (error, bytes) => {
        if (error) return next(error);
        if (res.headersSent) return;
        res.vary('Accept-Encoding');
        res.set('Content-Encoding', 'gzip');
        res.send(bytes);
      });
      return res;
    };
    next();
  };
}
