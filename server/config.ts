/**
 * Configuration, read once from the environment and validated (zod); every setting is
 * documented here and in `.env.example`. Nothing else in the code reads process.env.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';

const schema = z
  .object({
    /** DuckDB file. */
    MONITOR_DB: z.string().min(1).default('data/monitor.duckdb'),
    /** HTTP port; 0 = any free port. */
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** Address to listen on: 127.0.0.1 by default, 0.0.0.0 to serve the school network. */
    HOST: z.string().min(1).default('127.0.0.1'),
    /** The registry spreadsheet (ID or URL): enables the Google source. */
    SHEETS_REGISTRY_ID: z.string().optional(),
    /** Service-account key file (JSON). */
    GOOGLE_APPLICATION_CREDENTIALS: z.string().optional(),
    /** API key, for sheets shared by link. */
    GOOGLE_API_KEY: z.string().optional(),
    /** Another root URL for the Google APIs (tests, proxies). */
    GOOGLE_API_ROOT: z.string().url('ожидается адрес вида http://127.0.0.1:8080/').optional(),
    /** Requests per minute to Google (below the Sheets quota of 300/min per project). */
    GOOGLE_RPM: z.coerce.number().int().min(1).max(10000).default(240),
    /** Parallel requests to Google. */
    GOOGLE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    /** Sync schedule (cron, croner syntax) inside `npm start`; empty = no schedule. */
    SYNC_CRON: z.string().optional(),
    /** The folder source: a directory with registry.csv|xlsx and the organizations' files. */
    SOURCE_DIR: z.string().optional(),
    /** The demo municipality's reference date (YYYY-MM-DD); default: today. */
    DEMO_DATE: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'ожидается дата ГГГГ-ММ-ДД')
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.SOURCE_DIR && !existsSync(c.SOURCE_DIR)) {
      ctx.addIssue({ code: 'custom', path: ['SOURCE_DIR'], message: `папка ${c.SOURCE_DIR} не существует` });
    }
    if (c.GOOGLE_APPLICATION_CREDENTIALS && !existsSync(c.GOOGLE_APPLICATION_CREDENTIALS)) {
      ctx.addIssue({ code: 'custom', path: ['GOOGLE_APPLICATION_CREDENTIALS'], message: 'файл ключа сервисного аккаунта не найден' });
    }
    if (c.SHEETS_REGISTRY_ID && !c.GOOGLE_APPLICATION_CREDENTIALS && !c.GOOGLE_API_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['SHEETS_REGISTRY_ID'],
        message: 'для Google Таблиц нужен GOOGLE_APPLICATION_CREDENTIALS (ключ сервисного аккаунта) или GOOGLE_API_KEY',
      });
    }
  });

export type Config = z.infer<typeof schema> & { sourceKind: 'google' | 'folder' | 'demo' };

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "not set" (a blank line in .env).
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const res = schema.safeParse(clean);
  if (!res.success) {
    const lines = res.error.issues.map((i) => `  ${String(i.path[0] ?? '')}: ${i.message}`);
    throw new ConfigError(`Ошибка в настройках (переменные окружения, см. .env.example):\n${lines.join('\n')}`);
  }
  const c = res.data;
  const sourceKind = c.SHEETS_REGISTRY_ID ? 'google' : c.SOURCE_DIR ? 'folder' : 'demo';
  return { ...c, sourceKind };
}
