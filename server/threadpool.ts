/**
 * libuv's thread pool, sized before anything uses it (it is created on first use, and Node's
 * default is 4 threads). Every running DuckDB query holds one of these threads, and so does
 * every password hash (scrypt): with 2 connections for metrics, 2 for light queries, the
 * writer and 2 hashes at once, 4 threads would make a light request wait behind heavy ones.
 * Imported first by `server/main.ts`; an operator's own UV_THREADPOOL_SIZE wins.
 */
process.env.UV_THREADPOOL_SIZE ??= '10';
export {};
