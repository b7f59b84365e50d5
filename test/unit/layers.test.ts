/**
 * Layers that only look down (README «Устройство»): a module imports from its own layer or a
 * lower one, never from a higher one — type-only imports included, since they tie the code
 * together just the same.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Path prefix → layer, top (1) to bottom (8); the longest matching prefix wins. */
const LAYERS: [string, number][] = [
  ['server/main.ts', 1],
  ['server/startup.ts', 1],
  ['server/config.ts', 1],
  ['server/env.ts', 1],
  ['server/cli/', 1],
  ['client/main.ts', 1],
  ['server/http/', 2],
  ['server/routes/', 2],
  ['server/auth/', 2],
  ['server/export/', 2],
  ['server/mail/', 2],
  ['client/', 2],
  ['server/metrics/', 3],
  ['server/matching/', 3],
  ['server/sync/', 3],
  ['server/sources/', 4],
  ['server/google/', 5],
  ['server/db/', 6],
  ['server/contract/', 7],
  ['server/template/', 7],
  ['server/http/errors.ts', 7],
  ['server/http/html.ts', 7],
  ['server/metrics/params.ts', 7],
  ['server/metrics/period.ts', 7],
  ['shared/', 8],
];

function layerOf(path: string): number | undefined {
  let best: [string, number] | undefined;
  for (const l of LAYERS) if (path.startsWith(l[0]) && (best === undefined || l[0].length > best[0].length)) best = l;
  return best?.[1];
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('layers', () => {
  it('no module imports from a higher layer', () => {
    const files = ['server', 'client', 'shared'].flatMap((d) => walk(join(ROOT, d)));
    const upward: string[] = [];
    const unplaced: string[] = [];
    for (const file of files) {
      const from = relative(ROOT, file);
      const own = layerOf(from);
      if (own === undefined) {
        unplaced.push(from);
        continue;
      }
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
        const to = relative(ROOT, resolve(dirname(file), m[1]!));
        const target = layerOf(to);
        if (target !== undefined && target < own) upward.push(`${from} (${own}) → ${to} (${target})`);
      }
    }
    expect(unplaced).toEqual([]);
    expect(upward).toEqual([]);
  });

  it('no SQL text outside queries/, the schema and database module (server/db/) and the sync state module', () => {
    // Code only: comments may name statements. A statement in a string is what is looked for.
    const SQL = /\b(SELECT\s+[\w*"(]|INSERT INTO|DELETE FROM|UPDATE\s+\w+\s+SET|CREATE (OR REPLACE )?(TEMP )?TABLE|DROP TABLE|ALTER TABLE)/;
    const allowed = (p: string) => p.startsWith('server/db/') || p === 'server/sync/state.ts';
    const found: string[] = [];
    for (const file of walk(join(ROOT, 'server'))) {
      const path = relative(ROOT, file);
      if (allowed(path)) continue;
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
        .replace(/^\s*\/\/.*$/gm, '');
      code.split('\n').forEach((line, i) => {
        if (SQL.test(line)) found.push(`${path}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });
});
