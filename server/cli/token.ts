/**
 * `npm run token -- <command>`: API tokens for scripts (create, list, revoke). A new token is
 * printed once; the database keeps only its hash, so `list` can show neither. Every change
 * goes to the audit log. Exit codes: 0 done, 1 refused (the reason in Russian), 2 wrong usage
 * or the database could not be opened (the server holds its lock).
 */
import { pathToFileURL } from 'node:url';
import { AuthStore, ROLES, ROLE_TITLES, type Role } from '../auth/store.ts';
import { openConfigured } from '../startup.ts';

const ACTOR = 'командная строка';
const LOCKED_HINT =
  'Пока работает сервер (npm start), файл базы занят им. Остановите сервер (npm start), выполните команду и запустите сервер снова.';

const USAGE = `API-токены мониторинга «Наставничество: мониторинг» (для скриптов и выгрузок).

Использование: npm run token -- <команда> [параметры]

Команды:
  create --role ${ROLES.join('|')} --name НАЗВАНИЕ [--org КОД]
      создать токен; он показывается один раз — в базе хранится только его хеш
  list
      список токенов: номер, название, роль, организация, когда создан, отозван
      и последний раз использован (сами токены не показываются)
  revoke <номер|название>
      отозвать токен по номеру или все действующие токены с этим названием

Роли:
${ROLES.map((r) => `  ${r.padEnd(13)}${ROLE_TITLES[r]}${r === 'school' ? ' — нужен --org с кодом организации из реестра' : ''}`).join('\n')}

Токен передаётся в заголовке запроса: Authorization: Bearer <токен>.

База — файл из MONITOR_DB (по умолчанию data/monitor.duckdb). Пока работает сервер
(npm start), база занята: остановите его на время команды.`;

/** Wrong usage: the message, then the usage; exit code 2. */
class UsageError extends Error {}

interface Parsed {
  args: string[];
  opts: Map<string, string>;
}

/** Splits argv into positionals and `--name value` (or `--name=value`) options. */
function parseArgs(argv: string[], valueOpts: readonly string[]): Parsed {
  const out: Parsed = { args: [], opts: new Map() };
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
    if (!valueOpts.includes(name)) throw new UsageError(`неизвестный параметр «${a}»`);
    if (out.opts.has(name)) throw new UsageError(`параметр ${name} указан дважды`);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`после ${name} нужно значение`);
    out.opts.set(name, value);
  }
  return out;
}

function roleText(role: Role, org: string | null): string {
  return `${ROLE_TITLES[role] ?? role}${org ? `, ${org}` : ''}`;
}

/** `2025-03-01 12:34:56.123456` → `2025-03-01 12:34`. */
function when(ts: string | null): string {
  return ts ? ts.slice(0, 16) : '—';
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help' || rest.includes('--help') || rest.includes('-h')) {
    console.log(USAGE);
    return 0;
  }

  // Everything about the command line is checked before the database is opened.
  let run: (store: AuthStore) => Promise<void>;
  switch (command) {
    case 'create': {
      const p = parseArgs(rest, ['--role', '--name', '--org']);
      if (p.args.length) throw new UsageError(`лишние аргументы: ${p.args.join(' ')}`);
      const role = p.opts.get('--role');
      const name = p.opts.get('--name');
      if (role === undefined) throw new UsageError(`укажите роль: --role ${ROLES.join('|')}`);
      if (name === undefined) throw new UsageError('укажите название токена: --name, например --name report-bot');
      run = async (store) => {
        const { info, token } = await store.createToken({ name, role, org: p.opts.get('--org') ?? null });
        await store.audit({ actor: ACTOR, action: 'token_create', target: info.name, detail: `№ ${info.id}, роль ${info.role}${info.org ? `, ${info.org}` : ''}` });
        console.log(
          `Токен «${info.name}» (№ ${info.id}, роль: ${roleText(info.role, info.org)}): ${token} — сохраните его: он показан один раз. ` +
            'Передавайте его в заголовке Authorization: Bearer <токен>.',
        );
      };
      break;
    }
    case 'list': {
      const p = parseArgs(rest, []);
      if (p.args.length) throw new UsageError(`лишние аргументы: ${p.args.join(' ')}`);
      run = async (store) => {
        const tokens = await store.listTokens();
        if (!tokens.length) {
          console.log('Токенов нет.');
          return;
        }
        const rows = tokens.map((t) => [String(t.id), t.name, ROLE_TITLES[t.role] ?? t.role, t.org ?? '—', when(t.created_at), when(t.revoked_at), when(t.last_used_at)]);
        console.log(table(['№', 'Название', 'Роль', 'Организация', 'Создан', 'Отозван', 'Использован'], rows));
        const active = tokens.filter((t) => !t.revoked_at).length;
        console.log(`Всего токенов: ${tokens.length}, действующих: ${active}.`);
      };
      break;
    }
    case 'revoke': {
      const p = parseArgs(rest, []);
      if (p.args.length === 0) throw new UsageError('укажите номер или название токена');
      if (p.args.length > 1) throw new UsageError(`лишние аргументы: ${p.args.slice(1).join(' ')}`);
      const which = p.args[0]!;
      run = async (store) => {
        const before = new Map((await store.listTokens()).map((t) => [t.id, t]));
        await store.revokeToken(which);
        const revoked = (await store.listTokens()).filter((t) => t.revoked_at && !before.get(t.id)?.revoked_at);
        const list = revoked.map((t) => `«${t.name}» (№ ${t.id})`).join(', ');
        await store.audit({ actor: ACTOR, action: 'token_revoke', target: which, detail: list || null });
        console.log(`${revoked.length > 1 ? 'Отозваны токены' : 'Отозван токен'} ${list}: запросы с ${revoked.length > 1 ? 'ними' : 'ним'} больше не принимаются.`);
      };
      break;
    }
    default:
      throw new UsageError(`неизвестная команда «${command}»`);
  }

  const opened = await openConfigured(LOCKED_HINT);
  if (!opened) return 2;
  const { db } = opened;
  try {
    await run(new AuthStore(db));
    return 0;
  } finally {
    db.close();
  }
}

/** Runs a command and returns its exit code, errors printed in Russian (the tests call it in-process). */
export async function runTokenCli(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`Ошибка: ${e.message}.\n\n${USAGE}`);
      return 2;
    }
    console.error(`Ошибка: ${(e as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exit(await runTokenCli(process.argv.slice(2)));
}
