/**
 * The DuckDB schema. Data tables are generated from the contract declaration (one table per
 * tab, one column per declared column); the service tables (registry, sync runs, quarantine)
 * are written here once.
 */
import { CATEGORIES, EVENT_KINDS, EVENT_LEVELS, FORMS, ORDER_ITEMS, TABS, TOPICS, type ColumnDecl, type TabDecl } from '../contract/index.ts';
import { readFileSync } from 'node:fs';
import { Db, type DbOptions, type Writer } from './db.ts';
import { ensureFacts } from './facts.ts';
import { createServerDay } from './zone.ts';
import { ENDS_DDL, HISTORY_FROM_KEY, STATE_HISTORY_DDL, VERSION_COLUMNS, recordStateHistory, seedTabHistory, versionsTable, type HistoryTab } from './history.ts';

/**
 * The schema version this program writes. A database of an older version is brought up to it
 * at start by MIGRATIONS, in order; one of a newer version is refused.
 */
export const SCHEMA_VERSION = 13;

/** A database column derived from a declared column. */
export interface DbColumn {
  name: string;
  sqlType: string;
  /** The declared column it comes from, or null for a derived column. */
  from: ColumnDecl | null;
  /** Which part of a person reference this column holds. */
  part?: 'text' | 'org' | 'key';
}

function sqlType(c: ColumnDecl): string {
  switch (c.type.kind) {
    case 'date':
      return 'DATE';
    case 'number':
      return c.type.integer ? 'INTEGER' : 'DOUBLE';
    case 'yesno':
      return 'BOOLEAN';
    case 'enumList':
      return 'VARCHAR[]';
    default:
      return 'VARCHAR';
  }
}

/** Columns derived during validation rather than typed by schools. */
const DERIVED: Partial<Record<TabDecl['key'], DbColumn[]>> = {
  // The identity of a teacher inside the organization: `code:<Код>` or `fio:<normalized ФИО>`.
  teachers: [{ name: 'person_key', sqlType: 'VARCHAR NOT NULL', from: null }],
};

/** The database columns of a tab's table, in table order (after `org`, `row_no`, `run_id`). */
export function dbColumns(tab: TabDecl): DbColumn[] {
  const out: DbColumn[] = [];
  for (const c of tab.columns) {
    if (c.type.kind === 'person') {
      // The reference as typed, the organization it resolved to and the teacher's person_key.
      out.push({ name: c.key, sqlType: 'VARCHAR', from: c, part: 'text' });
      out.push({ name: `${c.key}_org`, sqlType: 'VARCHAR', from: c, part: 'org' });
      out.push({ name: `${c.key}_key`, sqlType: 'VARCHAR', from: c, part: 'key' });
    } else {
      out.push({ name: c.key, sqlType: sqlType(c), from: c });
    }
  }
  out.push(...(DERIVED[tab.key] ?? []));
  return out;
}

export function tableDdl(tab: TabDecl, name: string = tab.key, temp = false, extra: readonly string[] = []): string {
  const cols = [
    '"org" VARCHAR NOT NULL',
    '"row_no" INTEGER NOT NULL',
    '"run_id" INTEGER NOT NULL',
    ...dbColumns(tab).map((c) => `"${c.name}" ${c.sqlType}`),
    ...extra,
  ];
  return `CREATE ${temp ? 'TEMP ' : ''}TABLE IF NOT EXISTS "${name}" (\n  ${cols.join(',\n  ')}\n)`;
}

