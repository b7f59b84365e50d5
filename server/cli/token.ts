/**
 * `npm run token -- <command>`: API tokens for scripts (create, list, revoke). A new token is
 * printed once; the database keeps only its hash, so `list` can show neither. Every change
 * goes to the audit log. Exit codes: 0 done, 1 refused (the reason in Russian), 2 wrong usage
 * or the database could not be opened (the server holds its lock).
 */
import { pathToFileURL } from 'node:url';
import { exitAfterOutput } from './exit.ts';
import { AuthStore, ROLES, ROLE_TITLES } from '../auth/store.ts';
import { ACTOR, UsageError, parseArgs, roleText, runCommand, table, when, withStore } from './accounts.ts';

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
        await store.audit({ actor: ACTOR, action: 'token_create', target: info.name, detail: `№ ${info.id}, роль ${ROLE_TITLES[info.role]}${info.org ? `, ${info.org}` : ''}` });
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

  // Only «create» may make the database (a new token may be the first thing in a new database); the others need it there.
  return withStore(run, { existing: command !== 'create' });
}

/** Runs a command and returns its exit code, errors printed in Russian (the tests call it in-process). */
export function runTokenCli(argv: string[]): Promise<number> {
  return runCommand(() => main(argv), USAGE);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  exitAfterOutput(await runTokenCli(process.argv.slice(2)));
}
