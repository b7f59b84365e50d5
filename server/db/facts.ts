/**
 * Derived facts (issue #18): what every metric used to recompute at each query — each teacher's
 * employment, roles in pairs over time, category over time (the five-year terms included),
 * upgrades, courses; the organizations a metric reports on; rows per tab — kept as DuckDB tables
 * (queries/_facts.sql), so that a metric's SQL is a plain aggregate over them
 * (queries/_facts_macros.sql holds the shared rules over the facts).
 *
 * DESIGN: rebuilt in full, in one transaction (a metric reads either the old facts or the new
 * ones, never half of each), at the end of each sync (`rebuildFacts`, in the write that ends the
 * run) and when the database is opened (`ensureFacts`: an older database has none, and a sync
 * that was killed left them older than its rows). Only what changed is rebuilt: a content hash
 * of the source tables of each group (people; organizations) and of the SQL that derives them
 * is kept in `meta`, so a sync that loaded nothing, or a start over current facts, costs the
 * hashes. Facts hold no date of today and no parameter: a metric's answer depends only on the
 * loaded rows, as before.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Writer } from './db.ts';
import { createServerDay } from './zone.ts';

const read = (name: string) => readFileSync(new URL(`../../queries/${name}`, import.meta.url), 'utf8');

/** One statement per fact table, in build order (later facts read earlier ones). */
interface FactStatement {
  table: string;
  sql: string;
}

function statements(text: string): FactStatement[] {
  const out: FactStatement[] = [];
  // Comments out, then one statement per semicolon (the file has no other: no string holds one).
  for (const part of text.replace(/--.*$/gm, '').split(';')) {
    const sql = part.trim();
    if (!sql) continue;
    const table = /^CREATE OR REPLACE TABLE (\w+)/.exec(sql)?.[1];
    if (!table) throw new Error(`queries/_facts.sql: a statement that creates no fact table: ${sql.slice(0, 80)}`);
    out.push({ table, sql });
  }
  return out;
}

const FACTS_SQL = read('_facts.sql');
const FACTS = statements(FACTS_SQL);
const MACROS_SQL = read('_facts_macros.sql');

/** Facts of the organizations: small; the registry, statuses and findings change them without any row of people. */
const ORG_FACTS = new Set(['fact_orgs', 'fact_org_rows']);
export const FACT_TABLES: readonly string[] = FACTS.map((f) => f.table);

/**
 * What the facts are made of, besides the SQL that derives them: every column but run_id (a
 * sheet reloaded as it was changes nothing). Those of people read the first group; those of
 * organizations read the registry, the other tabs' counts and findings, and the teachers too.
 */
const PEOPLE_SOURCES = ['teachers', 'pairs', 'programs', 'courses', 'attestations'] as const;
const ORG_SOURCES = ['orgs', 'compliance', 'practices', 'events', 'quarantine', 'issues'] as const;
const CODE_HASH = createHash('sha1').update(FACTS_SQL).update(read('_macros.sql')).digest('hex');
const STAMP_KEYS = { people: 'facts_stamp_people', orgs: 'facts_stamp_orgs' } as const;

/**
 * A content hash of each group of sources: per table, the count and the sum of its rows' hashes.
 * Each row's hash is hashed again: DuckDB folds a row's last column into its hash linearly, so
 * the same change on two rows (two organizations leaving the registry) would cancel out of a
 * plain XOR or sum of row hashes.
 */
async function sourceStamps(w: Writer): Promise<{ people: string; orgs: string }> {
  // Table names are constants of this module, never input.
  const part = (t: string, exclude: string) =>
    `(SELECT count(*) || ':' || coalesce(sum(hash(hash(x))::HUGEINT), 0) FROM (SELECT * ${exclude} FROM "${t}") x) AS "${t}"`;
  const [people] = await w.query(
    `SELECT ${PEOPLE_SOURCES.map((t) => part(t, 'EXCLUDE (run_id)')).join(', ')},
       (SELECT string_agg(name || '=' || rank, ',' ORDER BY name) FROM categories) AS categories`,
  );
  const [orgs] = await w.query(`SELECT ${ORG_SOURCES.map((t) => part(t, t === 'orgs' ? '' : 'EXCLUDE (run_id)')).join(', ')}`);
  const hash = (row: unknown) => createHash('sha1').update(CODE_HASH).update(JSON.stringify(row)).digest('hex');
  return { people: hash(people), orgs: hash(orgs) };
}

async function missingTables(w: Writer): Promise<string[]> {
  const rows = await w.query(
    `SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary AND list_contains($names, table_name)`,
    { names: [...FACT_TABLES] },
  );
  const have = new Set(rows.map((r) => String(r.table_name)));
  return FACT_TABLES.filter((t) => !have.has(t));
}

export interface RebuildResult {
  /** Whether the facts of people were rebuilt (false: their sources had not changed). */
  people: boolean;
  /** Whether the facts of organizations were rebuilt. */
  orgs: boolean;
  ms: number;
}

/**
 * Rebuilds, in one transaction, the facts whose sources changed since they were built (all of
 * them with `force`, or when a table is missing): a metric reads either the old facts or the
 * new ones. Called at the end of each sync, inside its last write, and at start.
 */
export async function rebuildFacts(w: Writer, opts: { force?: boolean } = {}): Promise<RebuildResult> {
  const t0 = performance.now();
  const stamps = await sourceStamps(w);
  const stored = new Map(
    (await w.query(`SELECT key, value FROM meta WHERE list_contains($keys, key)`, { keys: Object.values(STAMP_KEYS) })).map((r) => [
      String(r.key),
      String(r.value),
    ]),
  );
  const all = opts.force === true || (await missingTables(w)).length > 0;
  const people = all || stored.get(STAMP_KEYS.people) !== stamps.people;
  // Organizations hold teachers (fact_orgs) and count every tab (fact_org_rows).
  const orgs = people || stored.get(STAMP_KEYS.orgs) !== stamps.orgs;
  if (orgs) {
    await w.transaction(async () => {
      for (const f of FACTS) if (people || ORG_FACTS.has(f.table)) await w.run(f.sql);
      for (const [k, key] of Object.entries(STAMP_KEYS)) {
        await w.run(`INSERT OR REPLACE INTO meta VALUES ($key, $stamp)`, { key, stamp: stamps[k as keyof typeof stamps] });
      }
    });
  }
  return { people, orgs, ms: performance.now() - t0 };
}

/**
 * Builds every fact and the macros over them on `conn` as it is (snapshot.ts: in a snapshot's
 * catalog, over the rows as of a past sync): `_macros.sql`, the facts in order, `_facts_macros.sql`.
 */
export async function buildFactsOn(conn: Writer['conn']): Promise<void> {
  await conn.run(read('_macros.sql'));
  await createServerDay(conn);
  for (const f of FACTS) await conn.run(f.sql);
  await conn.run(MACROS_SQL);
}

/**
 * At start (the migration step of openDatabase, schema.ts, after queries/_macros.sql): builds the facts when a table is
 * missing or they are older than the rows, then (re)creates the macros over them.
 */
export async function ensureFacts(w: Writer): Promise<void> {
  await rebuildFacts(w);
  await w.conn.run(MACROS_SQL);
}
