/**
 * What `npm run user` and `npm run token` share: the argument parser, the wrong-usage error,
 * the text helpers of their tables, and running a command against the database (opened only
 * after the command line is checked; closed whatever happens).
 */
import { momentDate, ruClock, zoneLabel } from '../../shared/moment.ts';
import { AuthStore, ROLE_TITLES, type Role } from '../auth/store.ts';
import { openConfigured } from '../startup.ts';

export const ACTOR = 'командная строка';
export const LOCKED_HINT =
  'Пока работает сервер (npm start), файл базы занят им. Остановите сервер (npm start), выполните команду и запустите сервер снова.';

/** Wrong usage: the message, then the usage; exit code 2. */
export class UsageError extends Error {}

export interface Parsed {
  args: string[];
  opts: Map<string, string>;
  flags: Set<string>;
}

/** Splits argv into positionals, `--name value` (or `--name=value`) options and flags. */
export function parseArgs(argv: string[], valueOpts: readonly string[], flagOpts: readonly string[] = []): Parsed {
  const out: Parsed = { args: [], opts: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      out.args.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (valueOpts.includes(name)) {
      if (out.opts.has(name)) throw new UsageError(`параметр ${name} указан дважды`);
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`после ${name} нужно значение`);
      out.opts.set(name, value);
    } else if (flagOpts.includes(name) && eq < 0) {
      out.flags.add(name);
    } else {
      throw new UsageError(`неизвестный параметр «${a}»`);
    }
  }
  return out;
}

export function onePositional(p: Parsed, what: string): string {
  if (p.args.length === 0) throw new UsageError(`укажите ${what}`);
  if (p.args.length > 1) throw new UsageError(`лишние аргументы: ${p.args.slice(1).join(' ')}`);
  return p.args[0]!;
}

export function roleText(role: Role, org: string | null): string {
  return `${ROLE_TITLES[role] ?? role}${org ? `, ${org}` : ''}`;
}

/**
 * A moment of the database (`2025-03-01 12:34:56.123456`, UTC) on this computer's clock, its zone
 * said: `01.03.2025 20:34 (UTC+8)` (it printed the UTC wall clock with no zone: an acceptance run).
 */
export function when(ts: string | null): string {
  if (!ts) return '—';
  const at = momentDate(ts);
  return at ? `${ruClock(at)} (${zoneLabel(at)})` : ts.slice(0, 16);
}

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * Opens the database, runs `run`, closes it; 2 when it could not be opened (the server holds it,
 * or — `existing` — there is no file: a command that lists or changes accounts on a mistyped
 * MONITOR_DB said «учётных записей: 0» from a new empty database it had just made).
 */
export async function withStore(run: (store: AuthStore) => Promise<void>, opts: { existing: boolean }): Promise<number> {
  const opened = await openConfigured(LOCKED_HINT, opts);
  if (!opened) return 2;
  try {
    await run(new AuthStore(opened.db));
    return 0;
  } finally {
    opened.db.close();
  }
}

/** A command's exit code, errors printed in Russian: 2 wrong usage (with the usage), 1 refused. */
export async function runCommand(main: () => Promise<number>, usage: string): Promise<number> {
  try {
    return await main();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`Ошибка: ${e.message}.\n\n${usage}`);
      return 2;
    }
    console.error(`Ошибка: ${(e as Error).message}`);
    return 1;
  }
}
