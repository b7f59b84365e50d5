/**
 * Failed-login throttling, decided before any password is hashed.
 *
 * Two limits, by login name (whether or not the account exists, so the answers do not tell
 * which logins exist) and by client address:
 *   - a login: after `freeFailures` (10) wrong passwords in a row it is locked for
 *     `firstLockMs` (15 minutes), each further lock twice as long (up to `maxLockMs`, a day);
 *     during a lock even the right password is refused without being checked; a success
 *     clears the counter; failures older than `failureMemoryMs` are forgotten. Except from an
 *     address the login signed in from within `knownForMs` (90 days; `login_addresses`): there
 *     the same rule counts that login and that address alone, so wrong passwords sent from
 *     elsewhere do not lock its owner out (ten requests a day from anywhere on the network kept
 *     the only coordinator out: an acceptance run), and a guesser elsewhere still meets the
 *     login's lock however many addresses it spreads over;
 *   - an address: at most `ipMaxFailures` (50) failures in `ipWindowMs` (15 minutes).
 * An attempt is reserved atomically before its hash starts and counts against both limits
 * until it resolves, as if it were going to fail: N wrong passwords sent at once cost at most
 * `freeFailures` hashes for one login, not N. On top of that, an address may have at most
 * `ipMaxPending` (5) attempts waiting or running — beyond it the answer is an immediate 429 —
 * and the whole process at most `maxPendingHashes` (32) login attempts in flight and password
 * hashes waiting in the queue (beyond it, an immediate 503).
 *
 * One process owns the database, so the state in memory is authoritative for every decision;
 * each outcome is written to `login_throttle` (a restart keeps the locks). Both maps in memory
 * are bounded: an entry with nothing in flight can be dropped at any time (the table holds
 * what matters of it; the address memory is short-lived by design). The table's statements are
 * the named ones of queries/auth/throttle.sql.
 */
import type { Db } from '../db/db.ts';
import { sqlOf } from '../db/queries.ts';
import { HASH_QUEUE, type TaskQueue } from './secrets.ts';

export interface ThrottlePolicy {
  freeFailures: number;
  firstLockMs: number;
  maxLockMs: number;
  /** Failures older than this are forgotten. */
  failureMemoryMs: number;
  ipMaxFailures: number;
  ipWindowMs: number;
  /** Attempts of one address waiting for a hash or being hashed, at most. */
  ipMaxPending: number;
  /**
   * Login attempts in flight in the process (from their reservation: a burst is counted before
   * its hashes reach the queue), and hashes waiting in the queue, at most (beyond it: 503).
   */
  maxPendingHashes: number;
  /** An address a login signed in from within this long is its own: the login's lock does not apply there. */
  knownForMs: number;
}

/** The key of a login and an address in `login_throttle` (a login name has no control character). */
const pairKey = (key: string, ip: string) => `${key}\u0001${ip}`;

export interface Refusal {
  ok: false;
  status: 401 | 403 | 429 | 503;
  code: string;
  message: string;
  retryAfterSec?: number;
}

/** A reserved attempt: resolve it once with `fail` or `succeed`; `release` (idempotent) only frees it. */
export interface Reservation {
  ok: true;
  /** A wrong password: counted; the refusal to answer when this failure locked the login. */
  fail(): Promise<Refusal | null>;
  /** The right password: the counters are cleared, unless a lock began meanwhile (its refusal). */
  succeed(): Promise<Refusal | null>;
  /** Neither (an error): frees the slot without counting anything. */
  release(): void;
}

interface AccountState {
  failures: number;
  locks: number;
  lockedUntil: number;
  lastFailure: number;
  /** Attempts reserved and not resolved yet. */
  pending: number;
  /** Writes of this state not finished yet (the entry stays in memory until they are). */
  writes: number;
}

interface AddressState {
  /** Times of failures within the window, oldest first. */
  failures: number[];
  pending: number;
}

/** A statement of queries/auth/throttle.sql. */
const q = (name: string) => sqlOf(`auth/throttle#${name}`);

