/**
 * `npm run sync [-- --full] [-- --accept-shrink КОД]`: one sync from the configured source. A
 * progress bar on a TTY, one line per organization otherwise, a summary line at the end; exit
 * code 0 when every active organization loaded, 1 otherwise (2: bad arguments or settings).
 *
 * `--accept-shrink КОД` (repeatable, or codes separated by commas; `реестр` for the registry)
 * accepts a load held because a tab would lose more than half of its rows: it is recorded in
 * the audit log, and this sync loads that organization as its sheet is now.
 */
import { sqlOf } from '../db/queries.ts';
import { exitAfterOutput } from './exit.ts';
import type { Config } from '../config.ts';
import { storageProblem, type Db } from '../db/db.ts';
import { writeBack } from '../google/writeback.ts';
import { MetricCache } from '../metrics/cache.ts';
import { createSource, mailFromConfig, openConfigured, writerFromConfig } from '../startup.ts';
import { AuthStore } from '../auth/store.ts';
import { AcceptError, REGISTRY_WORD, acceptArgs, acceptShrink } from '../sync/holds.ts';
import { runSync, summaryLine } from '../sync/run.ts';
import { findingsShown, outcomeLine } from './syncLines.ts';

/** The arguments the command takes (a misspelt one ran a plain sync: `--accept-shrnk СОШ-2` left the load held). */
function unknownArg(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--' || a === '--full' || a === '--all-findings' || a.startsWith('--accept-shrink=')) continue;
    if (a === '--accept-shrink') {
      i++;
      continue;
    }
    return a;
  }
  return null;
}

