/**
 * The named queries of `queries/`: every read the server makes beyond a key lookup is a `.sql`
 * file there, with a header saying what it answers and which parameters it binds (by name,
 * never pasted). Read once, then kept.
 */
import { readFileSync } from 'node:fs';

const cache = new Map<string, string>();

/** The text of `queries/<name>.sql` (`name` may name a folder: `matching/people`). */
export function sqlOf(name: string): string {
  let sql = cache.get(name);
  if (sql === undefined) {
    if (!/^[a-z_]+(\/[a-z_]+)*$/.test(name)) throw new Error(`not a query name: ${name}`);
    sql = readFileSync(new URL(`../../queries/${name}.sql`, import.meta.url), 'utf8');
    cache.set(name, sql);
  }
  return sql;
}
