/**
 * The product's commands as compiled JavaScript (issue #18, memory). Running TypeScript through
 * tsx keeps a module-loader thread — a second JavaScript engine — in every process for as long
 * as it lives: ~35–40 MB of RSS in the server and in every sync. A command is instead bundled
 * here with esbuild (our own modules into one file; packages from node_modules stay imports)
 * and the file runs under plain Node. No build step for the user: scripts/launch.cjs bundles at
 * start whenever a source file changed (`bundle`), so what runs is always the checkout's code.
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
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const ROOT = join(__dirname, '..');

/**
 * The size of libuv's thread pool for the server (scripts/launch.cjs): every running DuckDB
 * query holds one of its threads, and so does every password hash (scrypt). With 2 connections
 * for metrics, 2 for light queries, the writer and 2 hashes at once, Node's default of 4 would
 * make a light request wait behind heavy ones (issue #17).
 */
const SERVER_THREADPOOL_SIZE = '10';

/**
 * DuckDB's native memory allocator (jemalloc, linked into DuckDB on Linux), set for every command
 * (scripts/launch.cjs) unless the operator's environment has DUCKDB_JE_MALLOC_CONF: one arena
 * instead of one per thread (4 per core; a Node process calls DuckDB from up to 10 libuv threads,
 * and each arena kept its own freed pages), and freed pages given back to the system after 1 s
 * instead of 10 s. Issue #18, paired runs at 1,000 organizations: peak memory of the server under
 * load 419–428 MB against 453–454, of the sync 391–393 against 420–459, at the same speed. Pages
 * given back at once (`dirty_decay_ms:0`) saved 30 MB more but made a sync 35% and uncached answers
 * under load twice as slow. jemalloc reads the variable once, when DuckDB's addon loads — after the
 * launcher has run.
 */
const DUCKDB_ALLOCATOR_CONF = 'narenas:1,dirty_decay_ms:1000,muzzy_decay_ms:0';

/** Puts DUCKDB_ALLOCATOR_CONF into `env` unless the operator has set DUCKDB_JE_MALLOC_CONF (even empty: jemalloc's own defaults). */
function withDuckdbAllocator(env) {
  if (env.DUCKDB_JE_MALLOC_CONF === undefined) env.DUCKDB_JE_MALLOC_CONF = DUCKDB_ALLOCATOR_CONF;
  return env;
}

/** What a bundle is made with, besides its inputs: a change of any of them builds it again. */
function buildOptions(entry) {
  return {
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
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: ROOT,
  };
}

const sha1 = (data) => createHash('sha1').update(data).digest('hex');

/** The hash of a file's bytes, or null when it cannot be read. */
function fileHash(path) {
  try {
    return sha1(readFileSync(path));
  } catch {
    return null;
  }
}

/** Whether the kept bundle was built from exactly these options and these files' contents (its inputs, as esbuild listed them). */
function upToDate(out, key) {
  let kept;
  try {
    kept = JSON.parse(readFileSync(`${out}.inputs.json`, 'utf8'));
  } catch {
    return false;
  }
  if (kept.key !== key || fileHash(out) !== kept.output) return false;
  // The same inputs with the same contents import the same modules: a new import is a change of one of them.
  for (const [path, hash] of Object.entries(kept.inputs)) if (fileHash(join(ROOT, path)) !== hash) return false;
  return true;
}

/** Writes `data` to `path` under a temporary name, then renames it: a reader never sees half a file. */
function writeWhole(path, data) {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

let built = false;

/**
 * Bundles `entry` (relative to the project root) into `.build/<folder>/<name>.mjs`; resolves to
 * that file's path. The bundle is kept with the hashes of the files it was made of
 * (`<name>.mjs.inputs.json`) and built again only when one of them, the options or esbuild
 * changed: a start reads and hashes ~120 files (a few milliseconds) instead of a build (~0.3 s).
 * Content hashes, not times: a checkout copied with old modification times is still seen.
 */
async function bundle(entry, folder, name) {
  const out = join(ROOT, '.build', folder, `${name}.mjs`);
  // Required here, not on load: the launcher reads SERVER_THREADPOOL_SIZE before anything else runs.
  const esbuild = require('esbuild');
  const options = buildOptions(entry);
  const key = sha1(JSON.stringify([esbuild.version, options]));
  if (upToDate(out, key)) return out;
  const result = await esbuild.build(options);
  built = true;
  const output = result.outputFiles[0].contents;
  const inputs = {};
  for (const path of Object.keys(result.metafile.inputs)) inputs[path] = fileHash(join(ROOT, path));
  mkdirSync(dirname(out), { recursive: true });
  writeWhole(out, output);
  writeWhole(`${out}.inputs.json`, JSON.stringify({ key, output: sha1(output), inputs }));
  return out;
}

/** Stops esbuild's helper process when a bundle was built (the server starts its own for the client). */
async function stopBundler() {
  if (built) await require('esbuild').stop();
}

module.exports = { ROOT, SERVER_THREADPOOL_SIZE, DUCKDB_ALLOCATOR_CONF, withDuckdbAllocator, bundle, stopBundler };
