/**
 * The named queries of `queries/`: every read the server makes beyond a key lookup is a `.sql`
 * file there, with a header saying what it answers and which parameters it binds (by name,
 * never pasted). Read once, then kept.
 *
 * A module's small statements (an account store, a state table) share one file, each under a
 * `-- name: <statement>` line (the aiosql/HugSQL convention), the comment lines after it saying
 * what it does: `sqlOf('auth/users#by_login')` is the statement `by_login` of
 * `queries/auth/users.sql`, up to the next `-- name:` line.
 */
import { readFileSync } from 'node:fs';

const files = new Map<string, string>();
const statements = new Map<string, string>();

function fileText(name: string): string {
  let sql = files.get(name);
  if (sql === undefined) {
    if (!/^[a-z_]+(\/[a-z_]+)*$/.test(name)) throw new Error(`not a query name: ${name}`);
    sql = readFileSync(new URL(`../../queries/${name}.sql`, import.meta.url), 'utf8');
    files.set(name, sql);
  }
  return sql;
}

/** The named statements of one file, `-- name: x` → its text (comment lines included). */
export function statementsOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = text.split(/^-- name: *([a-z_][a-z0-9_]*) *$/m);
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const name = parts[i]!;
    if (out.has(name)) throw new Error(`statement ${name} is named twice`);
    out.set(name, parts[i + 1]!.trim());
  }
  return out;
}

/**
 * The text of `queries/<name>.sql` (`name` may name a folder: `matching/people`), or of one
 * named statement in it: `auth/users#by_login`.
 */
export function sqlOf(name: string): string {
  const hash = name.indexOf('#');
  if (hash < 0) return fileText(name);
  let sql = statements.get(name);
  if (sql === undefined) {
    const file = name.slice(0, hash);
    for (const [k, v] of statementsOf(fileText(file))) statements.set(`${file}#${k}`, v);
    sql = statements.get(name);
    if (sql === undefined) throw new Error(`no statement ${name.slice(hash + 1)} in queries/${file}.sql`);
  }
  return sql;
}
