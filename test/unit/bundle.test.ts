/**
 * scripts/bundle.cjs: a command is built again exactly when a file it is made of changed (its
 * content, not its time), and otherwise started from the kept bundle; DuckDB's allocator setting
 * the launcher gives every command, and glibc's arenas `npm run sync` sets.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { ROOT, bundle, DUCKDB_ALLOCATOR_CONF, withDuckdbAllocator } = require('../../scripts/bundle.cjs') as {
  ROOT: string;
  bundle: (entry: string, folder: string, name: string) => Promise<string>;
  DUCKDB_ALLOCATOR_CONF: string;
  withDuckdbAllocator: (env: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
};

const SRC = join(ROOT, '.build', 'probe-src');
afterAll(() => {
  rmSync(SRC, { recursive: true, force: true });
  rmSync(join(ROOT, '.build', 'probe'), { recursive: true, force: true });
});

describe('bundle', () => {
  it('is built again when a file it is made of changes, however old its time; kept otherwise', async () => {
    mkdirSync(SRC, { recursive: true });
    writeFileSync(join(SRC, 'entry.ts'), `import { n } from './dep.ts';\nexport const value: number = n;\n`);
    writeFileSync(join(SRC, 'dep.ts'), `export const n = 1;\n`);
    const build = () => bundle('.build/probe-src/entry.ts', 'probe', 'entry');
    const load = async (file: string) => ((await import(`${pathToFileURL(file).href}?t=${statSync(file).mtimeMs}-${Math.random()}`)) as { value: number }).value;

    const first = await build();
    expect(await load(first)).toBe(1);
    const builtAt = statSync(first).mtimeMs;
    // Nothing changed: the kept bundle, not written again.
    await new Promise((r) => setTimeout(r, 20));
    expect(await build()).toBe(first);
    expect(statSync(first).mtimeMs).toBe(builtAt);
    // A dependency changed, with a modification time in the past (a copy that kept old times): built again.
    writeFileSync(join(SRC, 'dep.ts'), `export const n = 2;\n`);
    utimesSync(join(SRC, 'dep.ts'), new Date('2001-01-01'), new Date('2001-01-01'));
    expect(await load(await build())).toBe(2);
    // The bundle itself edited or truncated: built again.
    writeFileSync(first, 'export const value = 99;\n');
    expect(await load(await build())).toBe(2);
  });
});

describe("DuckDB's allocator setting", () => {
  /**
   * A process that sets DUCKDB_JE_MALLOC_CONF as the launcher does — from JavaScript, before DuckDB
   * is imported — then opens DuckDB: what it wrote to stdout and to stderr (where jemalloc complains).
   */
  const openWith = (conf: string) => {
    const probe = `process.env.DUCKDB_JE_MALLOC_CONF = ${JSON.stringify(conf)};
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const db = await DuckDBInstance.create(':memory:');
      await (await db.connect()).run('SELECT 1');
      process.stdout.write('opened');`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    return { stdout: r.stdout, stderr: r.stderr };
  };

  it('reaches DuckDB when set from JavaScript before DuckDB loads; the launcher’s is accepted as it is', () => {
    // The mechanism: a setting made this way is read (jemalloc names a pair it does not know).
    expect(openWith('narenas:1,no_such_option:1')).toEqual({ stdout: 'opened', stderr: expect.stringContaining('<jemalloc>: Invalid conf pair: no_such_option:1') });
    // The launcher's: every pair known, nothing said.
    expect(DUCKDB_ALLOCATOR_CONF).toBe('narenas:1,dirty_decay_ms:1000,muzzy_decay_ms:0');
    expect(openWith(DUCKDB_ALLOCATOR_CONF)).toEqual({ stdout: 'opened', stderr: '' });
  });

  it("is given unless the operator's environment has one (even empty: jemalloc's own defaults)", () => {
    expect(withDuckdbAllocator({ PATH: '/bin' })).toEqual({ PATH: '/bin', DUCKDB_JE_MALLOC_CONF: DUCKDB_ALLOCATOR_CONF });
    expect(withDuckdbAllocator({ DUCKDB_JE_MALLOC_CONF: 'narenas:2' })).toEqual({ DUCKDB_JE_MALLOC_CONF: 'narenas:2' });
    expect(withDuckdbAllocator({ DUCKDB_JE_MALLOC_CONF: '' })).toEqual({ DUCKDB_JE_MALLOC_CONF: '' });
  });
});

describe("glibc's malloc arenas", () => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const PREFIX = 'MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}';

  it('`npm run sync` sets MALLOC_ARENA_MAX=2 before Node starts (glibc reads it once, then), unless the operator has set it; the server keeps glibc’s own', () => {
    const sync = scripts.sync!;
    expect(sync.slice(0, sync.indexOf(' node '))).toBe(PREFIX);
    // Under many users at once, fewer arenas made the server's uncached answers ~20% slower.
    expect(scripts.start).toMatch(/^node /);
    // What the process sees, run by the shell npm runs a script with: 2 by default; the operator's
    // own value as it is; an empty one is no value.
    const seen = (env: Record<string, string>) =>
      spawnSync('sh', ['-c', `${PREFIX} node -p process.env.MALLOC_ARENA_MAX`], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' }).stdout.trim();
    expect([seen({}), seen({ MALLOC_ARENA_MAX: '8' }), seen({ MALLOC_ARENA_MAX: '' })]).toEqual(['2', '8', '2']);
  });
});
