/** The demo municipality (server/sources/demo/): the municipality. */
import { REGISTRY_TAB } from '../../contract/declaration.ts';
import type { RawTab } from '../types.ts';
import { addYears, parseIsoDay, schoolYearStart } from './calendar.ts';
import { buildOrgTabs, buildPairs, trimRow } from './emission.ts';
import { layoutFor, orgSpecs } from './organizations.ts';
import { stream } from './random.ts';
import { type Ctx, type Org, genStaff } from './staff.ts';
import { DEFAULTS, type DemoOptions, type Municipality } from './types.ts';

export function resolveOptions(opts: DemoOptions): Required<DemoOptions> {
  const o: Required<DemoOptions> = {
    referenceDate: opts.referenceDate ?? DEFAULTS.referenceDate,
    seed: opts.seed ?? DEFAULTS.seed,
    schools: opts.schools ?? DEFAULTS.schools,
    kindergartens: opts.kindergartens ?? DEFAULTS.kindergartens,
    additional: opts.additional ?? DEFAULTS.additional,
    teachersScale: opts.teachersScale ?? DEFAULTS.teachersScale,
    inactive: opts.inactive ?? DEFAULTS.inactive,
  };
  for (const k of ['schools', 'kindergartens', 'additional', 'inactive'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 0) throw new Error(`demo: ${k} must be a non-negative integer`);
  }
  if (!(o.teachersScale > 0)) throw new Error('demo: teachersScale must be positive');
  parseIsoDay(o.referenceDate);
  return o;
}

/**
 * Generates the registry and every organization's tabs. Pure: the same options give the same
 * grids, byte for byte, in any time zone. No step is quadratic in teachers: 1,000 organizations
 * with 60,000 teachers take about a second.
 */
export function generateMunicipality(opts: DemoOptions = {}): Municipality {
  const o = resolveOptions(opts);
  const ref = parseIsoDay(o.referenceDate);
  const ctx: Ctx = { seed: o.seed, ref, w0: addYears(schoolYearStart(ref), -1), scale: o.teachersScale, orgs: [] };
  const specs = orgSpecs(o);
  const active: Org[] = [];
  const all: Org[] = specs.map((s) => {
    const org: Org = {
      ...s,
      ordinal: 0,
      layout: layoutFor(s.kind, s.n),
      teachers: [],
      seniors: [],
      seniorsBySpec: new Map(),
      curator: '',
      fmt: stream(o.seed, s.code, 'format'),
      tabs: [],
      planted: [],
      counts: { pairs: 0, programs: 0, courses: 0, attestations: 0 },
    };
    if (s.active) {
      org.ordinal = active.length;
      active.push(org);
    }
    return org;
  });
  ctx.orgs = active;
  // Staff of every organization first: mentors may come from another organization.
  for (const org of active) genStaff(org, ctx);
  // All pairs before any tab is written: a mentor from another organization is flagged
  // `Наставник = Да` on that organization's own sheet.
  const mentoring = active.map((org) => buildPairs(org, ctx));
  active.forEach((org, i) => buildOrgTabs(org, ctx, mentoring[i]!));

  const reg = REGISTRY_TAB.columns;
  const registry: RawTab = {
    title: REGISTRY_TAB.title,
    grid: [
      reg.map((c) => c.header),
      ...all.map((org) => trimRow([org.code, org.name, org.type, org.sheet, org.curator, org.active ? 'Да' : 'Нет'])),
    ],
  };
  const orgs = new Map<string, RawTab[]>(all.map((org) => [org.sheet, org.tabs]));
  const stats = { organizations: all.length, teachers: 0, pairs: 0, programs: 0, courses: 0, attestations: 0 };
  for (const org of active) {
    stats.teachers += org.teachers.length;
    stats.pairs += org.counts.pairs;
    stats.programs += org.counts.programs;
    stats.courses += org.counts.courses;
    stats.attestations += org.counts.attestations;
  }
  return { registry, orgs, deliberateErrors: active.flatMap((org) => org.planted), stats };
}
