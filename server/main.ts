/**
 * `npm start`: read the configuration once, open the one DuckDB instance, load the demo
 * municipality when nothing is configured and the database is empty (or sync the configured
 * source at start), start the schedule and listen.
 */
import { Cron } from 'croner';
import { createApp } from './app.ts';
import { AuthStore } from './auth/store.ts';
import { demoLoginEnabled, trustProxySetting } from './config.ts';
import { MetricCache } from './metricCache.ts';
import { openConfigured } from './startup.ts';
import { createClientRouter } from './routes/client.ts';
import { writerFromConfig } from './google/write.ts';
import { writeBack } from './google/writeback.ts';
import { createSource } from './sources/index.ts';
import { runSync, summaryLine, syncInProgress } from './sync/run.ts';

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

async function main(): Promise<void> {
  const opened = await openConfigured('Если запущен другой экземпляр сервера или `npm run sync` с этой базой, дождитесь его окончания.');
  if (!opened) process.exit(2);
  const { config, db } = opened;
  const source = createSource(config);
  const metricCache = new MetricCache(db);
  // The dashboard's first screen is computed after every sync, so the coordinator's first view is instant.
  const warm = () => void metricCache.warm(new Date()).catch(() => undefined);
  // SHEETS_WRITEBACK=1: «Проверка данных» is written into the sheets after each sync, in the
  // background (it never fails the sync; see server/google/writeback.ts).
  const writer = config.SHEETS_WRITEBACK === '1' ? writerFromConfig(config) : null;
  const sync = (trigger: 'start' | 'schedule' | 'api') =>
    runSync({ db, source, trigger }).then((s) => {
      log(summaryLine(s));
      warm();
      if (writer) void writeBack(db, { writer, summary: s, log }).catch(() => undefined);
      return s;
    });

  const [{ n }] = (await db.query(`SELECT count(*)::INTEGER AS n FROM sync_runs WHERE status <> 'running'`)) as [{ n: number }];
  if (config.sourceKind !== 'demo' || n === 0) {
    log(config.sourceKind === 'demo' ? 'Загружаю демонстрационный муниципалитет…' : `Синхронизация: ${source.description}…`);
    // The first load of the demo is awaited so the first page shows data; a real sync runs in the background.
    if (config.sourceKind === 'demo') await sync('start');
    else void sync('start').catch((e) => log(`Синхронизация не удалась: ${(e as Error).message}`));
  } else warm();
  if (config.SYNC_CRON) {
    new Cron(config.SYNC_CRON, { protect: true }, () => {
      if (!syncInProgress()) void sync('schedule').catch((e) => log(`Синхронизация не удалась: ${(e as Error).message}`));
    });
    log(`Расписание синхронизации: ${config.SYNC_CRON}`);
  }

  const store = new AuthStore(db);
  const first = await store.ensureFirstCoordinator(config.ADMIN_LOGIN, config.ADMIN_PASSWORD);
  if (first) {
    await store.audit({ actor: 'сервер', action: 'user_add', target: first.login, detail: 'первый запуск: учётная запись координатора' });
    // Shown this once: only its hash is stored.
    log(
      first.generated
        ? `Создана учётная запись координатора: логин «${first.login}», пароль ${first.password} — он показан один раз; смените его: npm run user -- passwd ${first.login}`
        : `Создана учётная запись координатора «${first.login}» с паролем из ADMIN_PASSWORD.`,
    );
  }
  const app = createApp({
    db,
    startSync: () => sync('api'),
    client: await createClientRouter(),
    log,
    metricCache,
    auth: { store, demoLogin: demoLoginEnabled(config) },
    trustProxy: trustProxySetting(config),
  });
  const server = app.listen(config.PORT, config.HOST, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    const host = config.HOST === '0.0.0.0' ? 'localhost' : config.HOST;
    log(`Наставничество: мониторинг — http://${host}:${port}/ (источник данных: ${source.description})`);
  });
  const stop = () => {
    server.close();
    db.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
