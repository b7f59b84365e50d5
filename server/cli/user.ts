/**
 * `npm run user -- <command>`: accounts from the command line (add, list, remove, passwd).
 * A generated password is printed once, and its owner must change it at the first login
 * (the operator saw it); a password given with --password-stdin is read from the first line
 * of standard input (hidden when typed at a terminal), never printed, and is the owner's own.
 * Every change goes to the audit log. Exit codes: 0 done, 1 refused (the reason in Russian),
 * 2 wrong usage or the database could not be opened (the server holds its lock).
 */
import { pathToFileURL } from 'node:url';
import { exitAfterOutput } from './exit.ts';
import { generatePassword } from '../auth/secrets.ts';
import { AuthError, AuthStore, ROLES, ROLE_TITLES } from '../auth/store.ts';
import { ACTOR, UsageError, onePositional, parseArgs, roleText, runCommand, table, when, withStore } from './accounts.ts';

const USAGE = `Учётные записи мониторинга «Наставничество: мониторинг».

Использование: npm run user -- <команда> [параметры]

Команды:
  add <логин> --role ${ROLES.join('|')} [--org КОД] [--name "ФИО"] [--password-stdin]
      создать учётную запись; без --password-stdin пароль создаётся случайно,
      показывается один раз и при первом входе его нужно сменить
  list
      список учётных записей (пароли не показываются: в базе хранятся только их хеши)
  remove <логин>
      удалить учётную запись и завершить все её сеансы
  passwd <логин> [--password-stdin]
      задать новый пароль (случайный — его нужно сменить при первом входе —
      или со стандартного ввода); все сеансы учётной записи завершаются

Роли:
${ROLES.map((r) => `  ${r.padEnd(13)}${ROLE_TITLES[r]}${r === 'school' ? ' — нужен --org с кодом организации из реестра' : ''}`).join('\n')}

--password-stdin: пароль — первая строка стандартного ввода, например
  npm run user -- passwd ivanova --password-stdin < файл-с-паролем
(в терминале пароль вводится без отображения). Пароль: не меньше 12 знаков, без логина.

База — файл из MONITOR_DB (по умолчанию data/monitor.duckdb). Пока работает сервер
(npm start), база занята: остановите его на время команды.`;

/** The first line of standard input, without its line break; typed without echo on a terminal. */
async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  stdin.setEncoding('utf8');
  if (stdin.isTTY) return readHidden();
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.off('end', finish);
      stdin.off('error', reject);
      stdin.pause();
      const nl = text.indexOf('\n');
      resolve((nl >= 0 ? text.slice(0, nl) : text).replace(/\r$/, ''));
    };
    const onData = (chunk: string) => {
      text += chunk;
      // The first line is all we need; a runaway input is cut (the rules refuse > 200 chars).
      if (text.includes('\n') || text.length > 10_000) finish();
    };
    stdin.on('data', onData);
    stdin.on('end', finish);
    stdin.on('error', reject);
  });
}

function readHidden(): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write('Пароль (не отображается при вводе): ');
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new AuthError('ввод пароля прерван'));
        if (ch === '\u007f' || ch === '\b') text = [...text].slice(0, -1).join('');
        else text += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

