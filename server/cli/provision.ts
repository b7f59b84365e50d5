/**
 * `npm run provision -- --org СОШ-2 [--share e-mail] [--dry-run]`: creates the organization's
 * Google spreadsheet from the contract declaration and writes its ID into the registry, or,
 * when the registry already names one, adds what is missing there (tabs, columns, drop-down
 * lists, frozen and protected header row) without touching what the school typed. See
 * server/google/provision.ts.
 *
 * Needs SHEETS_REGISTRY_ID and GOOGLE_APPLICATION_CREDENTIALS (a service account with
 * «Редактор» on the registry and the organization's spreadsheet). The database is not used, so
 * the command also works while the server runs. Exit codes: 0 done (or nothing to do),
 * 1 Google or the registry refused (the reason in Russian), 2 wrong usage or settings.
 */
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig } from '../config.ts';
import { EnvFileError, loadEnvFile } from '../env.ts';
import { provision, ProvisionError, type ProvisionResult } from '../google/provision/index.ts';
import { GoogleWriteError, type WriterOptions } from '../google/write.ts';
import { writerFromConfig } from '../startup.ts';
import { parseRegistry } from '../sync/registry.ts';

export const USAGE = `Создание и проверка Google Таблицы организации по шаблону мониторинга.

Использование: npm run provision -- --org КОД [--share e-mail] [--dry-run]

  --org КОД        код организации из реестра (лист «Организации»), например СОШ-2
  --share e-mail   открыть доступ «Редактор» для этого адреса (например, куратора в школе)
  --dry-run        только показать, что было бы сделано: запросы к Google печатаются, изменения не отправляются

Если в столбце «Таблица» реестра у организации пусто, создаётся новая таблица со всеми
листами шаблона, и её ID записывается в реестр. Если там уже есть ID, таблица проверяется:
добавляются недостающие листы, столбцы (после последнего заполненного заголовка),
выпадающие списки, закреплённая и защищённая строка заголовков; то, что внесла школа,
не меняется.

Нужны SHEETS_REGISTRY_ID и GOOGLE_APPLICATION_CREDENTIALS: сервисному аккаунту (client_email
в файле ключа) нужен доступ «Редактор» к реестру и к таблице организации.`;

class UsageError extends Error {}

export interface CliArgs {
  org: string;
  share: string | null;
  dryRun: boolean;
  help: boolean;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function parseArgs(argv: readonly string[]): CliArgs {
  const out: CliArgs = { org: '', share: null, dryRun: false, help: false };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') continue;
    if (a === '--help' || a === '-h') {
      out.help = true;
      continue;
    }
    if (a === '--dry-run') {
      out.dryRun = true;
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (name !== '--org' && name !== '--share') throw new UsageError(`неизвестный параметр «${a}»`);
    if (seen.has(name)) throw new UsageError(`параметр ${name} указан дважды`);
    seen.add(name);
    const value = (eq > 0 ? a.slice(eq + 1) : argv[++i]) ?? '';
    if (value.trim() === '' || (eq < 0 && value.startsWith('--'))) throw new UsageError(`после ${name} нужно значение`);
    if (name === '--org') out.org = value.trim();
    else {
      if (!EMAIL_RE.test(value.trim())) throw new UsageError(`«${value}» не похоже на адрес электронной почты`);
      out.share = value.trim();
    }
  }
  if (!out.help && out.org === '') throw new UsageError('не указан код организации (--org)');
  return out;
}

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Printed after the work: what was done (or would be), the address, the problems left. */
function report(r: ProvisionResult, io: CliIo): void {
  const will = r.dryRun ? 'Проверка без изменений (--dry-run). ' : '';
  if (r.created) {
    io.out(`${will}${r.dryRun ? 'Для' : 'Создана таблица для'} организации ${r.org} «${r.name}»${r.dryRun ? ' будет создана новая таблица' : ''}.`);
  } else {
    io.out(`${will}Таблица организации ${r.org} «${r.name}»: ${r.url ?? ''}`);
  }
  if (r.dryRun) {
    if (r.createBody) {
      io.out('Запрос spreadsheets.create:');
      io.out(JSON.stringify(r.createBody, null, 2));
    }
    if (r.requests.length) {
      io.out(`Запрос batchUpdate (${r.requests.length} изменений):`);
      io.out(JSON.stringify({ requests: r.requests }, null, 2));
    }
    if (r.shared) io.out(`Доступ «Редактор» был бы открыт для ${r.shared}.`);
  }
  if (r.changes.length) {
    const verb = r.created ? 'создано' : 'добавлено';
    io.out(r.dryRun ? `Будет ${verb} при запуске без --dry-run:` : `${verb[0]!.toUpperCase()}${verb.slice(1)}:`);
    for (const c of r.changes) io.out(`  — ${c}`);
  } else if (!r.created) {
    io.out('Всё на месте: листы, столбцы, списки и защита заголовков соответствуют шаблону; изменений нет.');
  }
  for (const p of r.problems) io.out(`Внимание: ${p}`);
  for (const n of r.notes) io.out(`Внимание: ${n}`);
  if (r.shared && !r.dryRun) io.out(`Доступ «Редактор» открыт для ${r.shared}.`);
  if (r.url && r.created) io.out(`Адрес таблицы: ${r.url}`);
}

/** The command without process globals: `env` instead of process.env, output through `io`. */
export async function runProvisionCli(
  argv: readonly string[],
  io: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) },
  env: Record<string, string | undefined> = process.env,
  writerExtra: Partial<WriterOptions> = {},
): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`Ошибка: ${e.message}.\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  let config;
  try {
    loadEnvFile(env);
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof EnvFileError) {
      io.err(e.message);
      return 2;
    }
    throw e;
  }
  const missing = [
    ...(config.SHEETS_REGISTRY_ID ? [] : ['SHEETS_REGISTRY_ID (ID или адрес таблицы-реестра)']),
    ...(config.GOOGLE_APPLICATION_CREDENTIALS ? [] : ['GOOGLE_APPLICATION_CREDENTIALS (файл ключа сервисного аккаунта; API-ключ не даёт права записи)']),
  ];
  if (missing.length) {
    io.err(`Для создания таблиц нужны настройки: ${missing.join('; ')}. См. .env.example.`);
    return 2;
  }
  try {
    const writer = writerFromConfig(config, writerExtra);
    const result = await provision({
      writer,
      registryId: config.SHEETS_REGISTRY_ID!,
      org: args.org,
      share: args.share,
      dryRun: args.dryRun,
      // What the sync would refuse in the organization's registry row, said before anything is made.
      registryFindings: (tab) => parseRegistry(tab).issues,
    });
    report(result, io);
    const waited = writer.quotaNote();
    if (waited) io.out(waited);
    return 0;
  } catch (e) {
    if (e instanceof GoogleWriteError || e instanceof ProvisionError) {
      io.err(`Не выполнено: ${e.message}`);
      return e instanceof GoogleWriteError && e.code === 'credentials' ? 2 : 1;
    }
    io.err(`Не выполнено: внутренняя ошибка: ${(e as Error).message}`);
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runProvisionCli(process.argv.slice(2));
}