const SERVICE_DDL = [
  `CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS categories (name VARCHAR PRIMARY KEY, rank INTEGER NOT NULL)`,
  // The contract's enumerations in their declared order (forms, topics, event kinds and levels) and the order's items
  // with deadlines, so queries can sort and join without a second copy of the lists.
  `CREATE TABLE IF NOT EXISTS enum_order (kind VARCHAR NOT NULL, value VARCHAR NOT NULL, rank INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS order_items (item VARCHAR PRIMARY KEY, rank INTEGER NOT NULL, deadline DATE)`,
  // The registry as last read. Rows that left the registry stay with in_registry = false.
  `CREATE TABLE IF NOT EXISTS orgs (
    code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, type VARCHAR NOT NULL, sheet VARCHAR,
    curator VARCHAR, active BOOLEAN NOT NULL, registry_row INTEGER, in_registry BOOLEAN NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS org_state (
    org VARCHAR PRIMARY KEY, last_success TIMESTAMP, last_attempt TIMESTAMP, last_status VARCHAR,
    last_message VARCHAR, stale BOOLEAN NOT NULL DEFAULT false, version VARCHAR,
    compliance_first_seen DATE
  )`,
  `CREATE SEQUENCE IF NOT EXISTS sync_run_seq START 1`,
  `CREATE TABLE IF NOT EXISTS sync_runs (
    id INTEGER PRIMARY KEY, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, source VARCHAR NOT NULL,
    trigger VARCHAR NOT NULL, status VARCHAR NOT NULL, orgs_total INTEGER, orgs_ok INTEGER,
    orgs_unchanged INTEGER, orgs_failed INTEGER, rows_loaded INTEGER, rows_quarantined INTEGER,
    warnings INTEGER, requests INTEGER, retries INTEGER, message VARCHAR
  )`,
  `CREATE TABLE IF NOT EXISTS sync_run_orgs (
    run_id INTEGER NOT NULL, org VARCHAR NOT NULL, status VARCHAR NOT NULL, message VARCHAR,
    rows_loaded INTEGER, rows_quarantined INTEGER, warnings INTEGER, requests INTEGER, retries INTEGER,
    duration_ms INTEGER, tabs VARCHAR
  )`,
  // Rejected rows, with their raw values as typed (header → value, JSON) and every problem.
  `CREATE TABLE IF NOT EXISTS quarantine (
    run_id INTEGER NOT NULL, scope VARCHAR NOT NULL, org VARCHAR, tab VARCHAR NOT NULL, row_no INTEGER, raw VARCHAR NOT NULL,
    messages VARCHAR NOT NULL
  )`,
  // Every finding (errors, warnings, notices) of the latest load of each organization.
  // scope: 'registry' (the coordinator's registry sheet) or 'sheet' (an organization's spreadsheet).
  `CREATE TABLE IF NOT EXISTS issues (
    run_id INTEGER NOT NULL, scope VARCHAR NOT NULL, org VARCHAR, tab VARCHAR NOT NULL, row_no INTEGER, column_name VARCHAR,
    value VARCHAR, level VARCHAR NOT NULL, problem VARCHAR NOT NULL, message VARCHAR NOT NULL
  )`,
  // Access (server/auth): accounts, browser sessions and API tokens (secrets stored as hashes
  // only), failed-login counters and the audit log.
  `CREATE SEQUENCE IF NOT EXISTS user_seq START 1`,
  `CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, login VARCHAR NOT NULL UNIQUE, role VARCHAR NOT NULL, org VARCHAR, full_name VARCHAR,
    password_hash VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, password_changed_at TIMESTAMP NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS sessions (
    token_hash VARCHAR PRIMARY KEY, user_id INTEGER, demo BOOLEAN NOT NULL, csrf VARCHAR NOT NULL,
    created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL, seen_ms BIGINT NOT NULL
  )`,
  `CREATE SEQUENCE IF NOT EXISTS token_seq START 1`,
  `CREATE TABLE IF NOT EXISTS api_tokens (
    id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, role VARCHAR NOT NULL, org VARCHAR, token_hash VARCHAR NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP, last_used_at TIMESTAMP
  )`,
  `CREATE TABLE IF NOT EXISTS login_throttle (
    login_key VARCHAR PRIMARY KEY, failures INTEGER NOT NULL, locks INTEGER NOT NULL, locked_until_ms BIGINT,
    last_failure_ms BIGINT NOT NULL
  )`,
  `CREATE SEQUENCE IF NOT EXISTS audit_seq START 1`,
  `CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY, ts TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, role VARCHAR, action VARCHAR NOT NULL,
    target VARCHAR, detail VARCHAR, ip VARCHAR
  )`,
];

/**
 * Numbered migrations: what changed in the schema since version 1, applied in order to a
 * database of an older version (and to a new one). Each statement is idempotent, so a start
 * interrupted half-way simply runs it again.
 */
