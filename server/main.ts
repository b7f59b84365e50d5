/**
 * `npm start`: read the configuration once, open the one DuckDB instance, load the demo
 * municipality when nothing is configured and the database is empty (or sync the configured
 * source at start), start the schedule and listen.
 */
import { localIso } from '../shared/moment.ts';
import { PER_ADDRESS_CONNECTIONS, limitedServer, listenProblem, portProblem } from './http/connections.ts';
import { Cron } from 'croner';
import { createApp, localHosts } from './http/app.ts';
import { storageProblem } from './db/db.ts';
import { AuthStore } from './auth/store.ts';
import { demoLoginEnabled, trustProxySetting } from './config.ts';
import { MetricCache } from './metrics/cache.ts';
import { createClientRouter } from './routes/client.ts';
import { localOrigin } from './routes/report.ts';
import { writeBack } from './google/writeback.ts';
import { createSource, mailFromConfig, openConfigured, writerFromConfig } from './startup.ts';
import { loadedRuns, realDataSince } from './sync/state.ts';
import { markInterrupted, markStale, runSync, summaryLine, syncInProgress } from './sync/run.ts';
import { Subscriptions } from './mail/subscriptions.ts';
import type { Alerts } from './mail/alerts.ts';
import type { Reminders } from './mail/reminders.ts';
import { countOf } from './contract/index.ts';

// Stamped on the server's clock with its offset (TZ): it was UTC («…T23:12:26Z»), eight hours off the coordinator's in Sayansk (an acceptance run).
const log = (line: string) => console.log(`${localIso(new Date())} ${line}`);
/** A sync that failed as a whole, in the log: a full disk or a file without rights in words (storageProblem). */
const syncFailed = (e: unknown) => log(`Синхронизация не удалась: ${storageProblem(e) ?? (e as Error).message}`);

