/**
 * What every entry point (`npm start`, `npm run sync`) does first: read the configuration once
 * and open the database, explaining in Russian what went wrong. Null means "exit with code 2".
 */
import { ConfigError, loadConfig, type Config } from './config.ts';
import { Db } from './db.ts';

export async function openConfigured(lockedHint: string): Promise<{ config: Config; db: Db } | null> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return null;
    }
    throw e;
  }
  try {
    return { config, db: await Db.open(config.MONITOR_DB, { memoryLimit: config.DUCKDB_MEMORY_LIMIT }) };
  } catch (e) {
    console.error(`Не удалось открыть базу ${config.MONITOR_DB}: ${(e as Error).message}`);
    console.error(lockedHint);
    return null;
  }
}