const MIGRATIONS: readonly { version: number; statements: readonly string[] }[] = [
  {
    // Issue #17: where each sync run's data came from (the demo login exists only over demo
    // data), accounts that must change a password somebody else knows, the coordinator's
    // acceptance of a load that shrinks a tab (or the registry) sharply.
    version: 2,
    statements: [
      `ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS source_kind VARCHAR`,
      `ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS orgs_held INTEGER`,
      `UPDATE sync_runs SET source_kind = CASE
         WHEN source LIKE 'Google Sheets%' THEN 'google'
         WHEN source LIKE 'папка %' THEN 'folder'
         WHEN source LIKE 'демо-данные%' THEN 'demo'
         ELSE 'unknown' END
       WHERE source_kind IS NULL`,
      `ALTER TABLE users ADD COLUMN IF NOT EXISTS must_change_password BOOLEAN DEFAULT false`,
      `UPDATE users SET must_change_password = false WHERE must_change_password IS NULL`,
      // One pending acceptance per organization code ('' = the registry), used by the next load.
      `CREATE TABLE IF NOT EXISTS shrink_acceptances (
        org VARCHAR PRIMARY KEY, accepted_at TIMESTAMP NOT NULL, accepted_by VARCHAR NOT NULL
      )`,
    ],
  },
  {
    // Issue #19: the write-back's hash of the findings last written per organization
    // (server/google/writeback.ts), created by the write-back itself at run time before; IF NOT
    // EXISTS, so a database where it already made the table migrates too.
    version: 3,
    statements: [
      `CREATE TABLE IF NOT EXISTS writeback_state (org VARCHAR PRIMARY KEY, hash VARCHAR NOT NULL, written_at TIMESTAMP NOT NULL)`,
    ],
  },
  {
    // Issue #20: the history of the loaded rows (server/db/history.ts). Its tables are created
    // with the others (migrate); a database that had none gets the rows it holds as their first
    // versions (migrate, when it passes version 4).
    version: 4,
    statements: [],
  },
  {
    // Issue #20, part 2: the history of the registry, the organizations' states, findings and
    // quarantine (history.ts STATE_TABLES), so figures can be read as of a past sync. Created with
    // the others (migrate); a database that had none starts it with what it holds, and its
    // history is whole from its last run on (HISTORY_FROM_KEY).
    version: 5,
    statements: [],
  },
  {
    // Issue #21: scheduled deliveries of reports by e-mail and every message sent (server/mail/).
    version: 6,
    statements: [
      `CREATE SEQUENCE IF NOT EXISTS subscription_seq START 1`,
      `CREATE TABLE IF NOT EXISTS subscriptions (
        id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, metrics VARCHAR NOT NULL, orgs VARCHAR NOT NULL, type VARCHAR,
        period VARCHAR NOT NULL, format VARCHAR NOT NULL, audience VARCHAR NOT NULL, recipients VARCHAR NOT NULL,
        cron VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL, last_fired_at TIMESTAMP,
        last_sent_at TIMESTAMP, last_status VARCHAR, last_message VARCHAR
      )`,
      `CREATE SEQUENCE IF NOT EXISTS mail_seq START 1`,
      `CREATE TABLE IF NOT EXISTS mail_outbox (
        id INTEGER PRIMARY KEY, created_at TIMESTAMP NOT NULL, kind VARCHAR NOT NULL, subscription_id INTEGER,
        recipients VARCHAR NOT NULL, subject VARCHAR NOT NULL, status VARCHAR NOT NULL, attempts INTEGER NOT NULL,
        last_error VARCHAR, sent_at TIMESTAMP
      )`,
    ],
  },
  {
    // Issue #21, part 3: reminders to schools. The registry's «E-mail ответственного» (JSON list
    // of addresses, per organization), what each organization was last told (the fingerprints of
    // its errors, the day, the reporting date it was reminded of, since when its sheet is
    // unchanged) and the addresses that unsubscribed (server/mail/reminders.ts).
    version: 7,
    statements: [
      `CREATE TABLE IF NOT EXISTS org_contacts (org VARCHAR PRIMARY KEY, emails VARCHAR NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS reminder_state (org VARCHAR PRIMARY KEY, told VARCHAR NOT NULL, sent_day DATE, deadline_told DATE)`,
      `CREATE TABLE IF NOT EXISTS reminder_optouts (
        org VARCHAR NOT NULL, email VARCHAR NOT NULL, since TIMESTAMP NOT NULL, PRIMARY KEY (org, email)
      )`,
    ],
  },
  {
    // The columns each tab of each organization had at its last load (keys, comma-separated):
    // an optional column deleted since is said (sync/guard.ts droppedColumns) — its values
    // otherwise turned empty without a word, and the figures moved.
    version: 8,
    statements: [`CREATE TABLE IF NOT EXISTS tab_columns (org VARCHAR NOT NULL, tab VARCHAR NOT NULL, columns VARCHAR NOT NULL)`],
  },
  {
    // tab_columns keyed by (org, tab), so that a load upserts its pairs in one statement
    // (state.ts saveTabColumns). A table keeps the constraints it was created with: a file of
    // version 8 gets the table again, with the key and its rows (one per pair: the load deleted
    // a pair's row before inserting it). In one transaction (migrate), so a start interrupted
    // half-way leaves version 8 as it was, and runs this again.
    version: 9,
    statements: [
      `CREATE OR REPLACE TABLE tab_columns_keyed (org VARCHAR NOT NULL, tab VARCHAR NOT NULL, columns VARCHAR NOT NULL, PRIMARY KEY (org, tab))`,
      `INSERT INTO tab_columns_keyed SELECT org, tab, any_value(columns) FROM tab_columns GROUP BY org, tab`,
      `DROP TABLE tab_columns`,
      `ALTER TABLE tab_columns_keyed RENAME TO tab_columns`,
    ],
  },
  {
    // Google's id of each tab (the `#gid=` of its address) of each organization's spreadsheet at
    // its last load, by the tab's title as in the sheet: a finding links to its row, not only to
    // the spreadsheet («ячейка ↗» opened the first tab: an outside review). Filled by the next load.
    version: 10,
    statements: [`CREATE TABLE IF NOT EXISTS tab_gids (org VARCHAR NOT NULL, title VARCHAR NOT NULL, gid BIGINT NOT NULL, PRIMARY KEY (org, title))`],
  },
  {
    // The column of each header of each tab at its last load (JSON: header text as in the sheet →
    // 0 for A): «ячейка ↗» of a finding opens its very cell — it opened column A of the row, while
    // the value at fault was in another column (an outside review). Filled by the next load.
    version: 11,
    statements: [`ALTER TABLE tab_gids ADD COLUMN IF NOT EXISTS columns VARCHAR`],
  },
  {
    // The addresses each login has signed in from (auth/throttle.ts): a login locked by wrong
    // passwords from elsewhere stays open to them — anybody on the network locked the only
    // coordinator out for a day with ten requests (an acceptance run).
    version: 12,
    statements: [
      `CREATE TABLE IF NOT EXISTS login_addresses (login_key VARCHAR NOT NULL, address VARCHAR NOT NULL, last_success_ms BIGINT NOT NULL, PRIMARY KEY (login_key, address))`,
    ],
  },
  {
    // The Google spreadsheet each organization was last loaded from: the registry's «Таблица» may
    // name it by a file chip or a link, or hold a broken value since — a finding still opens its
    // cell (the links of every finding went when «Таблица» was mistyped: an acceptance run).
    version: 13,
    statements: [`CREATE TABLE IF NOT EXISTS org_sheets (org VARCHAR PRIMARY KEY, spreadsheet_id VARCHAR NOT NULL)`],
  },
];