/** `npm run sync -- --help` (it answered «Неизвестный параметр «--help»» with exit 2: an acceptance run). */
const SYNC_USAGE = `Синхронизация: читает реестр организаций и таблицы организаций, проверяет строки и загружает их в базу (MONITOR_DB).

Использование: npm run sync [-- ПАРАМЕТРЫ]
  --full                перечитать все таблицы, даже если они не менялись
  --all-findings        напечатать все замечания, а не первые из каждой организации
  --accept-shrink КОД   подтвердить задержанную загрузку организации КОД (пропало больше половины строк листа
                        или заменены педагоги) и загрузить её; коды можно повторить или перечислить
                        через запятую; «реестр» — для реестра

Настройки (источник, Google, база) — переменные окружения или файл .env, см. README и .env.example.
Код выхода: 0 — все организации загружены; 1 — нет (ошибки, задержки, синхронизация не удалась);
2 — неверные параметры или настройки.`;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(SYNC_USAGE);
    return 0;
  }
  const unknown = unknownArg(args);
  if (unknown !== null) {
    console.error(`Неизвестный параметр «${unknown}». Использование: npm run sync [-- --full] [--all-findings] [--accept-shrink КОД] (подробнее: npm run sync -- --help)`);
    return 2;
  }
  const full = args.includes('--full');
  const accepts = acceptArgs(args);
  if (accepts === null) {
    console.error('После --accept-shrink укажите код организации (например, --accept-shrink СОШ-2) или «реестр».');
    return 2;
  }
  const opened = await openConfigured(
    'Если сервер (`npm start`) запущен с этой базой, запустите синхронизацию из него: POST /api/sync.',
  );
  if (!opened) return 2;
  const { config, db } = opened;
  const store = new AuthStore(db);
  for (const code of accepts) {
    try {
      const { what } = await acceptShrink(db, code, 'терминал (npm run sync)');
      await store.audit({ actor: 'терминал', action: 'accept_shrink', target: what, detail: 'npm run sync -- --accept-shrink' });
      console.log(what === REGISTRY_WORD ? 'Изменение реестра принято: он будет загружен как есть.' : `Уменьшение данных ${what} принято: таблица будет загружена как есть.`);
    } catch (e) {
      if (!(e instanceof AcceptError)) throw e;
      console.error(e.message);
      db.close();
      return 2;
    }
  }
  const source = createSource(config);
  const tty = process.stdout.isTTY;
  // The progress line (a terminal): sheets read — what takes the time under Google's quota —
  // organizations loaded, requests, and the time the Sheets budget still needs, redrawn every
  // second so it moves while the sync waits for the quota's window.
  const line = { read: 0, done: 0, total: 0, requests: 0, retries: 0 };
  const draw = () => {
    if (line.total === 0) return;
    const width = 30;
    const filled = Math.round((line.read / line.total) * width);
    const eta = line.read < line.total ? remainingText(source.etaMs?.(line.total) ?? 0) : '';
    process.stdout.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] прочитано ${line.read}/${line.total}, загружено ${line.done}, запросов ${line.requests}, повторов ${line.retries}${eta}   `,
    );
  };
  const timer = tty ? setInterval(draw, 1000) : null;
  // Stopped meanwhile (Ctrl+C, SIGTERM of a scheduler): said, not a silent exit. The database is
  // left open, as the server leaves it: closing it under DuckDB's writing threads crashed the
  // process; what was committed is in its WAL, and the next sync marks this run interrupted.
  const interrupted = (signal: NodeJS.Signals) => {
    if (timer) clearInterval(timer);
    process.stdout.write(tty ? '\n' : '');
    console.error(
      `Синхронизация прервана (${signal}): организации, загруженные до остановки, сохранены, остальные — с прежними данными; следующая синхронизация отметит эту прерванной и прочитает их.`,
    );
    exitAfterOutput(1);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const summary = await runSync({
    db,
    source,
    full,
    trigger: 'cli',
    staleAfterHours: config.STALE_AFTER_HOURS,
    historyKeepDays: config.HISTORY_KEEP_DAYS ?? null,
    onFetched: (read, total) => {
      Object.assign(line, { read, total });
      if (tty) draw();
    },
    onProgress: (o, done, total) => {
      line.requests += o.requests;
      line.retries += o.retries;
      Object.assign(line, { done, total });
      if (tty) {
        if (o.status === 'failed' || o.status === 'held') process.stdout.write(`\r\x1b[K${o.org}: ${o.message}\n`);
        else if (o.status === 'ok' && (o.message || o.reread)) process.stdout.write(`\r\x1b[K${o.org}: ${[o.message, o.reread].filter(Boolean).join('; ')}\n`);
        else if (o.reread) process.stdout.write(`\r\x1b[K${o.org}: ${o.reread}\n`);
        draw();
      } else {
        console.log(outcomeLine(o));
      }
    },
  });
  if (timer) clearInterval(timer);
  process.off('SIGINT', interrupted);
  process.off('SIGTERM', interrupted);
  if (tty) process.stdout.write('\n');
  // Not read, so never in the progress: said once here (an organization set «Активна = Нет» left the output without a word).
  for (const o of summary.orgs.filter((x) => x.status === 'inactive')) console.log(outcomeLine(o));
  await printFindings(db, args.includes('--all-findings') ? Infinity : MAX_FINDINGS);
  console.log(summaryLine(summary));
  // SHEETS_WRITEBACK=1: «Проверка данных» into each sheet; never changes the exit code.
  if (config.SHEETS_WRITEBACK === '1') await writeBack(db, { writer: writerFromConfig(config), summary, log: (l) => console.log(l) });
  await tellByMail(config, db, store, summary.runId);
  db.close();
  return summary.status === 'ok' ? 0 : 1;
}

/**
 * What a sync run by the server tells by mail after it (issue #21), told after this one too:
 * the coordinator's digest and the reminders to schools. A message the mail server refused is
 * tried again before the command exits (retries take up to six minutes; the outbox keeps all).
 */
async function tellByMail(config: Config, db: Db, store: AuthStore, runId: number): Promise<void> {
  const log = (line: string) => console.log(line);
  const { mailer, alerts, reminders } = mailFromConfig(config, { db, store, cache: new MetricCache(db), log });
  if (!mailer.status.enabled) return;
  try {
    const digest = await alerts.afterSync(runId);
    if (digest) console.log(`Оповещение координатору отправлено: ${config.ALERT_EMAILS?.join(', ')}`);
    const sent = await reminders.afterSync();
    if (sent.length) console.log(`Напоминания школам: ${sent.map((r) => `${r.org} (${r.to.join(', ')})`).join('; ')}`);
  } catch (e) {
    console.log(`Письма после синхронизации: ${(e as Error).message}`);
  }
  await mailer.idle();
}

/** ", осталось ≈ 3 мин" when the budget's wait is worth saying (over 10 seconds), else nothing. */
function remainingText(ms: number): string {
  if (ms < 10_000) return '';
  const minutes = ms / 60_000;
  return minutes < 1 ? `, осталось ≈ ${Math.ceil(ms / 1000)} с` : `, осталось ≈ ${Math.round(minutes)} мин`;
}

/** How many findings the CLI prints before pointing to the quality page. */
const MAX_FINDINGS = 300;

/**
 * Every current error and warning (registry first, then by organization, tab and row) — as
 * «Качество данных» lists them, the teachers whose category disagrees with «Аттестация» among
 * the warnings — so whoever runs the sync sees each rejected row with its reason, not only the counts.
 */
async function printFindings(db: Db, max: number): Promise<void> {
  const all = await db.query(sqlOf('lists/quality_issues'), { org: null, level: null });
  const rows = all.filter((r) => r.level === 'error' || r.level === 'warning');
  // Notices (rows above the header, columns not of the template, repeated header rows): with
  // --all-findings listed after the rest, else counted — they were on «Качество данных» only.
  const notices = all.filter((r) => r.level === 'notice');
  const tellNotices = () => {
    if (!notices.length) return;
    if (max === Infinity) for (const r of notices) console.log(`  заметка: ${String(r.message)}`);
    else console.log(`Заметок к оформлению таблиц (строки над заголовком, столбцы не из шаблона и т. п.) — ${notices.length}: с ключом --all-findings или на странице «Качество данных»`);
  };
  if (!rows.length) {
    if (notices.length && max === Infinity) console.log('Замечания к данным — ошибок 0, предупреждений 0:');
    tellNotices();
    return;
  }
  const errors = rows.filter((r) => r.level === 'error').length;
  // The load's own count (the summary line) leaves out the category checks done after it: said here.
  // Counted as «Качество данных» counts them (its category_mismatches), not picked out of the texts.
  const mismatches = (await db.query(sqlOf('lists/quality_orgs'), { org: null })).reduce((n, o) => n + Number(o.category_mismatches), 0);
  const apart = mismatches ? `, из них о категории, не совпадающей с «Аттестацией», — ${mismatches} (в итоговой строке синхронизации они не считаются)` : '';
  // All current findings, those of organizations left unchanged too: the summary line counts this sync's loads only (an outside review found the two apart).
  console.log(
    `Замечания к данным — ошибок ${errors}, предупреждений ${rows.length - errors}${apart} (ошибки — строка не загружена; предупреждения — загружена; здесь все текущие замечания, также организаций без изменений, а итоговая строка считает только загруженное сейчас):`,
  );
  const cut = rows.length > max;
  for (const r of findingsShown(rows, max)) console.log(`  ${r.level === 'error' ? 'ОШИБКА' : 'предупреждение'}: ${String(r.message)}`);
  if (cut) {
    console.log(`  … и ещё ${rows.length - max} (показаны сначала ошибки); все — на странице «Качество данных», в GET /api/quality или с ключом --all-findings`);
  }
  tellNotices();
}

main().then(
  (code) => exitAfterOutput(code),
  (e) => {
    console.error(`Синхронизация не удалась: ${storageProblem(e) ?? (e as Error).message}`);
    exitAfterOutput(1);
  },
);
