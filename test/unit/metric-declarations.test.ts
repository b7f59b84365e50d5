/**
 * The metrics are declared once (shared/metrics.ts): the SQL files, the docs and the composites
 * must agree with the declarations, so a metric cannot be half-added.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS, SECTION_METRICS } from '../../shared/metrics.ts';
import { metricsMarkdown, sqlHeader } from '../../server/metrics/docs.ts';

const QUERIES = new URL('../../queries/', import.meta.url);

describe('metric declarations', () => {
  it('every metric with SQL has queries/<name>.sql naming every declared column; every top-level query file is a declared metric', () => {
    const files = readdirSync(QUERIES).filter((f) => f.endsWith('.sql') && !f.startsWith('_')).map((f) => f.replace(/\.sql$/, ''));
    expect([...files].sort()).toEqual([...SECTION_METRICS].sort());
    for (const m of METRICS.filter((x) => !('parts' in x))) {
      const sql = readFileSync(new URL(`${m.name}.sql`, QUERIES), 'utf8');
      expect(sqlHeader(sql), m.name).toMatch(new RegExp(`^${m.name}:`));
      for (const c of [...m.keys, ...m.columns]) expect(sql, `${m.name}.${c.name}`).toMatch(new RegExp(`\\b${c.name}\\b`));
    }
  });

  it('a composite is made of declared metrics and has no SQL of its own', () => {
    const composites = METRICS.filter((m) => 'parts' in m);
    expect(composites.map((m) => m.name)).toEqual(['overview']);
    for (const m of composites) {
      for (const p of (m as { parts: readonly string[] }).parts) expect(SECTION_METRICS).toContain(p);
    }
  });

  it('names are unique, short titles fit an XLSX sheet name (31 characters)', () => {
    expect(new Set(METRICS.map((m) => m.name)).size).toBe(METRICS.length);
    for (const m of METRICS) expect(m.short.length, m.name).toBeLessThanOrEqual(31);
  });

  it('docs/metrics.md is generated from them and current (run `npm run docs` after a change)', () => {
    expect(readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8')).toBe(metricsMarkdown());
  });
});