/** Entries kept in memory, per map. */
export const MAX_TRACKED = 10_000;
/** What `Retry-After` says when the reason is only attempts in flight. */
const BUSY_RETRY_SEC = 5;

export function minutes(ms: number): string {
  const m = Math.max(1, Math.ceil(ms / 60_000));
  const last = m % 10;
  const word = m % 100 >= 11 && m % 100 <= 14 ? 'минут' : last === 1 ? 'минуту' : last >= 2 && last <= 4 ? 'минуты' : 'минут';
  return `${m} ${word}`;
}

export const lockRefusal = (ms: number): Refusal => ({
  ok: false,
  status: 429,
  code: 'locked',
  message: `Слишком много неудачных попыток входа. Вход под этим логином временно заблокирован; повторите через ${minutes(ms)}.`,
  retryAfterSec: Math.ceil(ms / 1000),
});

const addressLocked = (ms: number): Refusal => ({
  ok: false,
  status: 429,
  code: 'locked',
  message: `Слишком много неудачных попыток входа с этого адреса. Повторите через ${minutes(ms)}.`,
  retryAfterSec: Math.ceil(ms / 1000),
});

const ADDRESS_BUSY: Refusal = {
  ok: false,
  status: 429,
  code: 'too_many_attempts',
  message: 'Слишком много одновременных попыток входа с этого адреса. Дождитесь ответа на предыдущие и повторите через несколько секунд.',
  retryAfterSec: BUSY_RETRY_SEC,
};

const LOGIN_BUSY: Refusal = {
  ok: false,
  status: 429,
  code: 'too_many_attempts',
  message: 'Слишком много одновременных попыток входа под этим логином. Повторите через несколько секунд.',
  retryAfterSec: BUSY_RETRY_SEC,
};

const SERVER_BUSY: Refusal = {
  ok: false,
  status: 503,
  code: 'busy',
  message: 'Сервер занят: сейчас проверяется слишком много паролей. Повторите вход через несколько секунд.',
  retryAfterSec: BUSY_RETRY_SEC,
};

