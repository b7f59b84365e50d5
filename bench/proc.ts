/** Starting benchmark phases in child processes (bench/child.ts) and talking to them over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ChildArgs } from './child.ts';

const require = createRequire(import.meta.url);
const { SERVER_THREADPOOL_SIZE, withDuckdbAllocator, bundle } = require('../scripts/bundle.cjs') as {
  SERVER_THREADPOOL_SIZE: string;
  withDuckdbAllocator: (env: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
  bundle: (entry: string, folder: string, name: string) => Promise<string>;
};

/**
 * The child runs as the product's commands do (scripts/launch.cjs): bundled, under plain Node —
 * no tsx loader in it, so its memory is what the product's own process would hold.
 */
const CHILD = await bundle('bench/child.ts', 'bench', 'child');

export interface ChildOptions {
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  /** Kill the child after this long (the benchmark must stay bounded). */
  timeoutMs?: number;
}

/**
 * How the product's own command starts its process (package.json:
 * `NAME=${NAME:-default} … node <flags> scripts/launch.cjs <command>`): the environment defaults
 * set before Node starts (glibc's malloc arenas, read once at start) and the node flags (the
 * JavaScript heap's bound). The sync phase runs as `npm run sync` does, the serve phase as
 * `npm start` does, so their memory is the product's.
 */
export function productCommand(script: 'start' | 'sync'): { env: Record<string, string>; flags: string[] } {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  const words = pkg.scripts[script]!.trim().split(/\s+/);
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]!); i++) {
    const m = /^([A-Z_][A-Z0-9_]*)=\$\{\1:-([^}]*)\}$/.exec(words[i]!);
    if (!m) throw new Error(`package.json: scripts.${script}: «${words[i]}» — bench/proc.ts reads only NAME=\${NAME:-default}`);
    env[m[1]!] = m[2]!;
  }
  const at = words.indexOf('scripts/launch.cjs');
  if (words[i] !== 'node' || at < 0) throw new Error(`package.json: scripts.${script} no longer runs node scripts/launch.cjs — bench/proc.ts must follow it`);
  return { env, flags: words.slice(i + 1, at).filter((w) => w.startsWith('--')) };
}

const PHASE_SCRIPT: Partial<Record<ChildArgs['phase'], 'start' | 'sync'>> = { sync: 'sync', serve: 'start' };

/**
 * The child runs in UTC like the tests; with DuckDB's allocator settings every command has
 * (scripts/launch.cjs), the environment its command's package.json line sets (productCommand),
 * and the serve phase with the server's thread pool.
 */
export function startChild(args: ChildArgs, opts: ChildOptions = {}): ChildProcess {
  const script = PHASE_SCRIPT[args.phase];
  const env = withDuckdbAllocator({ ...process.env, TZ: 'UTC' });
  if (script === 'start') env.UV_THREADPOOL_SIZE ??= SERVER_THREADPOOL_SIZE;
  // The load phase is a sync from memory: the sync's environment, not its heap bound.
  const command = productCommand(script ?? 'sync');
  for (const [k, v] of Object.entries(command.env)) if (!env[k]) env[k] = v;
  return fork(CHILD, [JSON.stringify(args)], {
    execArgv: [...(script ? command.flags : []), ...(opts.nodeFlags ?? [])],
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Waits for the next message of `kind` from the child (or its error / exit). */
export function nextMessage<T>(child: ChildProcess, kind: string, timeoutMs = 10 * 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`bench child: no «${kind}» within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (msg: { kind: string; message?: string } & Record<string, unknown>) => {
      if (msg.kind === 'error') {
        cleanup();
        reject(new Error(`bench child failed: ${msg.message}`));
      } else if (msg.kind === kind) {
        cleanup();
        resolve(msg as T);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`bench child exited (code ${code}) before «${kind}»`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Runs a one-shot phase (sync, load) and returns its result. */
export async function runChild<T>(args: ChildArgs, opts: ChildOptions = {}): Promise<T> {
  const child = startChild(args, opts);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const msg = await nextMessage<{ result: T }>(child, 'result', opts.timeoutMs);
  await exited;
  return msg.result;
}
