/**
 * `SMTP_URL` read by the WHATWG URL parser into nodemailer's transport options. nodemailer's own
 * `url` option goes through Node's legacy `url.parse`, which prints a URL it finds invalid — the
 * password with it — to the server's log (DEP0170): a password with `#`, `/` or `?` written as it
 * is. Such a URL is refused at start (config.ts) with how to write it, and nodemailer gets parts.
 */
export interface SmtpParts {
  host: string;
  port?: number;
  /** `smtps://`: TLS from the first byte (port 465); `smtp://` upgrades with STARTTLS when offered. */
  secure: boolean;
  auth?: { user: string; pass: string };
  /** Query parameters as nodemailer reads them (`?tls.rejectUnauthorized=false`): dotted names nest; true, false and numbers are typed. */
  options: Record<string, unknown>;
}

/** Names that would reach an object's prototype: a query naming one is no address. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The parts of an SMTP URL, or null when it is none (or its user name or password would be misread). */
export function smtpUrlParts(text: string): SmtpParts | null {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return null;
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') return null;
  // A fragment or a path: a # / or ? of the password ended the address early.
  if (!u.hostname || u.hash !== '' || (u.pathname !== '' && u.pathname !== '/')) return null;
  let user: string;
  let pass: string;
  try {
    user = decodeURIComponent(u.username);
    pass = decodeURIComponent(u.password);
  } catch {
    return null;
  }
  const options: Record<string, unknown> = {};
  for (const [key, raw] of u.searchParams) {
    const value = raw === 'true' ? true : raw === 'false' ? false : /^\d+$/.test(raw) ? Number(raw) : raw;
    const path = key.split('.');
    if (path.some((p) => UNSAFE_KEYS.has(p))) return null;
    let at = options;
    for (const p of path.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
    at[path.at(-1)!] = value;
  }
  return {
    host: u.hostname,
    ...(u.port ? { port: Number(u.port) } : {}),
    secure: u.protocol === 'smtps:',
    ...(user || pass ? { auth: { user, pass } } : {}),
    options,
  };
}