export class LoginThrottle {
  private readonly accounts = new Map<string, AccountState>();
  private readonly loading = new Map<string, Promise<AccountState>>();
  private readonly addresses = new Map<string, AddressState>();
  /** When a login last signed in from an address (pairKey → ms, 0: never), as read or noted. */
  private readonly known = new Map<string, number>();
  /** Attempts reserved and not resolved yet, all logins together. */
  private pendingTotal = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
    private readonly policy: ThrottlePolicy,
    private readonly queue: TaskQueue = HASH_QUEUE,
  ) {}

  /** Entries in memory and attempts in flight (tests, diagnostics). */
  get tracked(): { accounts: number; addresses: number; pending: number } {
    return { accounts: this.accounts.size, addresses: this.addresses.size, pending: this.pendingTotal };
  }

  /** Reserves an attempt of login `key` from address `ip`, or says why not (nothing hashed then). */
  async reserve(key: string, ip: string): Promise<Reservation | Refusal> {
    // The cheap refusals first, before the database is asked anything.
    const early = this.addressRefusal(ip, this.clock());
    if (early) return early;
    // From an address the login signed in from, the counters of that login there alone.
    const own = await this.knownAddress(key, ip);
    const stateKey = own ? pairKey(key, ip) : key;
    const account = await this.account(stateKey);
    // From here on nothing awaits until the attempt is reserved: the decision is atomic.
    const now = this.clock();
    const refusal = this.addressRefusal(ip, now) ?? this.accountRefusal(account, now);
    if (refusal) return refusal;
    const address = this.address(ip);
    account.pending++;
    address.pending++;
    this.pendingTotal++;
    let open = true;
    const close = (): boolean => {
      if (!open) return false;
      open = false;
      account.pending--;
      address.pending--;
      this.pendingTotal--;
      return true;
    };
    return {
      ok: true,
      fail: async () => {
        if (!close()) return null;
        const at = this.clock();
        this.noteAddressFailure(address, at);
        const fresh = account.lastFailure > 0 && at - account.lastFailure < this.policy.failureMemoryMs;
        const failures = (fresh ? account.failures : 0) + 1;
        let locks = fresh ? account.locks : 0;
        let until = fresh ? account.lockedUntil : 0;
        if (failures >= this.policy.freeFailures) {
          until = at + Math.min(this.policy.firstLockMs * 2 ** locks, this.policy.maxLockMs);
          locks++;
        }
        account.failures = failures >= this.policy.freeFailures ? 0 : failures;
        account.locks = locks;
        account.lockedUntil = until;
        account.lastFailure = at;
        await this.persist(stateKey, account);
        return until > at ? lockRefusal(until - at) : null;
      },
      succeed: async () => {
        if (!close()) return null;
        const at = this.clock();
        // A lock that began while this attempt was in flight wins: the right password waits too.
        if (account.lockedUntil > at) return lockRefusal(account.lockedUntil - at);
        account.failures = 0;
        account.locks = 0;
        account.lockedUntil = 0;
        account.lastFailure = 0;
        await this.persist(stateKey, account);
        await this.noteKnown(key, ip, at);
        return null;
      },
      release: () => void close(),
    };
  }

  /**
   * Forgets the counters of a login (a new password was set), its own and those of it at each
   * address, and the addresses it signed in from: memory and table.
   */
  async forget(key: string): Promise<void> {
    const prefix = pairKey(key, '');
    for (const [k, a] of this.accounts) {
      if (k !== key && !k.startsWith(prefix)) continue;
      a.failures = 0;
      a.locks = 0;
      a.lockedUntil = 0;
      a.lastFailure = 0;
    }
    for (const k of [...this.known.keys()]) if (k.startsWith(prefix)) this.known.delete(k);
    await this.db.write(async (w) => {
      await w.run(q('forget_login_everywhere'), { key, prefix });
      await w.run(q('forget_addresses'), { key });
    });
  }

  /**
   * Drops what no longer matters: rows of logins that do not exist whose lock is over and whose
   * failures are forgotten (a guesser's list of names must not grow the table for ever), and
   * such entries of memory, and addresses without a recent failure. Returns the rows deleted.
   */
  async sweep(now: number): Promise<number> {
    const forgottenBefore = now - this.policy.failureMemoryMs;
    const deleted = await this.db.write(async (w) => {
      // Two statements with the same condition: the rows counted are the rows deleted.
      const [r] = await w.query(q('count_forgotten'), { now, before: forgottenBefore });
      await w.run(q('delete_forgotten'), { now, before: forgottenBefore });
      await w.run(q('forget_old_addresses'), { since: now - this.policy.knownForMs });
      return Number(r?.n ?? 0);
    });
    this.known.clear();
    for (const [key, a] of this.accounts) {
      if (a.pending === 0 && a.writes === 0 && a.lockedUntil <= now && a.lastFailure <= forgottenBefore) this.accounts.delete(key);
    }
    for (const [ip, a] of this.addresses) {
      a.failures = a.failures.filter((t) => now - t < this.policy.ipWindowMs);
      if (a.pending === 0 && a.failures.length === 0) this.addresses.delete(ip);
    }
    return deleted;
  }

  // ---- addresses -----------------------------------------------------------------------------

  private serverBusy(): boolean {
    return this.pendingTotal >= this.policy.maxPendingHashes || this.queue.queued >= this.policy.maxPendingHashes;
  }

  private addressRefusal(ip: string, now: number): Refusal | null {
    const a = this.addresses.get(ip);
    if (!a) return this.serverBusy() ? SERVER_BUSY : null;
    if (a.pending >= this.policy.ipMaxPending) return ADDRESS_BUSY;
    if (this.serverBusy()) return SERVER_BUSY;
    while (a.failures.length && now - a.failures[0]! >= this.policy.ipWindowMs) a.failures.shift();
    // Attempts in flight count as failures to come.
    if (a.failures.length >= this.policy.ipMaxFailures) return addressLocked(a.failures[0]! + this.policy.ipWindowMs - now);
    if (a.failures.length + a.pending >= this.policy.ipMaxFailures) return ADDRESS_BUSY;
    return null;
  }

  private address(ip: string): AddressState {
    let a = this.addresses.get(ip);
    if (a) {
      // Most recently used last: the oldest go first when the map is full.
      this.addresses.delete(ip);
    } else {
      a = { failures: [], pending: 0 };
      this.trim(this.addresses, (x) => x.pending === 0);
    }
    this.addresses.set(ip, a);
    return a;
  }

  private noteAddressFailure(a: AddressState, now: number): void {
    a.failures.push(now);
    if (a.failures.length > this.policy.ipMaxFailures) a.failures.shift();
  }

  // ---- logins --------------------------------------------------------------------------------

  /** Whether the login signed in from the address within knownForMs (memory, else the table). */
  private async knownAddress(key: string, ip: string): Promise<boolean> {
    const k = pairKey(key, ip);
    const now = this.clock();
    let at = this.known.get(k);
    if (at === undefined) {
      const [row] = await this.db.query(q('known_address'), { key, address: ip });
      at = row ? Number(row.last_success_ms) : 0;
      this.trim(this.known, () => true);
      this.known.set(k, at);
    }
    return at > 0 && now - at < this.policy.knownForMs;
  }

  /** Notes a sign-in of the login from the address (a success). */
  private async noteKnown(key: string, ip: string, at: number): Promise<void> {
    const k = pairKey(key, ip);
    this.known.delete(k);
    this.trim(this.known, () => true);
    this.known.set(k, at);
    await this.db.write((w) => w.run(q('save_known_address'), { key, address: ip, at }));
  }

  private accountRefusal(a: AccountState, now: number): Refusal | null {
    if (a.lockedUntil > now) return lockRefusal(a.lockedUntil - now);
    const fresh = a.lastFailure > 0 && now - a.lastFailure < this.policy.failureMemoryMs;
    // Every attempt in flight may yet fail: reserve only what could not go past a lock.
    if ((fresh ? a.failures : 0) + a.pending >= this.policy.freeFailures) return LOGIN_BUSY;
    return null;
  }

  private async account(key: string): Promise<AccountState> {
    const known = this.accounts.get(key);
    if (known) {
      this.accounts.delete(key);
      this.accounts.set(key, known);
      return known;
    }
    let loading = this.loading.get(key);
    if (!loading) {
      loading = this.db
        .query(q('login_state'), { key })
        .then(([t]) => ({
          failures: t ? Number(t.failures) : 0,
          locks: t ? Number(t.locks) : 0,
          lockedUntil: t?.locked_until_ms === null || t?.locked_until_ms === undefined ? 0 : Number(t.locked_until_ms),
          lastFailure: t ? Number(t.last_failure_ms) : 0,
          pending: 0,
          writes: 0,
        }));
      const mine = loading;
      const done = () => {
        if (this.loading.get(key) === mine) this.loading.delete(key);
      };
      mine.then(done, done);
      this.loading.set(key, mine);
    }
    const loaded = await loading;
    // Every caller waiting on the same read gets the same object; the first one keeps it.
    const kept = this.accounts.get(key);
    if (kept) return kept;
    this.trim(this.accounts, (x) => x.pending === 0 && x.writes === 0);
    this.accounts.set(key, loaded);
    return loaded;
  }

  private async persist(key: string, a: AccountState): Promise<void> {
    const clean = a.failures === 0 && a.locks === 0 && a.lockedUntil === 0;
    const row = { key, failures: a.failures, locks: a.locks, until: a.lockedUntil || null, last: a.lastFailure };
    a.writes++;
    try {
      // The write queue is first in, first out: the last state written is the last decided.
      await this.db.write((w) =>
        clean
          ? w.run(q('forget_login'), { key })
          : w.run(q('save_login_state'), row),
      );
    } finally {
      a.writes--;
    }
  }

  /** Makes room for one entry: the least recently used ones that `idle` allows to drop go first. */
  private trim<T>(map: Map<string, T>, idle: (x: T) => boolean): void {
    if (map.size < MAX_TRACKED) return;
    for (const [k, v] of map) {
      if (idle(v)) map.delete(k);
      if (map.size < MAX_TRACKED) return;
    }
  }
}
