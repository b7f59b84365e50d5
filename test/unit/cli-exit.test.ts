/**
 * A command's output reaches a pipe whole (`npm run sync | tee sync.log`): `process.exit` right
 * after printing dropped what was still queued for the pipe — 63,680 of 2,000,000 bytes here —
 * and with it the findings and the summary line. server/cli/exit.ts waits for the output first.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const EXIT = fileURLToPath(new URL('../../server/cli/exit.ts', import.meta.url));

function run(script: string): Promise<{ code: number | null; bytes: number; tail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const out = Buffer.concat(chunks);
      resolve({ code, bytes: out.length, tail: out.subarray(-100).toString('utf8') });
    });
  });
}

describe('a command ending after a lot of output', () => {
  it('exits with its code once all of it is written to the pipe', async () => {
    // 10,000 lines of 99 «х» (2 bytes each in UTF-8) and a newline: 10,000 × 199 = 1,990,000 bytes, then the summary line.
    const script = `
      import { exitAfterOutput } from ${JSON.stringify(EXIT)};
      const line = 'х'.repeat(99) + '\\n';
      for (let i = 0; i < 10000; i++) process.stdout.write(line);
      process.stdout.write('Синхронизация завершена\\n');
      exitAfterOutput(3);`;
    const r = await run(script);
    expect(r.code).toBe(3);
    expect(r.bytes).toBe(1_990_000 + Buffer.byteLength('Синхронизация завершена\n'));
    expect(r.tail.endsWith('Синхронизация завершена\n')).toBe(true);
  });
});

describe('a database that cannot be opened', () => {
  it('is explained in Russian: another process holds it, or no rights — DuckDB\'s words otherwise', async () => {
    const { openFailure } = await import('../../server/startup.ts');
    const hint = 'Дождитесь окончания.';
    expect(openFailure('/srv/m.duckdb', 'IO Error: Could not set lock on file "/srv/m.duckdb": Conflicting lock is held in /usr/bin/node (PID 5283). See also https://duckdb.org/docs', hint)).toBe(
      'Не удалось открыть базу /srv/m.duckdb: её уже открыл другой процесс (PID 5283) — сервер (npm start) или другая синхронизация (npm run sync). Дождитесь окончания.',
    );
    expect(openFailure('/srv/m.duckdb', 'IO Error: Cannot open file "/srv/m.duckdb": Permission denied', hint)).toBe(
      'Не удалось открыть базу /srv/m.duckdb: нет прав на запись в файл базы или в его папку (либо диск доступен только для чтения). Проверьте права пользователя, от имени которого запускается программа, или укажите другой путь в MONITOR_DB.',
    );
    expect(openFailure('/srv/m.duckdb', 'Serialization Error: not a database', hint)).toBe('Не удалось открыть базу /srv/m.duckdb: Serialization Error: not a database');
  });
});