async function passwordFromStdin(): Promise<string> {
  const pw = await readPassword();
  if (!pw) throw new AuthError('пароль не передан: первая строка стандартного ввода пуста');
  return pw;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(USAGE);
    return 0;
  }

  // Everything about the command line is checked before the database is opened.
  let run: (store: AuthStore) => Promise<void>;
  switch (command) {
    case 'add': {
      const p = parseArgs(rest, ['--role', '--org', '--name'], ['--password-stdin']);
      const login = onePositional(p, 'логин новой учётной записи');
      const role = p.opts.get('--role');
      if (role === undefined) throw new UsageError(`укажите роль: --role ${ROLES.join('|')}`);
      const fromStdin = p.flags.has('--password-stdin');
      const password = fromStdin ? await passwordFromStdin() : generatePassword();
      run = async (store) => {
        const u = await store.addUser({
          login,
          role,
          org: p.opts.get('--org') ?? null,
          fullName: p.opts.get('--name') ?? null,
          password,
          // A printed password is known to whoever ran the command: the owner replaces it.
          mustChangePassword: !fromStdin,
        });
        await store.audit({ actor: ACTOR, action: 'user_add', target: u.login, detail: `роль ${ROLE_TITLES[u.role]}${u.org ? `, ${u.org}` : ''}` });
        // Nothing to check the code against yet: said, so that a typo is looked for after the first sync.
        const unchecked =
          u.org !== null && (await store.registryCodes()) === null
            ? ` Код «${u.org}» не проверен: реестра организаций ещё нет (не было синхронизации с таблицами организаций) — после первой синхронизации проверьте его на странице «Пользователи»: код не из реестра там отмечен.`
            : '';
        const head = `Учётная запись «${u.login}» создана (роль: ${roleText(u.role, u.org)}).`;
        console.log(
          (fromStdin
            ? `${head} Пароль задан со стандартного ввода.`
            : `${head} Пароль: ${password} — сообщите его владельцу; он показан один раз. При первом входе владелец сменит его на свой.`) + unchecked,
        );
      };
      break;
    }
    case 'list': {
      const p = parseArgs(rest, [], []);
      if (p.args.length) throw new UsageError(`лишние аргументы: ${p.args.join(' ')}`);
      run = async (store) => {
        const users = await store.listUsers();
        if (!users.length) {
          console.log('Учётных записей нет.');
          return;
        }
        const rows = users.map((u) => [u.login, ROLE_TITLES[u.role] ?? u.role, u.org ?? '—', u.full_name ?? '—', when(u.created_at), when(u.password_changed_at)]);
        console.log(table(['Логин', 'Роль', 'Организация', 'ФИО', 'Создана', 'Пароль изменён'], rows));
        console.log(`Всего учётных записей: ${users.length}.`);
      };
      break;
    }
    case 'remove': {
      const login = onePositional(parseArgs(rest, [], []), 'логин удаляемой учётной записи');
      run = async (store) => {
        const u = await store.user(login);
        await store.removeUser(login);
        const name = u?.login ?? login;
        await store.audit({ actor: ACTOR, action: 'user_remove', target: name });
        console.log(`Учётная запись «${name}» удалена; её сеансы завершены.`);
      };
      break;
    }
    case 'passwd': {
      const p = parseArgs(rest, [], ['--password-stdin']);
      const login = onePositional(p, 'логин учётной записи');
      const fromStdin = p.flags.has('--password-stdin');
      const password = fromStdin ? await passwordFromStdin() : generatePassword();
      run = async (store) => {
        await store.setPassword(login, password, { mustChange: !fromStdin });
        const name = (await store.user(login))?.login ?? login;
        await store.audit({ actor: ACTOR, action: 'user_passwd', target: name, detail: fromStdin ? 'пароль со стандартного ввода' : 'пароль создан случайно' });
        const head = `Пароль учётной записи «${name}» изменён; все её сеансы завершены.`;
        console.log(
          fromStdin
            ? head
            : `${head} Новый пароль: ${password} — сообщите его владельцу; он показан один раз. При первом входе владелец сменит его на свой.`,
        );
      };
      break;
    }
    default:
      throw new UsageError(`неизвестная команда «${command}»`);
  }

  // Only «add» may make the database (a new account may be the first thing in a new database); the others need it there.
  return withStore(run, { existing: command !== 'add' });
}

/** Runs a command and returns its exit code, errors printed in Russian (the tests call it in-process). */
export function runUserCli(argv: string[]): Promise<number> {
  return runCommand(() => main(argv), USAGE);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  exitAfterOutput(await runUserCli(process.argv.slice(2)));
}
