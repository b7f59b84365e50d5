/**
 * The server's calendar day of a moment, in SQL: `server_day(ts)`. Every moment in the database
 * is UTC (db.ts: DuckDB's own clock is set to UTC), while «today» is the server's calendar day
 * in its zone (`TZ`, metrics/period.ts isoDay): from midnight to 08:00 in Sayansk the UTC date
 * is yesterday's. A query that takes the day of a stored moment — the day a teacher's category
 * is checked against «Аттестация» (the day of the organization's last load), the days of the
 * action log — takes it here, so it is the same day the sync and the pages call it.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

/** An IANA zone name as the runtime gives it: letters, digits, `_+-/` — never anything to quote. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

/** The body of `server_day(ts)` for this process's zone (ts: a UTC TIMESTAMP). */
async function dayExpression(conn: DuckDBConnection): Promise<string> {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone || zone === 'UTC' || zone === 'Etc/UTC') return 'CAST(ts AS DATE)';
  if (ZONE_NAME.test(zone)) {
    const named = (ts: string) => `CAST(timezone('${zone}', CAST(${ts} AS TIMESTAMPTZ)) AS DATE)`;
    try {
      // DuckDB's time zones (ICU) may not know a name the runtime gives.
      await conn.run(`SELECT ${named(`TIMESTAMP '2000-01-01 00:00:00'`)}`);
      return named('ts');
    } catch {
      // Below: the zone's offset now.
    }
  }
  const minutes = -new Date().getTimezoneOffset();
  return minutes === 0 ? 'CAST(ts AS DATE)' : `CAST(ts + INTERVAL (${minutes}) MINUTE AS DATE)`;
}

/** (Re)creates `server_day(ts)` on `conn`'s catalog for this process's zone (at every start: the zone is the process's). */
export async function createServerDay(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE OR REPLACE MACRO server_day(ts) AS ${await dayExpression(conn)}`);
}
