/**
 * The local settings file: `.env` in the working directory (or the file ENV_FILE names) is read
 * at start by every entry point, when it exists — the format of `.env.example`, parsed by Node's
 * own parser (`util.parseEnv`, as `node --env-file`). A variable already set in the environment
 * wins over the file, so a service manager's or a shell's setting is never overridden.
 * `ENV_FILE=` (empty) reads no file.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

export class EnvFileError extends Error {}

/**
 * Reads the settings file into `env` (variables already set are kept). Returns the path read,
 * or null when there is none. A file named by ENV_FILE that is missing, or any file that cannot
 * be read, is an EnvFileError (Russian); the file's values never appear in a message.
 */
export function loadEnvFile(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): string | null {
  const named = env.ENV_FILE;
  if (named === '') return null;
  const path = resolve(cwd, named ?? '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // The default file is optional; a file named on purpose must be there.
    if (code === 'ENOENT' && named === undefined) return null;
    throw new EnvFileError(code === 'ENOENT' ? `файл настроек ${path} (ENV_FILE) не найден` : `не удалось прочитать файл настроек ${path}: ${code ?? (e as Error).message}`);
  }
  for (const [key, value] of Object.entries(parseEnv(text.replace(/^\uFEFF/, '')))) {
    if (env[key] === undefined) env[key] = value;
  }
  return path;
}
