/**
 * `npm test`: the type check (`tsc --noEmit`) and the whole suite (`vitest run`) side by side.
 * One after the other they took 15 s + 280–310 s on the 2-core machine, at the edge of the
 * 5 minutes the suite is allowed; the suite leaves about a quarter of the two cores idle (its
 * tests wait for child processes, the browser and timers), and the type check, at the lowest
 * priority, runs in that idle time. Vitest's output streams as it comes; the type check's
 * errors are printed after it. Exit 1 when either fails. Arguments go to vitest
 * (`npm test -- test/unit`).
 *
 * The tests' temporary files (their DuckDB files above all) go to a directory of their own in
 * memory (/dev/shm, where there is one and TMPDIR is not set), removed at the end: every commit
 * of a test database waited for the disk, and the write-heavy files took a sixth longer
 * (bad-input alone 58.6 → 49.9 s, CPU 59 → 51 s).
 */
'use strict';

const { spawn } = require('node:child_process');
const { accessSync, constants, mkdtempSync, rmSync, statSync } = require('node:fs');
const { setPriority } = require('node:os');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const bin = (name) => join(ROOT, 'node_modules', '.bin', name);

/** A fresh directory in memory for the tests' temporary files, or null (no /dev/shm, or TMPDIR chosen). */
function memoryTmp() {
  if (process.env.TMPDIR) return null;
  try {
    if (!statSync('/dev/shm').isDirectory()) return null;
    accessSync('/dev/shm', constants.W_OK);
    return mkdtempSync('/dev/shm/monitor-tests-');
  } catch {
    return null;
  }
}

/** Starts a command in the checkout: the child, and a promise of how it ended. */
function run(cmd, args, stdio, env = process.env) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio, env });
  const done = new Promise((resolve) => {
    child.on('error', (e) => resolve({ code: 1, error: e }));
    child.on('exit', (code, signal) => resolve({ code: code ?? 1, signal }));
  });
  return { child, done };
}

async function main() {
  const types = run(bin('tsc'), ['--noEmit'], ['ignore', 'pipe', 'pipe']);
  // Only the time the tests leave: the tests' own timing is not disturbed.
  try {
    if (types.child.pid) setPriority(types.child.pid, 19);
  } catch {
    // Not allowed here: it runs at the normal priority.
  }
  let typeOutput = '';
  types.child.stdout.on('data', (d) => (typeOutput += d));
  types.child.stderr.on('data', (d) => (typeOutput += d));
  const tmp = memoryTmp();
  const tests = run(bin('vitest'), ['run', ...process.argv.slice(2)], 'inherit', tmp ? { ...process.env, TMPDIR: tmp } : process.env);
  // Ctrl+C reaches the children too (one process group); a signal sent to this process alone is
  // passed on to them. Either way it waits for them to end.
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      for (const { child } of [types, tests]) if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    });
  }

  const [t, v] = await Promise.all([types.done, tests.done]);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  if (t.code !== 0) {
    process.stdout.write(`\nПроверка типов (tsc --noEmit) не прошла:\n${typeOutput || String(t.error ?? t.signal ?? '')}\n`);
  } else {
    process.stdout.write('\nПроверка типов (tsc --noEmit): без ошибок.\n');
  }
  process.exit(t.code !== 0 || v.code !== 0 ? 1 : 0);
}

main();
