/**
 * `node [node flags] scripts/launch.cjs <command> [arguments…]` — what `npm start` and the
 * `npm run` commands call: bundles the command (scripts/bundle.cjs) and runs the bundle in this
 * same process, as if Node had been started on it with the same arguments.
 *
 * CommonJS on purpose: Node reads a CommonJS entry synchronously, so the lines below run before
 * anything has used libuv's thread pool, which is created — with the size UV_THREADPOOL_SIZE has
 * at that moment — on first use. An ES module entry is itself read through the pool, so setting
 * the size from one (as server/threadpool.ts did) came too late: the server ran with Node's
 * default of 4 threads, not 10.
 */
'use strict';

/** The commands and the entry module of each. */
const COMMANDS = {
  main: 'server/main.ts',
  sync: 'server/cli/sync.ts',
  user: 'server/cli/user.ts',
  token: 'server/cli/token.ts',
  template: 'server/cli/template.ts',
  provision: 'server/cli/provision.ts',
  docs: 'server/cli/docs.ts',
};

const [command, ...args] = process.argv.slice(2);
const entry = Object.hasOwn(COMMANDS, command ?? '') ? COMMANDS[command] : undefined;
if (!entry) {
  console.error(`scripts/launch.cjs: неизвестная команда «${command ?? ''}»; есть: ${Object.keys(COMMANDS).join(', ')}`);
  process.exit(2);
}

// Requiring it reads files synchronously and runs nothing: nothing has used the pool yet.
const { ROOT, SERVER_THREADPOOL_SIZE, withDuckdbAllocator, bundle, stopBundler } = require('./bundle.cjs');

// The server's pool (bundle.cjs). An operator's own UV_THREADPOOL_SIZE wins — when libuv can
// take it: anything else it would quietly read as 1 thread (every query and file read in one queue).
const pool = process.env.UV_THREADPOOL_SIZE;
if (pool !== undefined && pool !== '' && !(/^\d+$/.test(pool.trim()) && Number(pool) >= 1 && Number(pool) <= 1024)) {
  console.error(`Ошибка в настройках: UV_THREADPOOL_SIZE: «${pool}» — ожидается целое число потоков от 1 до 1024 (по умолчанию у сервера ${SERVER_THREADPOOL_SIZE}); уберите переменную, чтобы взять значение по умолчанию`);
  process.exit(2);
}
if (command === 'main' && !pool) process.env.UV_THREADPOOL_SIZE = SERVER_THREADPOOL_SIZE;
// DuckDB's allocator (bundle.cjs): read by DuckDB's addon when the command first imports it, below.
withDuckdbAllocator(process.env);

const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

bundle(entry, 'server', command).then(
  async (file) => {
    // esbuild's helper process is not needed any more (the server starts its own for the client).
    await stopBundler();
    // The command sees the arguments it would see as `node <bundle> …`: a CLI checks that it is
    // the main module by comparing its own URL with process.argv[1].
    process.argv = [process.argv[0], file, ...args];
    await import(pathToFileURL(file).href);
  },
  (e) => {
    // The checkout is not writable for this user (a service account running a copy installed by
    // another): said so. A bundle built once by the folder's owner is used without writing.
    const code = e !== null && typeof e === 'object' ? e.code : undefined;
    const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? `нет прав на запись в папку ${join(ROOT, '.build')}: команда собирается туда при запуске, когда изменился её код — дайте права на запись пользователю, от имени которого запускается программа, или запустите команду один раз от владельца папки`
      : e instanceof Error ? e.message : String(e);
    console.error(`Не удалось собрать ${entry}: ${why}`);
    process.exit(1);
  },
);
