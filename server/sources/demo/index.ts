/**
 * The `demo` source: a deterministic, realistic municipality (schools, kindergartens,
 * additional education) generated in memory, so `npm start` on a fresh machine shows a
 * living dashboard with no account anywhere, and the benchmark can build a region of any size.
 *
 * Determinism: one seeded PRNG stream per organization and purpose (mulberry32), calendar
 * arithmetic in whole UTC days, no Math.random, no clock, no time zone: the same options give
 * byte-identical grids. Organization-level layout quirks (aliases, title rows, column order,
 * date style…) depend only on the organization's code, never on the seed, so the deliberately
 * invalid cells sit at fixed sheet positions (DEMO_DELIBERATE_ERRORS).
 *
 * Tab titles, headers, aliases and enumeration values come from the contract's declaration:
 * the demo writes what schools type, and must follow the contract when it changes.
 */
import { createHash } from 'node:crypto';
import { plural } from '../../contract/normalize.ts';
import { type FetchContext, type FetchResult, type OrgEntry, type RawTab, type Source, SourceError } from '../types.ts';
import { parseIsoDay, ruOf } from './calendar.ts';
import { generateMunicipality, resolveOptions } from './municipality.ts';
import type { DemoOptions, Municipality } from './types.ts';

/** A stable content hash: the version a sync stores to skip unchanged organizations. */
function versionOf(tabs: RawTab[]): string {
  return `demo-${createHash('sha256').update(JSON.stringify(tabs)).digest('hex').slice(0, 16)}`;
}

/** The demo spreadsheet ID from a bare key or a URL that carries it (`…/d/<id>/…`). */
function sheetKey(sheet: string): string {
  const m = /\/d\/([^/?#]+)/.exec(sheet);
  if (!m) return sheet.trim();
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

export function createDemoSource(opts: DemoOptions = {}): Source {
  const o = resolveOptions(opts);
  let data: Municipality | null = null;
  const versions = new Map<string, string>();
  // Generated on first use: building the source costs nothing until a sync asks.
  const load = (): Municipality => (data ??= generateMunicipality(o));
  return {
    kind: 'demo',
    description: `демо-данные: ${o.schools} ${plural(o.schools, 'школа', 'школы', 'школ')}, ${o.kindergartens} ${plural(o.kindergartens, 'детский сад', 'детских сада', 'детских садов')}, ${o.additional} ${plural(o.additional, 'учреждение', 'учреждения', 'учреждений')} ДО на ${ruOf(parseIsoDay(o.referenceDate))}`,
    async readRegistry() {
      return structuredClone(load().registry);
    },
    async fetchOrg(org: OrgEntry, ctx: FetchContext): Promise<FetchResult> {
      const key = sheetKey(org.sheet);
      const tabs = load().orgs.get(key);
      if (!tabs) throw new SourceError(`таблица «${org.sheet}» не найдена среди демо-данных`, 'not_found');
      let version = versions.get(key);
      if (version === undefined) {
        version = versionOf(tabs);
        versions.set(key, version);
      }
      if (!ctx.full && ctx.lastVersion === version) return { status: 'unchanged', version, requests: 0, retries: 0 };
      return { status: 'ok', tabs: structuredClone(tabs), version, requests: 0, retries: 0 };
    },
  };
}

export { mulberry32 } from './random.ts';
export { DEMO_DELIBERATE_ERRORS } from './errors.ts';
export { generateMunicipality } from './municipality.ts';
export type * from './types.ts';
