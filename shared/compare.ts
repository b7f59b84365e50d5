/**
 * Period against period (issue #20): a metric's rows for two periods joined row by row — by
 * organization (the total row too) and the metric's key columns — with, for every numeric
 * column (counts, shares, measures), the value in each period and the difference (current −
 * base; a share's difference is in share units: ×100 gives percentage points). The server's
 * comparison answer and the workbook's comparison sheets, and the client's panel, all use it.
 */
import { METRICS, type MetricColumn, type MetricDecl } from './metrics.ts';

export interface Period {
  from: string;
  to: string;
  /** The data as of a past sync (the server's `as_of` answer: as asked, the sync, when it finished); absent: now. */
  as_of?: { asked: string; run: number; finished_at: string };
}

export interface ComparedValue {
  base: number | null;
  current: number | null;
  /** current − base; null when either is null. */
  delta: number | null;
}

export interface ComparedRow {
  org: string | null;
  org_name: string | null;
  org_type: string | null;
  /** The metric's key columns (`form`, `item`…), as in its rows. */
  keys: Record<string, string | null>;
  values: Record<string, ComparedValue>;
}

type Row = Record<string, unknown>;

/** The columns compared: every count, share and measure of the metric. */
export function comparedColumns(decl: Pick<MetricDecl, 'columns'>): MetricColumn[] {
  return decl.columns.filter((c) => c.kind === 'count' || c.kind === 'ratio' || c.kind === 'measure');
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Joins `current` and `base` (rows of the same metric, as the API answers them): current's order
 * first, then the rows only the base period has. A row missing in one period has nulls there —
 * except the counts of a breakdown's row (a form, a topic, a kind of event): none of that kind in
 * that period is a count of 0, and the change is the whole count (it was null: «—» where a form
 * appeared or went: an outside review); its shares and measures stay null. An organization's row
 * of a metric without keys missing in a period (not in the registry then) stays null.
 * The difference is current − base as computed, unrounded, like the metrics themselves.
 */
export function compareRows(decl: Pick<MetricDecl, 'columns' | 'keys'>, current: readonly Row[], base: readonly Row[]): ComparedRow[] {
  const cols = comparedColumns(decl);
  const keyNames = decl.keys.map((k) => k.name);
  const id = (r: Row) => JSON.stringify([r.org ?? null, ...keyNames.map((k) => r[k] ?? null)]);
  const baseById = new Map(base.map((r) => [id(r), r]));
  const seen = new Set<string>();
  const out: ComparedRow[] = [];
  // A breakdown's row the other period lacks: none of that kind there, a count of 0.
  const zero = keyNames.length > 0 ? 0 : null;
  const add = (c: Row | undefined, b: Row | undefined) => {
    const r = (c ?? b)!;
    const values: Record<string, ComparedValue> = {};
    for (const col of cols) {
      const absent = col.kind === 'count' ? zero : null;
      const cv = c ? num(c[col.name]) : absent;
      const bv = b ? num(b[col.name]) : absent;
      values[col.name] = { base: bv, current: cv, delta: cv === null || bv === null ? null : cv - bv };
    }
    out.push({
      org: (r.org as string | null) ?? null,
      org_name: (c?.org_name ?? b?.org_name ?? null) as string | null,
      org_type: (c?.org_type ?? b?.org_type ?? null) as string | null,
      keys: Object.fromEntries(keyNames.map((k) => [k, (r[k] ?? null) as string | null])),
      values,
    });
  };
  for (const c of current) {
    const k = id(c);
    seen.add(k);
    add(c, baseById.get(k));
  }
  for (const b of base) if (!seen.has(id(b))) add(undefined, b);
  return out;
}

/**
 * The metrics a comparison makes sense for: a row per organization (and keys), numbers that
 * depend on the period. Not «Качество данных»: it describes the last loads, whatever the period.
 */
export const COMPARABLE_METRICS: readonly string[] = METRICS.filter((m) => m.name !== 'data_quality' && comparedColumns(m).length > 0).map((m) => m.name);

