/**
 * Serves the dashboard's front end: `index.html`, the page script bundled from
 * `client/main.ts` (vega, vega-lite and vega-embed included) and the stylesheet.
 *
 * The bundle is built once, in memory, with esbuild when the router is created: no build
 * step, nothing written to disk, no network. The script and the stylesheet are answered with
 * a strong ETag and `Cache-Control: no-cache`, so a browser revalidates (a cheap 304) and a new
 * server version is picked up at once: the URLs are not content-hashed, so they must not be
 * cached blindly. The page itself (`index.html`) is `no-store`: the page a user saw — of
 * people's names — is not kept in the browser's cache or restored from it after a logout.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { Router, type Request, type Response } from 'express';
import { acceptsGzip, gzipEtag } from '../http/gzip.ts';
import { LOGIN_PATH, NAV_ITEMS, ORG_PAGE_PREFIX, PASSWORD_PATH, REPORT_PATH, SUMMARY_PATH } from '../../shared/routes.ts';

export interface ClientRouterOptions {
  /** Folder with `index.html`, `main.ts` and `style.css`; default: the repository's `client/`. */
  clientDir?: string;
  /** Append an inline source map to `app.js` (development: readable stack traces; adds megabytes). */
  sourcemap?: boolean;
}

interface Asset {
  body: Buffer;
  /** Precompressed copy: the bundle is ~0.9 MB of mostly vega, ~0.3 MB gzipped. */
  gzipped: Buffer;
  contentType: string;
  etag: string;
}

const DEFAULT_CLIENT_DIR = fileURLToPath(new URL('../../client/', import.meta.url));

function asset(body: Buffer, contentType: string): Asset {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27);
  return { body, gzipped: gzipSync(body, { level: 9 }), contentType, etag: `"${hash}"` };
}

async function bundleClient(clientDir: string, sourcemap: boolean): Promise<Buffer> {
  const result = await build({
    entryPoints: [path.join(clientDir, 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: sourcemap ? 'inline' : false,
    write: false,
    // Names the output; with `write: false` nothing is written there.
    outfile: 'app.js',
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no output for ${path.join(clientDir, 'main.ts')}`);
  return Buffer.from(output.contents);
}

function send(request: Request, response: Response, file: Asset, store = true): void {
  const gzip = acceptsGzip(request);
  response.set({
    'Content-Type': file.contentType,
    'Cache-Control': store ? 'no-cache' : 'no-store',
    'X-Content-Type-Options': 'nosniff',
    Vary: 'Accept-Encoding',
  });
  // The compressed bytes are a different representation: a different validator.
  if (store) response.set('ETag', gzip ? gzipEtag(file.etag) : file.etag);
  if (gzip) response.set('Content-Encoding', 'gzip');
  // `send` answers 304 by itself when If-None-Match matches the ETag set above.
  response.send(gzip ? file.gzipped : file.body);
}

/**
 * The page, the script and the stylesheet of a client folder, built once per process: a second
 * router of the same folder (the tests start a server per file, a bundle and its gzip at level 9
 * cost ≈0.4 s each) takes the same bytes. A failed build is not kept: the next router tries again.
 */
const built = new Map<string, Promise<{ page: Asset; app: Asset; style: Asset }>>();
function clientAssets(clientDir: string, sourcemap: boolean): Promise<{ page: Asset; app: Asset; style: Asset }> {
  const key = `${clientDir}\u0000${sourcemap}`;
  let assets = built.get(key);
  if (!assets) {
    assets = Promise.all([readFile(path.join(clientDir, 'index.html')), bundleClient(clientDir, sourcemap), readFile(path.join(clientDir, 'style.css'))]).then(([html, script, css]) => ({
      page: asset(html, 'text/html; charset=utf-8'),
      app: asset(script, 'text/javascript; charset=utf-8'),
      style: asset(css, 'text/css; charset=utf-8'),
    }));
    assets.catch(() => built.delete(key));
    built.set(key, assets);
  }
  return assets;
}

/**
 * The router for `/`, the other page paths and `/org/<code>` (`index.html`), `/app.js` and `/style.css`.
 * Rejects if the client does not compile (the error lists esbuild's messages).
 */
export async function createClientRouter(opts: ClientRouterOptions = {}): Promise<Router> {
  const { page, app, style } = await clientAssets(opts.clientDir ?? DEFAULT_CLIENT_DIR, opts.sourcemap ?? false);

  const router = Router();
  // Every page of the navigation, and every organization's page, is the same document; the
  // script draws the page its path names.
  const pagePaths = [...new Set(['/', ...NAV_ITEMS.map((item) => item.path), `${ORG_PAGE_PREFIX}:code`, REPORT_PATH, SUMMARY_PATH, LOGIN_PATH, PASSWORD_PATH])];
  router.get(pagePaths, (request, response) => send(request, response, page, false));
  router.get('/app.js', (request, response) => send(request, response, app));
  router.get('/style.css', (request, response) => send(request, response, style));
  return router;
}
