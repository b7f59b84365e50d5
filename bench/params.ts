/**
 * Distinct parameter sets for the query benchmark, the same in the server process (runMetric
 * directly) and in the load generator (HTTP). Set `i` is unique for every `i`, so the first
 * request of each misses the result cache; half of them are region-wide (the heaviest), the
 * rest filter by organization type or by one organization, as the dashboard does.
 */
import { addDays } from '../server/metrics/period.ts';
import { REFERENCE_DATE } from './region.ts';

export interface QueryParams {
  from: string;
  to: string;
  type?: string;
  org?: string;
}

const TYPES = ['Школа', 'Детский сад'];

/** Parameter set number `i` (0, 1, 2…), for a region whose organization codes are `orgs`. */
export function paramSet(i: number, orgs: readonly string[]): QueryParams {
  // The academic year to date, its end moved back a day per set (and its start, every 200
  // sets): every set is a distinct cache key, and every period is a realistic one.
  const p: QueryParams = { from: addDays('2024-09-01', -Math.floor(i / 200)), to: addDays(REFERENCE_DATE, -(i % 200)) };
  switch (i % 4) {
    case 2:
      p.type = TYPES[Math.floor(i / 4) % TYPES.length]!;
      break;
    case 3:
      p.org = orgs[(i * 7919) % orgs.length]!;
      break;
    default:
      break; // region-wide
  }
  return p;
}

export function queryString(p: QueryParams): string {
  const q = new URLSearchParams({ from: p.from, to: p.to });
  if (p.type) q.set('type', p.type);
  if (p.org) q.set('org', p.org);
  return q.toString();
}
