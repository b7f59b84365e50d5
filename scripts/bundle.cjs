/**
 * The product's commands as compiled JavaScript (issue #18, memory). Running TypeScript through
 * tsx keeps a module-loader thread — a second JavaScript engine — in every process for as long
 * as it lives: ~35–40 MB of RSS in the server and in every sync. A command is instead bundled
 * here with esbuild (our own modules into one file; packages from node_modules stay imports)
 * and the file runs under plain Node. No build step for the user: scripts/launch.cjs bundles on
 * every start (~0.2 s), so what runs is always the checkout's code.
 *
 * A bundle is written under `.build/<folder>/`, two levels below the project root like the
 * modules it is made of (server/db/*.ts), so that the paths they resolve against their own
 * location (`new URL('../../queries/…', import.meta.url)`: SQL files, the client, package.json)
 * still name the same files. It is written under a temporary name and renamed, so a process
 * starting from it never reads a file another start is still writing.
 *
 * CommonJS, like the launcher: see scripts/launch.cjs.
 */
'use strict';
const { mkdirSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const ROOT = join(__dirname, '..');

/**
 * The size of libuv's thread pool for the server (scripts/launch.cjs): every running DuckDB
 * query holds one of its threads, and so does every password hash (scrypt). With 2 connections
 * for metrics, 2 for light queries, the writer and 2 hashes at once, Node's default of 4 would
 * make a light request wait behind heavy ones (issue #17).
 */
const SERVER_THREADPOOL_SIZE = '10';

/** Bundles `entry` (relative to the project root) into `.build/<folder>/<name>.mjs`; resolves to that file's path. */
async function bundle(entry, folder, name) {
  const out = join(ROOT, '.build', folder, `${name}.mjs`);
  // Required here, not on load: the launcher reads SERVER_THREADPOOL_SIZE before anything else runs.
  const { build } = require('esbuild');
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Packages are imported from node_modules as they are (native DuckDB, googleapis' lazy modules).
    packages: 'external',
    // Function and class names stay as written: stack traces and `constructor.name` read the same.
    keepNames: true,
    write: false,
    logLevel: 'silent',
    absWorkingDir: ROOT,
  });
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, result.outputFiles[0].contents);
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return out;
}

module.exports = { ROOT, SERVER_THREADPOOL_SIZE, bundle };
