/**
 * Every link a reader follows resolves inside the repository: relative Markdown links in
 * README.md and docs/, and the documents source comments point at (docs/spec/METRICS.md and
 * the like). A clone has nothing outside the repository, so `../shared/…` is a broken link.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function walk(dir: string, keep: (f: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'scratch') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, keep));
    else if (keep(p)) out.push(p);
  }
  return out;
}

/** Relative link targets of a Markdown text: `[text](target)`, without the #anchor; web links and anchors left out. */
function markdownLinks(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/i.test(target) || target.startsWith('#') || target.startsWith('/')) continue;
    out.push(target.split('#')[0]!);
  }
  return out;
}

describe('links', () => {
  it('every relative link in README.md and docs/ names a file of the repository', () => {
    const docs = [join(ROOT, 'README.md'), ...walk(join(ROOT, 'docs'), (f) => f.endsWith('.md'))];
    const broken: string[] = [];
    let checked = 0;
    for (const file of docs) {
      for (const target of markdownLinks(readFileSync(file, 'utf8'))) {
        checked++;
        const path = resolve(dirname(file), decodeURI(target));
        if (!path.startsWith(ROOT + '/') || !existsSync(path)) broken.push(`${relative(ROOT, file)} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
    // README links at least to the metric definitions and the benchmark's last results.
    expect(checked).toBeGreaterThan(3);
  });

  it('every document a source comment points at is in the repository (Markdown links that code writes are checked in the files it writes)', () => {
    const sources = ['server', 'client', 'queries', 'bench', 'test'].flatMap((d) => walk(join(ROOT, d), (f) => /\.(ts|sql)$/.test(f)));
    const missing = new Set<string>();
    const named = new Set<string>();
    for (const file of sources) {
      for (const m of readFileSync(file, 'utf8').matchAll(/(?<![\w/.])(?<!\]\()((?:\.\.\/)*(?:[\w-]+\/)*[A-Z]+\.md)\b/g)) {
        const doc = m[1]!;
        named.add(doc);
        if (doc.startsWith('../') || !existsSync(join(ROOT, doc))) missing.add(`${relative(ROOT, file)}: ${doc}`);
      }
    }
    expect([...missing]).toEqual([]);
    expect(named.has('docs/spec/METRICS.md')).toBe(true);
  });
});
