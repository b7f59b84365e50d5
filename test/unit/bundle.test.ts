/**
 * scripts/bundle.cjs: a command is built again exactly when a file it is made of changed (its
 * content, not its time), and otherwise started from the kept bundle.
 */
import { mkdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { ROOT, bundle } = require('../../scripts/bundle.cjs') as { ROOT: string; bundle: (entry: string, folder: string, name: string) => Promise<string> };

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
