/**
 * Passwords and tokens. Passwords are hashed with scrypt (Node's crypto: memory-hard, no
 * native package to build): N = 2^15, r = 8, p = 1 — 32 MiB and ~0.1 s per hash on this
 * machine, the OWASP baseline. Session cookies and API tokens are 256 random bits, so a fast
 * hash (SHA-256) is enough to store them: the database never holds a usable secret.
 *
 * Every scrypt of the process — a login's verification, a new account's or a new password's
 * hash — goes through one FIFO queue, at most HASH_CONCURRENCY at once: each takes 32 MiB and
 * a libuv thread, and DuckDB needs those threads too (a flood of logins must not stall the
 * dashboard). The login code (store.ts) reads the queue's length to refuse what would wait
 * too long.
 */
import { createHash, randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** The parameters of every new hash in production (verification reads them from the stored hash). */
export const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keylen: 32 } as const;
/** N of new hashes: SCRYPT.N, except where a test lowered it (`useTestHashCost`). */
let costN: number = SCRYPT.N;

/**
 * Tests only: new hashes at scrypt cost `N` (null: SCRYPT.N again). The suite creates and
 * logs in ~190 accounts, 0.15 s of a core each at N = 2^15 — a tenth of its time on a 2-core
 * machine — for a cost that is not what those tests are about; everything else (the queue, the
 * stored format, verification by the hash's own parameters, the unknown login's dummy hash) is
 * the same code. The tests of the cost itself keep SCRYPT.N (login-flood, secrets). Refused
 * outside Vitest: production has no way to lower it.
 */
export function useTestHashCost(N: number | null): void {
  if (!process.env.VITEST) throw new Error('useTestHashCost: только в тестах (Vitest)');
  costN = N ?? SCRYPT.N;
}

/** Runs tasks at most `concurrency` at once, the others waiting in arrival order. */
export class TaskQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly concurrency: number) {}

  /** Tasks waiting for a slot (not counting the running ones). */
  get queued(): number {
    return this.waiting.length;
  }

  get running(): number {
    return this.active;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.concurrency) this.active++;
    // The slot is handed over by the task that frees it (`active` stays the same).
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Password hashes computed at once, process-wide. */
export const HASH_CONCURRENCY = 2;
export const HASH_QUEUE = new TaskQueue(HASH_CONCURRENCY);

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return HASH_QUEUE.run(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scryptCb(password.normalize('NFC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
      }),
  );
}

/** `scrypt$N$r$p$salt$hash` (base64url): the parameters travel with the hash, so they can grow. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const N = costN;
  const key = await scrypt(password, salt, SCRYPT.keylen, { N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 128 * N * SCRYPT.r * 2 });
  return ['scrypt', N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (!N || !r || !p || !expected.length) return false;
  const key = await scrypt(password, salt, expected.length, { N, r, p, maxmem: 128 * N * r * 2 });
  return timingSafeEqual(key, expected);
}

let dummy: { N: number; hash: Promise<string> } | null = null;
/** A hash to verify against when the login is unknown: the answer takes as long as for a real one (same cost as a new hash). */
export function dummyHash(): Promise<string> {
  if (!dummy || dummy.N !== costN) {
    const made = { N: costN, hash: hashPassword(randomBytes(16).toString('hex')) };
    made.hash.catch(() => {
      if (dummy === made) dummy = null;
    });
    dummy = made;
  }
  return dummy.hash;
}

/** For new passwords only: an older, shorter one still logs in. */
export const MIN_PASSWORD_LENGTH = 12;

/** What is wrong with a new password, in Russian; null when it is acceptable. */
export function passwordProblem(password: string, login?: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `пароль слишком короткий: нужно не меньше ${MIN_PASSWORD_LENGTH} знаков`;
  if (password.length > 200) return 'пароль слишком длинный: не больше 200 знаков';
  if (login && password.toLowerCase().includes(login.toLowerCase())) return 'пароль не должен содержать логин';
  if (new Set(password).size < 4) return 'пароль слишком простой: в нём почти одни и те же знаки';
  return null;
}

/** Letters and digits that cannot be confused when read from a screen (no 0/O, 1/l/I). */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random password of 16 such characters (~93 bits), for first accounts and resets. */
export function generatePassword(length = 16): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** A new secret for a cookie or an API token: 256 random bits, with a readable prefix. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Constant-time comparison of two strings (CSRF tokens). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
