/**
 * What every entry point (`npm start`, `npm run sync`) does first: read the settings file (`.env`,
 * server/env.ts) and the configuration once, and open the database, explaining in Russian what
 * went wrong. Null means "exit with code 2".
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { EnvFileError, loadEnvFile } from './env.ts';
import { Db } from './db/db.ts';
import { openDatabase } from './db/schema.ts';
import { GoogleWriteError, createSheetsWriter, type SheetsWriter, type WriterOptions } from './google/write.ts';
import { isoDay } from './metrics/period.ts';
import { createDemoSource } from './sources/demo/index.ts';
import { createFolderSource } from './sources/folder.ts';
import { createGoogleSource } from './sources/google.ts';
import type { Source } from './sources/types.ts';
import type { AuthStore } from './auth/store.ts';
import { Alerts } from './mail/alerts.ts';
import { Mailer } from './mail/mailer.ts';
import { Reminders } from './mail/reminders.ts';
import type { MetricCache } from './metrics/cache.ts';

export async function openConfigured(lockedHint: string, opts: { existing?: boolean } = {}): Promise<{ config: Config; db: Db; envFile: string | null } | null> {
  let config: Config;
  let envFile: string | null;
  try {
    envFile = loadEnvFile();
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError || e instanceof EnvFileError) {
      console.error(e.message);
      return null;
    }
    throw e;
  }
  // A command that only reads or changes what is there (`npm run user -- list`): a mistyped
  // MONITOR_DB is named, not made into a new empty database that then «has no accounts».
  if (opts.existing && config.MONITOR_DB !== ':memory:' && !existsSync(config.MONITOR_DB)) {
    console.error(
      `Файла базы данных ${resolve(config.MONITOR_DB)} (MONITOR_DB) нет: проверьте MONITOR_DB${envFile ? ` (файл настроек ${envFile})` : ''} — база создаётся при первом запуске сервера (npm start) или синхронизации (npm run sync).`,
    );
    return null;
  }
  try {
    return { config, envFile, db: await openDatabase(config.MONITOR_DB, { memoryLimit: config.DUCKDB_MEMORY_LIMIT, threads: config.DUCKDB_THREADS }) };
  } catch (e) {
    console.error(openFailure(config.MONITOR_DB, (e as Error).message, lockedHint));
    return null;
  }
}

/**
 * Why the database file could not be opened, in Russian, with what to do: another process
 * holds it (DuckDB allows one writer: the server or a sync), no rights to it, or — otherwise —
 * DuckDB's own words.
 */
export function openFailure(path: string, message: string, lockedHint: string): string {
  const lead = `Не удалось открыть базу ${path}`;
  if (/could not set lock/i.test(message)) {
    const pid = /\(PID (\d+)\)/.exec(message)?.[1];
    return `${lead}: её уже открыл другой процесс${pid ? ` (PID ${pid})` : ''} — сервер (npm start) или другая синхронизация (npm run sync). ${lockedHint}`;
  }
  if (/permission denied|read-only file system/i.test(message)) {
    return `${lead}: нет прав на запись в файл базы или в его папку (либо диск доступен только для чтения). Проверьте права пользователя, от имени которого запускается программа, или укажите другой путь в MONITOR_DB.`;
  }
  return `${lead}: ${message}`;
}

/** The source the configuration picks: Google when a registry is set, a folder, or the demo. */
export function createSource(config: Config, now: () => Date = () => new Date()): Source {
  switch (config.sourceKind) {
    case 'google':
      return createGoogleSource({
        registryId: config.SHEETS_REGISTRY_ID!,
        apiKey: config.GOOGLE_API_KEY,
        credentialsFile: config.GOOGLE_APPLICATION_CREDENTIALS,
        rootUrl: config.GOOGLE_API_ROOT,
        sheetsReadsPerMinute: config.GOOGLE_SHEETS_RPM,
        drivePerMinute: config.GOOGLE_DRIVE_RPM,
        jwtAccess: config.GOOGLE_SELF_SIGNED_JWT === '1',
        concurrency: config.GOOGLE_CONCURRENCY,
      });
    case 'folder':
      return createFolderSource(config.SOURCE_DIR!);
    case 'demo':
      return createDemoSource({ referenceDate: config.DEMO_DATE ?? isoDay(now()) });
  }
}

/** The writer the configuration describes (a service account is required for writes). */
export function writerFromConfig(config: Config, extra: Partial<WriterOptions> = {}): SheetsWriter {
  if (!config.GOOGLE_APPLICATION_CREDENTIALS) {
    throw new GoogleWriteError('для записи в Google Таблицы нужен ключ сервисного аккаунта: задайте GOOGLE_APPLICATION_CREDENTIALS', 'credentials');
  }
  return createSheetsWriter({
    credentialsFile: config.GOOGLE_APPLICATION_CREDENTIALS,
    rootUrl: config.GOOGLE_API_ROOT,
    writesPerMinute: config.GOOGLE_SHEETS_WRITE_RPM,
    readsPerMinute: config.GOOGLE_SHEETS_RPM,
    drivePerMinute: config.GOOGLE_DRIVE_RPM,
    jwtAccess: config.GOOGLE_SELF_SIGNED_JWT === '1',
    concurrency: config.GOOGLE_CONCURRENCY,
    ...extra,
  });
}

/**
 * The mail of the settings (issue #21): the transport, the coordinator's alerts and the
 * reminders to schools — the same for the server and for `npm run sync`, so a sync run from
 * the command line tells what a scheduled one tells.
 */
export function mailFromConfig(config: Config, deps: { db: Db; store: AuthStore; cache: MetricCache; log: (line: string) => void }): { mailer: Mailer; alerts: Alerts; reminders: Reminders } {
  const { db, store, cache, log } = deps;
  const mailer = new Mailer(db, store, { smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, log });
  const publicUrl = config.PUBLIC_URL ?? null;
  return {
    mailer,
    alerts: new Alerts({ db, cache, mailer, recipients: config.ALERT_EMAILS ?? [], publicUrl }),
    reminders: new Reminders({
      db,
      mailer,
      publicUrl,
      enabled: config.REMINDERS === 'on',
      reportDates: config.REMINDER_REPORT_DATES ?? [],
      unchangedDays: config.REMINDER_UNCHANGED_DAYS,
      googleSource: config.sourceKind === 'google',
      log,
    }),
  };
}
