/**
 * Accounts, sessions, API tokens, failed-login throttling and the audit log, all in DuckDB.
 *
 * Roles (issue #10): `coordinator` sees everything and runs syncs; `school` is bound to one
 * organization and sees only it; `region` sees aggregates only (no names, no data-quality
 * details). Secrets are stored as hashes only: passwords with scrypt, session cookies and API
 * tokens with SHA-256 (they are 256 random bits). Nothing here logs a secret.
 *
 * Throttling is by login name, whether or not the account exists (the answers do not tell
 * which logins exist): after 10 wrong passwords in a row the login is locked for 15 minutes,
 * each further lock twice as long (up to a day); during a lock even the right password is
 * refused without being checked. A success clears the counter. Per client address, at most
 * 50 failed logins in 15 minutes (in memory).
 */
import type { Db, Row } from '../db.ts';
import { dummyHash, generatePassword, hashPassword, newSecret, passwordProblem, sha256, verifyPassword } from './secrets.ts';

export const ROLES = ['coordinator', 'school', 'region'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_TITLES: Record<Role, string> = {
  coordinator: 'муниципальный координатор',
  school: 'образовательная организация',
  region: 'региональный уровень (только сводные данные)',
};

/** Who is asking: a browser session or an API token. */
export interface Principal {
  kind: 'session' | 'token';
  /** users.id or api_tokens.id; null for the demo session. */
  id: number | null;
  login: string;
  role: Role;
  /** The organization of a `school` principal; null for the others. */
  org: string | null;
  /** The demo session: looks at everything, changes nothing. */
  readOnly: boolean;
  demo: boolean;
  /** The session's CSRF token (sessions only). */
  csrf: string | null;
}

export interface AuthPolicy {
  /** A session ends after this long without a request. */
  idleMs: number;
  /** ...and this long after the login whatever happens. */
  absoluteMs: number;
  freeFailures: number;
  firstLockMs: number;
  maxLockMs: number;
  /** Failures older than this are forgotten. */
  failureMemoryMs: number;
  ipMaxFailures: number;
  ipWindowMs: number;
}

export const DEFAULT_POLICY: AuthPolicy = {
  idleMs: 8 * 3600_000,
  absoluteMs: 7 * 24 * 3600_000,
  freeFailures: 10,
  firstLockMs: 15 * 60_000,
  maxLockMs: 24 * 3600_000,
  failureMemoryMs: 24 * 3600_000,
  ipMaxFailures: 50,
  ipWindowMs: 15 * 60_000,
};

export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface UserInfo {
  id: number;
  login: string;
  role: Role;
  org: string | null;
  full_name: string | null;
  created_at: string;
  password_changed_at: string;
}

export interface TokenInfo {
  id: number;
  name: string;
  role: Role;
  org: string | null;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export type LoginResult =
  | { ok: true; cookie: string; principal: Principal }
  | { ok: false; status: 401 | 429; message: string; retryAfterSec?: number };

export interface AuditEntry {
  actor: string;
  role?: Role | null;
  action: string;
  target?: string | null;
  detail?: string | null;
  ip?: string | null;
}

const LOGIN_RE = /^[\p{L}\p{N}._@-]{2,60}$/u;
const SESSION_PREFIX = 'nms';
const TOKEN_PREFIX = 'nmt';
const EPHEMERAL_PREFIX = 'nme';
const SEEN_EVERY_MS = 60_000;

const loginKey = (login: string) => login.trim().toLowerCase();

function minutes(ms: number): string {
  const m = Math.max(1, Math.ceil(ms / 60_000));
  const last = m % 10;
  const word = m % 100 >= 11 && m % 100 <= 14 ? 'минут' : last === 1 ? 'минуту' : last >= 2 && last <= 4 ? 'минуты' : 'минут';
  return `${m} ${word}`;
}

export class AuthStore {
  private readonly ipFailures = new Map<string, number[]>();
  /** Short-lived sessions of the server's own headless browser (the PDF report), in memory. */
  private readonly ephemeral = new Map<string, { principal: Principal; expires: number }>();
  private readonly tokenSeen = new Map<number, number>();

  constructor(
    private readonly db: Db,
    private readonly clock: () => number = Date.now,
    readonly policy: AuthPolicy = DEFAULT_POLICY,
  ) {}

  // ---- accounts ------------------------------------------------------------------------------

  async countUsers(): Promise<number> {
    const [r] = await this.db.query(`SELECT count(*)::INTEGER AS n FROM users`);
    return Number(r?.n ?? 0);
  }

  /** Validates and creates an account; the password is checked against the rules. */
  async addUser(u: { login: string; role: string; org?: string | null; fullName?: string | null; password: string }): Promise<UserInfo> {
    const login = loginKey(u.login);
    if (!LOGIN_RE.test(login)) throw new AuthError('логин: от 2 до 60 букв, цифр или знаков . _ @ -, без пробелов');
    const role = this.role(u.role);
    const org = await this.orgFor(role, u.org ?? null);
    const problem = passwordProblem(u.password, login);
    if (problem) throw new AuthError(problem);
    if ((await this.db.query(`SELECT 1 FROM users WHERE login = $login`, { login })).length) {
      throw new AuthError(`учётная запись «${login}» уже есть`);
    }
    const hash = await hashPassword(u.password);
    await this.db.write((w) =>
      w.run(
        `INSERT INTO users VALUES (nextval('user_seq'), $login, $role, $org, $name, $hash, now()::TIMESTAMP, now()::TIMESTAMP)`,
        { login, role, org, name: u.fullName?.trim() || null, hash },
      ),
    );
    return (await this.user(login))!;
  }

  async user(login: string): Promise<UserInfo | null> {
    const [r] = await this.db.query(
      `SELECT id, login, role, org, full_name, created_at::VARCHAR AS created_at, password_changed_at::VARCHAR AS password_changed_at
       FROM users WHERE login = $login`,
      { login: loginKey(login) },
    );
    return r ? (r as unknown as UserInfo) : null;
  }

  async listUsers(): Promise<UserInfo[]> {
    const rows = await this.db.query(
      `SELECT id, login, role, org, full_name, created_at::VARCHAR AS created_at, password_changed_at::VARCHAR AS password_changed_at
       FROM users ORDER BY CASE role WHEN 'coordinator' THEN 1 WHEN 'region' THEN 2 ELSE 3 END, org NULLS FIRST, login`,
    );
    return rows as unknown as UserInfo[];
  }

  /** Removes an account and ends its sessions. The last coordinator cannot be removed. */
  async removeUser(login: string): Promise<void> {
    const u = await this.user(login);
    if (!u) throw new AuthError(`нет учётной записи «${loginKey(login)}»`);
    if (u.role === 'coordinator') {
      const [r] = await this.db.query(`SELECT count(*)::INTEGER AS n FROM users WHERE role = 'coordinator'`);
      if (Number(r?.n) <= 1) throw new AuthError('это единственный координатор: сначала создайте другого');
    }
    await this.db.write(async (w) => {
      await w.run(`DELETE FROM sessions WHERE user_id = $id`, { id: u.id });
      await w.run(`DELETE FROM users WHERE id = $id`, { id: u.id });
    });
  }

  /** Sets a new password and ends every session of the account (a stolen cookie dies with it). */
  async setPassword(login: string, password: string): Promise<void> {
    const u = await this.user(login);
    if (!u) throw new AuthError(`нет учётной записи «${loginKey(login)}»`);
    const problem = passwordProblem(password, u.login);
    if (problem) throw new AuthError(problem);
    const hash = await hashPassword(password);
    await this.db.write(async (w) => {
      await w.run(`UPDATE users SET password_hash = $hash, password_changed_at = now()::TIMESTAMP WHERE id = $id`, { hash, id: u.id });
      await w.run(`DELETE FROM sessions WHERE user_id = $id`, { id: u.id });
      await w.run(`DELETE FROM login_throttle WHERE login_key = $k`, { k: u.login });
    });
  }

  /**
   * The first start: with no account at all, creates the coordinator `login` with the given
   * password or a generated one. Returns the password to show once, or null if accounts exist.
   */
  async ensureFirstCoordinator(login: string, password: string | undefined): Promise<{ login: string; password: string; generated: boolean } | null> {
    if ((await this.countUsers()) > 0) return null;
    const pw = password ?? generatePassword();
    await this.addUser({ login, role: 'coordinator', password: pw, fullName: 'Муниципальный координатор' });
    return { login: loginKey(login), password: pw, generated: password === undefined };
  }

  private role(role: string): Role {
    if ((ROLES as readonly string[]).includes(role)) return role as Role;
    throw new AuthError(`неизвестная роль «${role}»; допустимые: ${ROLES.join(', ')}`);
  }

  private async orgFor(role: Role, org: string | null): Promise<string | null> {
    const code = org?.trim() || null;
    if (role !== 'school') {
      if (code) throw new AuthError(`код организации задаётся только для роли school (у роли ${role} доступ не ограничен одной организацией)`);
      return null;
    }
    if (!code) throw new AuthError('для роли school укажите код организации (--org)');
    // Organizations of the current registry (one that left it has no data to look at).
    const known = (await this.db.query(`SELECT code FROM orgs WHERE in_registry ORDER BY code`)).map((r) => String(r.code));
    // Before the first sync the registry is empty: the code cannot be checked yet.
    if (known.length && !known.includes(code)) {
      const near = known.filter((k) => k.toLowerCase() === code.toLowerCase());
      throw new AuthError(`нет организации с кодом «${code}» в реестре${near.length ? `; возможно, «${near[0]}»` : ''}`);
    }
    return code;
  }

  // ---- logging in ----------------------------------------------------------------------------

  async login(loginName: string, password: string, ip: string): Promise<LoginResult> {
    const now = this.clock();
    const key = loginKey(loginName).slice(0, 100);
    const ipBlock = this.ipBlocked(ip, now);
    if (ipBlock) return { ok: false, status: 429, message: `Слишком много неудачных попыток входа с этого адреса. Повторите через ${minutes(ipBlock)}.`, retryAfterSec: Math.ceil(ipBlock / 1000) };
    const [t] = await this.db.query(`SELECT failures, locks, locked_until_ms, last_failure_ms FROM login_throttle WHERE login_key = $key`, { key });
    const lockedUntil = t?.locked_until_ms === null || t?.locked_until_ms === undefined ? 0 : Number(t.locked_until_ms);
    if (lockedUntil > now) {
      return {
        ok: false,
        status: 429,
        message: `Слишком много неудачных попыток входа. Вход под этим логином временно заблокирован; повторите через ${minutes(lockedUntil - now)}.`,
        retryAfterSec: Math.ceil((lockedUntil - now) / 1000),
      };
    }
    const [u] = await this.db.query(`SELECT id, login, role, org, password_hash FROM users WHERE login = $key`, { key });
    // Unknown logins cost the same scrypt as known ones: the time does not tell them apart.
    const ok = await verifyPassword(password, u ? String(u.password_hash) : await dummyHash());
    if (!u || !ok) {
      this.noteIpFailure(ip, now);
      const fresh = t && now - Number(t.last_failure_ms) < this.policy.failureMemoryMs;
      const failures = (fresh ? Number(t.failures) : 0) + 1;
      let locks = fresh ? Number(t.locks) : 0;
      let until: number | null = null;
      if (failures >= this.policy.freeFailures) {
        until = now + Math.min(this.policy.firstLockMs * 2 ** locks, this.policy.maxLockMs);
        locks++;
      }
      await this.db.write((w) =>
        w.run(`INSERT OR REPLACE INTO login_throttle VALUES ($key, $failures, $locks, $until, $now)`, {
          key,
          failures: until === null ? failures : 0,
          locks,
          until,
          now,
        }),
      );
      if (until !== null) {
        return {
          ok: false,
          status: 429,
          message: `Слишком много неудачных попыток входа. Вход под этим логином временно заблокирован; повторите через ${minutes(until - now)}.`,
          retryAfterSec: Math.ceil((until - now) / 1000),
        };
      }
      return { ok: false, status: 401, message: 'Неверный логин или пароль.' };
    }
    await this.db.write((w) => w.run(`DELETE FROM login_throttle WHERE login_key = $key`, { key }));
    return this.openSession(Number(u.id), false);
  }

  /** The demo session (demo data only): a coordinator's view that cannot change anything. */
  async demoLogin(): Promise<LoginResult> {
    return this.openSession(null, true);
  }

  private async openSession(userId: number | null, demo: boolean): Promise<LoginResult> {
    const now = this.clock();
    const cookie = newSecret(SESSION_PREFIX);
    const csrf = newSecret('csrf');
    await this.db.write(async (w) => {
      // Expired sessions are swept here: a login is rare enough to pay for it.
      await w.run(`DELETE FROM sessions WHERE expires_ms <= $now OR seen_ms <= $idle`, { now, idle: now - this.policy.idleMs });
      await w.run(`INSERT INTO sessions VALUES ($hash, $user, $demo, $csrf, $now, $expires, $now)`, {
        hash: sha256(cookie),
        user: userId,
        demo,
        csrf,
        now,
        expires: now + this.policy.absoluteMs,
      });
    });
    const principal = await this.sessionFor(cookie);
    if (!principal) throw new Error('session vanished right after it was created');
    return { ok: true, cookie, principal };
  }

  /**
   * A session cookie for the server's own headless browser, with exactly the rights of the
   * principal it prints the report for; it lives in memory only and for `ttlMs` at most.
   */
  issueEphemeral(p: Principal, ttlMs: number): { cookie: string; revoke: () => void } {
    const cookie = newSecret(EPHEMERAL_PREFIX);
    const hash = sha256(cookie);
    for (const [k, v] of this.ephemeral) if (v.expires <= this.clock()) this.ephemeral.delete(k);
    this.ephemeral.set(hash, { principal: { ...p, kind: 'session', readOnly: true, csrf: null }, expires: this.clock() + ttlMs });
    return { cookie, revoke: () => this.ephemeral.delete(hash) };
  }

  /** The principal of a session cookie, or null (unknown, expired, idle too long). */
  async sessionFor(cookie: string): Promise<Principal | null> {
    if (cookie.startsWith(`${EPHEMERAL_PREFIX}_`)) {
      const e = this.ephemeral.get(sha256(cookie));
      return e && e.expires > this.clock() ? e.principal : null;
    }
    if (!cookie.startsWith(`${SESSION_PREFIX}_`) || cookie.length > 200) return null;
    const now = this.clock();
    const hash = sha256(cookie);
    const [s] = await this.db.query(
      `SELECT s.user_id, s.demo, s.csrf, s.expires_ms, s.seen_ms, u.login, u.role, u.org
       FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.token_hash = $hash`,
      { hash },
    );
    if (!s) return null;
    const demo = s.demo === true;
    if (Number(s.expires_ms) <= now || Number(s.seen_ms) <= now - this.policy.idleMs || (!demo && s.login === null)) {
      await this.db.write((w) => w.run(`DELETE FROM sessions WHERE token_hash = $hash`, { hash }));
      return null;
    }
    if (now - Number(s.seen_ms) > SEEN_EVERY_MS) {
      await this.db.write((w) => w.run(`UPDATE sessions SET seen_ms = $now WHERE token_hash = $hash`, { now, hash }));
    }
    return demo
      ? { kind: 'session', id: null, login: 'демо', role: 'coordinator', org: null, readOnly: true, demo: true, csrf: String(s.csrf) }
      : principalOf('session', s, String(s.csrf));
  }

  async logout(cookie: string): Promise<void> {
    await this.db.write((w) => w.run(`DELETE FROM sessions WHERE token_hash = $hash`, { hash: sha256(cookie) }));
  }

  private ipBlocked(ip: string, now: number): number {
    const list = (this.ipFailures.get(ip) ?? []).filter((t) => now - t < this.policy.ipWindowMs);
    if (list.length) this.ipFailures.set(ip, list);
    else this.ipFailures.delete(ip);
    return list.length >= this.policy.ipMaxFailures ? list[0]! + this.policy.ipWindowMs - now : 0;
  }

  private noteIpFailure(ip: string, now: number): void {
    const list = this.ipFailures.get(ip) ?? [];
    list.push(now);
    if (list.length > this.policy.ipMaxFailures) list.shift();
    this.ipFailures.set(ip, list);
    // Bounded whatever the traffic: the oldest addresses go first.
    if (this.ipFailures.size > 10_000) this.ipFailures.delete(this.ipFailures.keys().next().value as string);
  }

  // ---- API tokens ----------------------------------------------------------------------------

  /** Creates a token; its secret is returned here once and stored only as a hash. */
  async createToken(t: { name: string; role: string; org?: string | null }): Promise<{ info: TokenInfo; token: string }> {
    const name = t.name.trim();
    if (!name || name.length > 100) throw new AuthError('название токена: от 1 до 100 знаков (например, report-bot)');
    // A number names a token by its number in `revoke`: a name must not look like one.
    if (/^\d+$/.test(name)) throw new AuthError('название токена не может состоять из одних цифр (по числу токен отзывается по номеру)');
    const role = this.role(t.role);
    const org = await this.orgFor(role, t.org ?? null);
    const token = newSecret(TOKEN_PREFIX);
    const [r] = await this.db.write((w) =>
      w.query(
        `INSERT INTO api_tokens VALUES (nextval('token_seq'), $name, $role, $org, $hash, now()::TIMESTAMP, NULL, NULL) RETURNING id`,
        { name, role, org, hash: sha256(token) },
      ),
    );
    const info = (await this.listTokens()).find((x) => x.id === Number(r?.id));
    return { info: info!, token };
  }

  async listTokens(): Promise<TokenInfo[]> {
    const rows = await this.db.query(
      `SELECT id, name, role, org, created_at::VARCHAR AS created_at, revoked_at::VARCHAR AS revoked_at, last_used_at::VARCHAR AS last_used_at
       FROM api_tokens ORDER BY id`,
    );
    return rows as unknown as TokenInfo[];
  }

  /** Revokes by number or by name (every active token of that name). Returns how many. */
  async revokeToken(idOrName: string): Promise<number> {
    const key = idOrName.trim();
    const id = /^\d+$/.test(key) ? Number(key) : null;
    const rows = await this.db.write((w) =>
      w.query(
        `UPDATE api_tokens SET revoked_at = now()::TIMESTAMP
         WHERE revoked_at IS NULL AND (CASE WHEN $id IS NULL THEN name = $name ELSE id = $id END) RETURNING id`,
        { id, name: key },
      ),
    );
    if (!rows.length) throw new AuthError(`нет действующего токена «${idOrName}»`);
    return rows.length;
  }

  async tokenFor(bearer: string): Promise<Principal | null> {
    if (!bearer.startsWith(`${TOKEN_PREFIX}_`) || bearer.length > 200) return null;
    const hash = sha256(bearer);
    const [t] = await this.db.query(
      `SELECT id, name AS login, role, org, last_used_at FROM api_tokens WHERE token_hash = $hash AND revoked_at IS NULL`,
      { hash },
    );
    if (!t) return null;
    // "Last used" to the minute: not a write transaction on every request a script makes.
    const id = Number(t.id);
    const now = this.clock();
    if (now - (this.tokenSeen.get(id) ?? 0) > SEEN_EVERY_MS) {
      this.tokenSeen.set(id, now);
      await this.db.write((w) => w.run(`UPDATE api_tokens SET last_used_at = now()::TIMESTAMP WHERE id = $id`, { id }));
    }
    return principalOf('token', t, null);
  }

  // ---- audit ---------------------------------------------------------------------------------

  async audit(e: AuditEntry): Promise<void> {
    await this.db.write((w) =>
      w.run(`INSERT INTO audit_log VALUES (nextval('audit_seq'), now()::TIMESTAMP, $actor, $role, $action, $target, $detail, $ip)`, {
        actor: e.actor.slice(0, 200),
        role: e.role ?? null,
        action: e.action,
        target: e.target?.slice(0, 500) ?? null,
        detail: e.detail?.slice(0, 2000) ?? null,
        ip: e.ip ?? null,
      }),
    );
  }

  async auditLog(limit = 100): Promise<Row[]> {
    return this.db.query(
      `SELECT id, ts::VARCHAR AS ts, actor, role, action, target, detail, ip FROM audit_log ORDER BY id DESC LIMIT $limit`,
      { limit },
    );
  }
}

function principalOf(kind: Principal['kind'], r: Row, csrf: string | null): Principal {
  return {
    kind,
    id: kind === 'session' ? Number(r.user_id) : Number(r.id),
    login: String(r.login),
    role: String(r.role) as Role,
    org: r.org === null || r.org === undefined ? null : String(r.org),
    readOnly: false,
    demo: false,
    csrf,
  };
}
