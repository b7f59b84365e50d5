/**
 * The settings file (server/env.ts): `.env` of the working directory, or the file ENV_FILE names;
 * variables already set win; a file saved by Windows Notepad (with a BOM) reads the same.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvFileError, loadEnvFile } from '../../server/env.ts';

const dir = mkdtempSync(join(tmpdir(), 'monitor-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadEnvFile', () => {
  it('reads .env into the variables not set yet; quotes, comments and empty values as node --env-file reads them', () => {
    writeFileSync(join(dir, '.env'), '\uFEFFPORT=3100\n# комментарий\nHOST="0.0.0.0"\nSHEETS_REGISTRY_ID=\nSYNC_CRON=\'0 * * * *\'\n');
    const env: Record<string, string | undefined> = { PORT: '8080' };
    expect(loadEnvFile(env, dir)).toBe(join(dir, '.env'));
    expect(env).toEqual({ PORT: '8080', HOST: '0.0.0.0', SHEETS_REGISTRY_ID: '', SYNC_CRON: '0 * * * *' });
  });

  it('no .env: nothing read; ENV_FILE="" reads none; a named file that is missing is an error in Russian', () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const env: Record<string, string | undefined> = {};
    expect(loadEnvFile(env, empty)).toBeNull();
    expect(env).toEqual({});
    expect(loadEnvFile({ ENV_FILE: '' }, dir)).toBeNull();
    expect(() => loadEnvFile({ ENV_FILE: 'prod.env' }, empty)).toThrow(EnvFileError);
    expect(() => loadEnvFile({ ENV_FILE: 'prod.env' }, empty)).toThrow(`файл настроек ${join(empty, 'prod.env')} (ENV_FILE) не найден`);
    writeFileSync(join(empty, 'prod.env'), 'MONITOR_DB=/srv/monitor.duckdb\n');
    const named: Record<string, string | undefined> = { ENV_FILE: 'prod.env' };
    loadEnvFile(named, empty);
    expect(named.MONITOR_DB).toBe('/srv/monitor.duckdb');
  });
});