async function main(): Promise<void> {
  const opened = await openConfigured('Если запущен другой экземпляр сервера или `npm run sync` с этой базой, дождитесь его окончания.');
  if (!opened) process.exit(2);
  const { config, db } = opened;
  const busy = await portProblem(config.PORT, config.HOST);
  if (busy !== null) {
    log(`Сервер не запущен: ${busy}.`);
    db.close();
    process.exit(2);
  }
  if (opened.envFile) log(`Настройки: переменные окружения и файл ${opened.envFile} (заданные в окружении важнее файла).`);
  const source = createSource(config);
  const metricCache = new MetricCache(db, { timeoutMs: config.METRIC_TIMEOUT_SECONDS * 1000 });
  // The dashboard's first screen is computed after every sync, so the coordinator's first view is instant.
  const warm = () => void metricCache.warm(new Date()).catch(() => undefined);
  // SHEETS_WRITEBACK=1: «Проверка данных» is written into the sheets after each sync, in the
  // background (it never fails the sync; see server/google/writeback.ts).
  const writer = config.SHEETS_WRITEBACK === '1' ? writerFromConfig(config) : null;
  // A sync that was running when the process last stopped is marked interrupted (not running forever).
  await db.write((w) => markInterrupted(w));
  // The coordinator's alerts after each sync (set up with the mail below).
  let alerts: Alerts | null = null;
  let reminders: Reminders | null = null;
  const sync = (trigger: 'start' | 'schedule' | 'api' | 'token' | 'school', org?: string) =>
    runSync({ db, source, trigger, staleAfterHours: config.STALE_AFTER_HOURS, historyKeepDays: config.HISTORY_KEEP_DAYS ?? null, ...(org !== undefined ? { only: [org], full: true } : {}) }).then((s) => {
      log(summaryLine(s));
      warm();
      if (writer) void writeBack(db, { writer, summary: s, log }).catch(() => undefined);
      void alerts?.afterSync(s.runId).catch((e: unknown) => log(`Оповещения координатору: ${(e as Error).message}`));
      void reminders
        ?.afterSync()
        .then((sent) => {
          if (sent.length) log(`Напоминания школам: ${sent.map((r) => r.org).join(', ')}`);
        })
        .catch((e: unknown) => log(`Напоминания школам: ${(e as Error).message}`));
      return s;
    });

  const n = await loadedRuns(db);
  const realSince = config.sourceKind === 'demo' ? await realDataSince(db) : null;
  if (realSince !== null) {
    // No source configured (a service without its environment, an .env not loaded) over a
    // database synced from the schools' sheets: show what is stored, never the demo.
    log(
      `Внимание: источник данных не настроен (нет SHEETS_REGISTRY_ID и SOURCE_DIR), а база ${config.MONITOR_DB} содержит данные из таблиц организаций ` +
        `(с ${realSince}). Показываю сохранённые данные; демонстрационный вход выключен, синхронизация невозможна, пока источник не настроен.`,
    );
  }
  if (config.sourceKind !== 'demo' || (n === 0 && realSince === null)) {
    log(config.sourceKind === 'demo' ? 'Загружаю демонстрационный муниципалитет…' : `Синхронизация: ${source.description}…`);
    // The first load of the demo is awaited so the first page shows data; a real sync runs in the background.
    if (config.sourceKind === 'demo') await sync('start');
    else void sync('start').catch(syncFailed);
  } else warm();
  // Staleness is a matter of time too: flagged even when no sync runs or the registry cannot be
  // read. (Not for the demo municipality: it is generated, not read from anybody's sheet.)
  if (config.sourceKind !== 'demo' || realSince !== null) {
    const staleCheck = () => void markStale(db, new Date(), config.STALE_AFTER_HOURS).catch(() => undefined);
    staleCheck();
    setInterval(staleCheck, 10 * 60_000).unref();
  }
  if (config.SYNC_CRON && realSince === null) {
    new Cron(config.SYNC_CRON, { protect: true }, () => {
      if (!syncInProgress()) void sync('schedule').catch(syncFailed);
      else log('Синхронизация по расписанию пропущена: идёт другая синхронизация (запущенная вручную или по расписанию); следующая — по расписанию.');
    });
    log(`Расписание синхронизации: ${config.SYNC_CRON}`);
  }

  const store = new AuthStore(db, { auditRetentionDays: config.AUDIT_RETENTION_DAYS });
  // The audit log's retention, expired sessions and forgotten failed-login counters: at start and hourly.
  const housekeeping = () =>
    void store.housekeeping().then(
      (r) => {
        if (r.auditDeleted) log(`Журнал действий: удалено записей старше ${config.AUDIT_RETENTION_DAYS} дн.: ${r.auditDeleted}`);
      },
      (e) => log(`Обслуживание таблиц доступа не удалось: ${(e as Error).message}`),
    );
  housekeeping();
  setInterval(housekeeping, 3_600_000).unref();
  const first = await store.ensureFirstCoordinator(config.ADMIN_LOGIN, config.ADMIN_PASSWORD);
  if (first) {
    await store.audit({ actor: 'сервер', action: 'user_add', target: first.login, detail: 'первый запуск: учётная запись координатора' });
    // Shown this once: only its hash is stored.
    log(
      first.generated
        ? `Создана учётная запись координатора: логин «${first.login}», пароль ${first.password} — он показан один раз; при первом входе его нужно будет сменить на свой`
        : `Создана учётная запись координатора «${first.login}» с паролем из ADMIN_PASSWORD.`,
    );
  }
  // Mail (issue #21): the deliveries of reports on their schedules, checked every half minute.
  const mail = mailFromConfig(config, { db, store, cache: metricCache, log });
  const mailer = mail.mailer;
  const abandoned = await mailer.abandonPending();
  if (abandoned) log(`Журнал писем: ${countOf(abandoned, 'письмо ждало', 'письма ждали', 'писем ждали')} повтора, когда сервер остановился, — отмечены как неотправленные.`);
  const subscriptions = new Subscriptions({ db, cache: metricCache, mailer, store, publicUrl: config.PUBLIC_URL ?? null });
  log(mailer.status.enabled ? `Почта: отправитель ${config.MAIL_FROM}` : `Почта выключена (нет ${[config.SMTP_URL ? null : 'SMTP_URL', config.MAIL_FROM ? null : 'MAIL_FROM'].filter(Boolean).join(' и ')}): рассылки отчётов не отправляются.`);
  alerts = mail.alerts;
  reminders = mail.reminders;
  if (reminders.reason === null) log('Напоминания школам: включены (адреса — в столбце «E-mail ответственного» реестра).');
  let ticking = false;
  setInterval(() => {
    if (ticking) return;
    ticking = true;
    void subscriptions
      .tick()
      .then((sent) => {
        // Each as it went: «отправлены» was said of deliveries that all failed (no mail configured).
        for (const { id, result } of sent) {
          log(result.status === 'sent' ? `Рассылка № ${id} отправлена по расписанию` : `Рассылка № ${id} по расписанию не отправлена: ${result.message ?? 'ошибка'}`);
        }
      })
      .catch((e) => log(`Рассылки: ${(e as Error).message}`))
      .finally(() => (ticking = false));
  }, 30_000).unref();
  const app = createApp({
    db,
    // No source over real data: nothing to sync from (the demo is never loaded into it).
    startSync: realSince !== null ? null : (request) => sync(request?.trigger ?? 'api', request?.org),
    client: await createClientRouter(),
    log,
    metricCache,
    auth: { store, demoLogin: demoLoginEnabled(config) },
    trustProxy: trustProxySetting(config),
    // Listening on this computer only, without a proxy named (TRUST_PROXY): its own names only.
    hosts: config.TRUST_PROXY === undefined ? localHosts(config.HOST, config.PUBLIC_URL) : null,
    subscriptions,
    alerts,
    reminders,
  });
  const server = limitedServer(app, { perAddress: config.TRUST_PROXY === undefined ? PER_ADDRESS_CONNECTIONS : null });
  // Taken meanwhile (the check above was at the start): said, not Node's stack trace.
  const notListening = (e: NodeJS.ErrnoException) => {
    log(`Сервер не запущен: ${listenProblem(e, config.PORT, config.HOST)}.`);
    db.close();
    process.exit(2);
  };
  server.once('error', notListening);
  server.listen(config.PORT, config.HOST, () => {
    server.off('error', notListening);
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    // Chromium prints a delivery's PDF from this server's own `/report`.
    subscriptions.setOrigin(localOrigin(config.HOST, port));
    const host = config.HOST === '0.0.0.0' ? 'localhost' : config.HOST;
    const from = realSince !== null ? 'не настроен, показаны сохранённые данные' : source.description;
    log(`Наставничество: мониторинг — http://${host}:${port}/ (источник данных: ${from})`);
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    server.close();
    // A sync's writes run on DuckDB's threads: closing the database under them crashed the process
    // (a segmentation fault) or hung it. The file needs no close to stay whole — what was committed
    // is in its WAL, read at the next open, where the run is marked interrupted — so it is left open.
    if (syncInProgress()) {
      log(`Остановка (${signal}): синхронизация прервана; при следующем запуске она будет отмечена прерванной, загруженное до остановки сохранится, остальное прочитает следующая синхронизация.`);
      process.exit(0);
    }
    // Said, so that a server that went away is not a mystery in its log (one stopped by a signal
    // from outside left no line at all: an acceptance run).
    log(`Остановка (${signal}): сервер остановлен.`);
    db.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
