/**
 * The product's commands as `npm start` / `npm run <command>` start them (package.json):
 * `node scripts/launch.cjs <command> …` — bundled, under plain Node (scripts/bundle.cjs).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const LAUNCHER = fileURLToPath(new URL('../../scripts/launch.cjs', import.meta.url));

export type Command = 'main' | 'sync' | 'user' | 'token' | 'template' | 'provision' | 'docs';

/** Starts a command of the product as its npm script does (`nodeFlags`: what the script gives Node). */
export function launch(command: Command, args: readonly string[], opts: SpawnOptions & { nodeFlags?: readonly string[] } = {}): ChildProcess {
  const { nodeFlags = [], ...spawnOpts } = opts;
  return spawn(process.execPath, [...nodeFlags, LAUNCHER, command, ...args], spawnOpts);
}
