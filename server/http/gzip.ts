/**
 * Content negotiation for bytes kept gzip-compressed (the client bundle, cached metric answers):
 * whether the request takes gzip, and the validator of the compressed representation — other
 * bytes than the plain ones, so an ETag of their own.
 */
import type { Request } from 'express';

export function acceptsGzip(request: Request): boolean {
  return request.acceptsEncodings('gzip') === 'gzip';
}

/** The ETag of the gzip-compressed representation of bytes whose own (quoted) ETag is `etag`. */
export function gzipEtag(etag: string): string {
  return `${etag.slice(0, -1)}-gz"`;
}