/** A tab's table for the history (history.ts): its key and content columns. */
export const historyTab = (tab: TabDecl): HistoryTab => ({ key: tab.key, columns: dbColumns(tab).map((c) => c.name) });
/** Every tab's, in contract order. */
export const HISTORY_TABS: readonly HistoryTab[] = TABS.map(historyTab);

/**
 * The application's database: connected, then the migration step — a new file gets the whole
 * schema, a file of an older version the numbered migrations it lacks (MIGRATIONS), every file
 * the lists of the contract, the macros and the derived facts. Every entry point opens it here.
 */
export async function openDatabase(path: string, opts: DbOptions = {}): Promise<Db> {
  const db = await Db.connect(path, opts);
  try {
    await db.write((w) => migrate(w));
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/** The migration step (see openDatabase). */
export async function migrate(w: Writer): Promise<void> {
  for (const ddl of SERVICE_DDL) await w.run(ddl);
  for (const tab of TABS) await w.run(tableDdl(tab));
  // The history of the rows (history.ts): a versions table per tab, with the tab's columns.
  for (const tab of TABS) await w.run(tableDdl(tab, versionsTable(tab.key), false, VERSION_COLUMNS));
  await w.run(ENDS_DDL);
  for (const ddl of STATE_HISTORY_DDL) await w.run(ddl);
  // The contract's lists, one statement each (list parameters): a database opens in fewer round trips.
  await w.run('DELETE FROM categories');
  await w.run('INSERT INTO categories SELECT unnest($names), unnest($ranks)::INTEGER', {
    names: CATEGORIES.map((c) => c.value),
    ranks: CATEGORIES.map((c) => String(c.rank)),
  });
  await w.run('DELETE FROM enum_order');
  const enums = (
    [['form', FORMS], ['topic', TOPICS], ['event_kind', EVENT_KINDS], ['event_level', EVENT_LEVELS]] as const
  ).flatMap(([kind, list]) => list.map((v, i) => ({ kind, value: v.value, rank: i + 1 })));
  await w.run('INSERT INTO enum_order SELECT unnest($kinds), unnest($values), unnest($ranks)::INTEGER', {
    kinds: enums.map((e) => e.kind),
    values: enums.map((e) => e.value),
    ranks: enums.map((e) => String(e.rank)),
  });
  await w.run('DELETE FROM order_items');
  await w.run('INSERT INTO order_items SELECT unnest($items), unnest($ranks)::INTEGER, unnest($deadlines)::DATE', {
    items: ORDER_ITEMS.map((it) => it.item),
    ranks: ORDER_ITEMS.map((_, i) => String(i + 1)),
    deadlines: ORDER_ITEMS.map((it) => it.deadline ?? null),
  });
  const rows = await w.query(`SELECT value FROM meta WHERE key = 'schema_version'`);
  const current = rows[0] ? Number(rows[0].value) : null;
  if (current !== null && current > SCHEMA_VERSION) {
    throw new Error(
      `база данных создана более новой версией программы (схема ${current}, поддерживается ${SCHEMA_VERSION})`,
    );
  }
  // A new database gets every migration too: the tables above are created in their first shape.
  for (const m of MIGRATIONS) {
    if (current !== null && current >= m.version) continue;
    // A migration's statements all or none: one interrupted half-way runs again whole.
    await w.transaction(async () => {
      for (const sql of m.statements) await w.run(sql);
    });
    // The rows a database holds when it gets the history are its first versions (a new one holds none).
    if (m.version === 4 && current !== null) for (const tab of TABS) await seedTabHistory(w, historyTab(tab));
    if (m.version === 5 && current !== null) {
      const [last] = await w.query(`SELECT coalesce(max(id), 0)::INTEGER AS id FROM sync_runs`);
      const run = Number(last?.id ?? 0);
      // A diff: a start interrupted half-way takes in nothing twice; the tables' stamps are taken again.
      await w.run(`DELETE FROM meta WHERE key LIKE 'history_stamp_%'`);
      await recordStateHistory(w, run);
      await w.run(`INSERT OR REPLACE INTO meta VALUES ('${HISTORY_FROM_KEY}', $run)`, { run: String(run) });
    }
  }
  await w.conn.run(readFileSync(new URL('../../queries/_macros.sql', import.meta.url), 'utf8'));
  await createServerDay(w.conn);
  await w.run(`INSERT OR REPLACE INTO meta VALUES ('schema_version', $v)`, { v: String(SCHEMA_VERSION) });
  // The derived facts the metrics read (issue #18): built when missing (an older database) or
  // older than the rows (a sync that was killed), then the macros over them. Derived data, not
  // schema: no version of its own, so an older program can still open the file.
  await ensureFacts(w);
}
