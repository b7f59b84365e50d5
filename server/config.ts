/**
 * Configuration, read once from the environment and validated (zod); every setting is
 * documented here and in `.env.example`. Nothing else in the code reads process.env.
 */
import './contract/zodRu.ts';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { Cron } from 'croner';
import { passwordProblem } from './auth/secrets.ts';
import { isEmail } from './contract/values.ts';
import { isoDate } from './metrics/params.ts';
import { smtpUrlParts } from './mail/smtpUrl.ts';
import { z } from 'zod';

/** A whole number in [min, max] read from the environment, with one Russian message for every way it can be wrong. */
function wholeNumber(min: number, max: number, unit?: string) {
  const error = `ожидается целое число${unit ? ` ${unit}` : ''} от ${min} до ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

const schema = z
  .object({
    /** DuckDB file. */
    MONITOR_DB: z.string().default('data/monitor.duckdb'),
    /** DuckDB's memory bound (its own syntax: 256MB, 1GB); past it operators spill to disk. */
    DUCKDB_MEMORY_LIMIT: z
      .string()
      .regex(/^\s*\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)\s*$/i, { error: 'ожидается объём памяти, например 256MB или 1GB' })
      .default('256MB'),
    /** DuckDB's threads inside one query (requests run side by side anyway): db.ts DEFAULT_THREADS. */
    DUCKDB_THREADS: wholeNumber(1, 256).default(1),
    /** HTTP port; 0 = any free port. */
    PORT: z.coerce.number({ error: 'ожидается номер порта (число от 0 до 65535)' }).int({ error: 'ожидается целое число' }).min(0, { error: 'ожидается число от 0 до 65535' }).max(65535, { error: 'ожидается число от 0 до 65535' }).default(3000),
    /**
     * The server's time zone (Node reads it from the environment): an IANA name such as
     * Asia/Irkutsk. A name the runtime does not know was taken for UTC without a word — every «today»
     * eight hours off in Sayansk (an acceptance run).
     */
    TZ: z
      .string()
      .refine((tz) => tz.startsWith(':') || knownZone(tz), { error: 'неизвестный часовой пояс; ожидается название пояса, например Asia/Irkutsk (Саянск), Europe/Moscow или UTC' })
      .optional(),
    /** Address to listen on: 127.0.0.1 by default, 0.0.0.0 to serve the school network. */
    HOST: z.string().min(1).default('127.0.0.1'),
    /** The registry spreadsheet (ID or URL): enables the Google source. */
    SHEETS_REGISTRY_ID: z.string().optional(),
    /** Service-account key file (JSON). */
    GOOGLE_APPLICATION_CREDENTIALS: z.string().optional(),
    /** API key, for sheets shared by link. */
    GOOGLE_API_KEY: z.string().optional(),
    /** Another root URL for the Google APIs (tests, proxies). */
    GOOGLE_API_ROOT: z.url({ protocol: /^https?$/, error: 'ожидается адрес http:// или https:// вида http://127.0.0.1:8080/' }).optional(),
    /**
     * Sheets reads a minute: Google's quota is 60 a minute per user (a service account is one
     * user) and 300 per project; raise it only together with the project's quota.
     */
    GOOGLE_SHEETS_RPM: wholeNumber(1, 100000).default(60),
    /** Sheets writes a minute (write-back, provisioning): also 60 a minute per user. */
    GOOGLE_SHEETS_WRITE_RPM: wholeNumber(1, 100000).default(60),
    /** Drive calls a minute (change detection, sharing): a quota of its own, far larger. */
    GOOGLE_DRIVE_RPM: wholeNumber(1, 100000).default(1200),
    /** 1: a service account signs its scoped JWTs itself (no token request); 0: exchanges them at the key's token endpoint (token_uri). */
    GOOGLE_SELF_SIGNED_JWT: z.enum(['0', '1'], { error: 'допустимые значения: 0 и 1' }).default('1'),
    /** Parallel requests to Google. */
    GOOGLE_CONCURRENCY: wholeNumber(1, 64).default(4),
    /**
     * Write-back: after each sync, replace the tab «Проверка данных» of every organization's
     * spreadsheet with its current errors and warnings (needs a service account with write access).
     */
    SHEETS_WRITEBACK: z.enum(['0', '1'], { error: 'допустимые значения: 0 (выключено) и 1 (включено)' }).default('0'),
    /** Sync schedule (cron, croner syntax) inside `npm start`; empty = no schedule. */
    SYNC_CRON: z.string().optional(),
    /** The folder source: a directory with registry.csv|xlsx and the organizations' files. */
    SOURCE_DIR: z.string().optional(),
    /** The first coordinator account, created at the first start when there is no account. */
    ADMIN_LOGIN: z.string().trim().regex(/^[\p{L}\p{N}._@-]{2,60}$/u, { error: 'от 2 до 60 букв, цифр или знаков . _ @ -' }).default('admin'),
    /** Its password; without it a random one is generated and printed once. */
    ADMIN_PASSWORD: z.string().optional(),
    /**
     * The read-only demo login on the login page: only ever with the demo data (it sees every
     * organization); `off` hides it there too.
     */
    DEMO_LOGIN: z.enum(['auto', 'off'], { error: 'допустимые значения: auto, off' }).default('auto'),
    /**
     * Express `trust proxy` behind a reverse proxy: loopback, the proxy's address(es) or the
     * number of proxy hops. `true` (trust every X-Forwarded-For) is refused: anyone could then
     * pick the address the login limits and the audit log see.
     */
    TRUST_PROXY: z
      .string()
      .regex(/^[0-9A-Za-z.:/, ]+$/, {
        error: 'ожидается loopback, адрес прокси или число звеньев прокси (например, 1)',
      })
      .optional(),
    /** An organization not read successfully for longer than this is flagged stale (hours). */
    STALE_AFTER_HOURS: wholeNumber(1, 8760, 'часов').default(48),
    /** Row history (issue #20): versions that ended more than this many days ago keep one per month; unset = forever. */
    HISTORY_KEEP_DAYS: wholeNumber(1, 36500, 'дней').optional(),
    /** The audit log keeps entries this many days. */
    AUDIT_RETENTION_DAYS: wholeNumber(1, 36500, 'дней').default(365),
    /** The longest a metric request may compute before it is interrupted (503), seconds. */
    METRIC_TIMEOUT_SECONDS: wholeNumber(1, 600, 'секунд').default(60),
    /** Mail (issue #21): the SMTP server, `smtp://user:password@host:587` or `smtps://…:465`; unset = mail off. */
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/[^\s]+$/, 'ожидается адрес вида smtp://пользователь:пароль@сервер:587 или smtps://…:465')
      // The value is never repeated in the message: it holds the password.
      .refine((s) => !/^smtps?:\/\/[^\s]+$/.test(s) || smtpUrlParts(s) !== null, {
        error:
          'адрес не разбирается: символы # / ? @ : % в имени пользователя или пароле запишите кодами (# — %23, / — %2F, ? — %3F, @ — %40, : — %3A, % — %25), например smtp://user:pa%23ss@smtp.example.ru:587',
      })
      .optional(),
    /** The sender of every message, e.g. `Мониторинг наставничества <monitor@edu.example.ru>`. */
    MAIL_FROM: z.string().max(200).optional(),
    /** The coordinator's alerts (issue #21): addresses, comma-separated; unset = no alerts. */
    ALERT_EMAILS: z
      .string()
      .transform((s) => s.split(/[,;\s]+/).filter(Boolean))
      .refine((a) => a.every(isEmail), { error: 'ожидаются адреса электронной почты через запятую' })
      .optional(),
    /** Reminders to schools (issue #21) at the registry's «E-mail ответственного»: on unless `off` (they also need mail and PUBLIC_URL). */
    REMINDERS: z.enum(['on', 'off'], { error: 'допустимые значения: on, off' }).default('on'),
    /**
     * Reporting dates, day and month, every year (e.g. `20.12, 25.05`): a school whose sheet has not
     * changed for REMINDER_UNCHANGED_DAYS when one is that near is reminded once; unset = no such reminders.
     */
    REMINDER_REPORT_DATES: z
      .string()
      .transform((s, ctx) => {
        const out: string[] = [];
        for (const part of s.split(/[,;\s]+/).filter(Boolean)) {
          const m = /^(\d{1,2})\.(\d{1,2})\.?$/.exec(part);
          const day = Number(m?.[1]);
          const month = Number(m?.[2]);
          const last = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
          if (!m || last === undefined || day < 1 || day > last) {
            ctx.addIssue({ code: 'custom', message: `«${part}» — не день и месяц; ожидаются даты вида 20.12, 25.05 через запятую` });
            return z.NEVER;
          }
          out.push(`${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
        }
        return [...new Set(out)];
      })
      .optional(),
    /** How long a sheet unchanged before a reporting date earns a reminder, and how near the date must be (days). */
    REMINDER_UNCHANGED_DAYS: wholeNumber(1, 365, 'дней').default(14),
    /** The dashboard's address as recipients reach it (links in messages), e.g. `https://monitor.edu.example.ru`. */
    PUBLIC_URL: z
      .url({ error: 'ожидается адрес вида https://monitor.example.ru' })
      // Without a trailing slash, once: every link in a message appends its path to it.
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
    /** The demo municipality's reference date (YYYY-MM-DD); default: today. */
    // A day as the API's parameters take one (form, year, the calendar): 2025-02-30 was a stack trace.
    DEMO_DATE: isoDate.optional(),
  });

export type Config = z.infer<typeof schema> & { sourceKind: 'google' | 'folder' | 'demo' };

export class ConfigError extends Error {}

/** Cross-field rules, checked separately so they are reported even when a field is malformed. */
function crossChecks(c: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  if (c.SOURCE_DIR && !existsSync(c.SOURCE_DIR)) {
    // The folder looked in: a relative path is the program folder's (npm runs commands there).
    const abs = resolve(c.SOURCE_DIR);
    out.push(`  SOURCE_DIR: папка ${c.SOURCE_DIR}${abs !== c.SOURCE_DIR ? ` (${abs})` : ''} не существует`);
  }
  if (c.GOOGLE_APPLICATION_CREDENTIALS && !existsSync(c.GOOGLE_APPLICATION_CREDENTIALS)) {
    // The file looked for, as for SOURCE_DIR: a relative path is the program folder's.
    const file = c.GOOGLE_APPLICATION_CREDENTIALS;
    const abs = resolve(file);
    out.push(`  GOOGLE_APPLICATION_CREDENTIALS: файл ключа сервисного аккаунта ${file}${abs !== file ? ` (${abs})` : ''} не найден`);
  }
  if (c.SHEETS_REGISTRY_ID && !c.GOOGLE_APPLICATION_CREDENTIALS && !c.GOOGLE_API_KEY) {
    out.push('  SHEETS_REGISTRY_ID: для Google Таблиц нужен GOOGLE_APPLICATION_CREDENTIALS (ключ сервисного аккаунта) или GOOGLE_API_KEY');
  }
  if (c.SHEETS_WRITEBACK === '1' && !(c.SHEETS_REGISTRY_ID && c.GOOGLE_APPLICATION_CREDENTIALS)) {
    out.push('  SHEETS_WRITEBACK: запись в таблицы возможна только для Google Таблиц с ключом сервисного аккаунта (SHEETS_REGISTRY_ID и GOOGLE_APPLICATION_CREDENTIALS)');
  }
  if (c.ADMIN_PASSWORD) {
    const problem = passwordProblem(c.ADMIN_PASSWORD, c.ADMIN_LOGIN ?? 'admin');
    if (problem) out.push(`  ADMIN_PASSWORD: ${problem}`);
  }
  if (c.GOOGLE_RPM !== undefined) {
    out.push(
      '  GOOGLE_RPM: больше не используется — у чтений Google Sheets, записей и Google Drive теперь свои ограничения: GOOGLE_SHEETS_RPM (по умолчанию 60 — квота одного сервисного аккаунта), GOOGLE_SHEETS_WRITE_RPM (60), GOOGLE_DRIVE_RPM (1200); удалите GOOGLE_RPM',
    );
  }
  if (c.TRUST_PROXY?.trim() === 'true') {
    out.push(
      '  TRUST_PROXY: значение true доверяет заголовку X-Forwarded-For от кого угодно — адрес клиента в ограничении попыток входа и в журнале можно подделать; укажите, сколько прокси стоит перед сервером (например, 1), или их адреса (loopback — прокси на этой же машине)',
    );
  } else if (c.TRUST_PROXY !== undefined) {
    const problem = trustProxyProblem(c.TRUST_PROXY);
    if (problem) out.push(`  TRUST_PROXY: ${problem}`);
  }
  if (c.SMTP_URL && !c.MAIL_FROM) out.push('  MAIL_FROM: для отправки писем (SMTP_URL задан) нужен адрес отправителя, например Мониторинг <monitor@edu.example.ru>');
  if (c.MAIL_FROM && !/@[^@\s>]+\.[^@\s>]+>?\s*$/.test(c.MAIL_FROM)) out.push(`  MAIL_FROM: «${c.MAIL_FROM}» — не адрес электронной почты; пример: Мониторинг <monitor@edu.example.ru>`);
  if (c.SYNC_CRON) {
    try {
      new Cron(c.SYNC_CRON, { paused: true }).stop();
    } catch {
      out.push(`  SYNC_CRON: «${c.SYNC_CRON}» — не расписание cron; пример: 0 * * * * (каждый час)`);
    }
  }
  return out;
}

/** Whether the runtime knows the zone (an IANA name or alias: Asia/Irkutsk, UTC, EST5EDT). */
function knownZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "not set" (a blank line in .env).
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const res = schema.safeParse(clean);
  const lines = [
    ...(res.success ? [] : res.error.issues.map((i) => `  ${String(i.path[0] ?? '')}: ${i.message}`)),
    ...crossChecks(clean),
  ];
  if (!res.success || lines.length) {
    throw new ConfigError(`Ошибка в настройках (переменные окружения, см. .env.example):\n${lines.join('\n')}`);
  }
  const c = res.data;
  const sourceKind = c.SHEETS_REGISTRY_ID ? 'google' : c.SOURCE_DIR ? 'folder' : 'demo';
  return { ...c, sourceKind };
}

/**
 * What is wrong with a TRUST_PROXY list of addresses, or null. Every item must be a name Express
 * knows (loopback, linklocal, uniquelocal) or an address, with a network prefix of at least /8
 * (IPv4) or /16 (IPv6): `0.0.0.0/1, 128.0.0.0/1` is `true` in disguise — anyone's
 * X-Forwarded-For believed, the login limit per address bypassed (a security review) — and
 * `0.0.0.0/0` stopped the server at start with a stack trace.
 */
export function trustProxyProblem(value: string): string | null {
  const v = value.trim();
  if (v === 'false' || /^\d+$/.test(v)) return null;
  for (const raw of v.split(',')) {
    const item = raw.trim();
    if (item === 'loopback' || item === 'linklocal' || item === 'uniquelocal') continue;
    const [address = '', prefix, ...rest] = item.split('/');
    const family = isIP(address);
    const widest = family === 4 ? 8 : 16;
    const bits = family === 4 ? 32 : 128;
    let ok = family !== 0 && rest.length === 0;
    if (ok && prefix !== undefined) {
      if (/^\d+$/.test(prefix)) ok = Number(prefix) >= widest && Number(prefix) <= bits;
      // A netmask (255.255.255.0) for IPv4: as wide as its number of leading ones.
      else ok = family === 4 && isIP(prefix) === 4 && (maskBits(prefix) ?? -1) >= widest;
    }
    if (!ok) {
      const width = family === 0 ? '/8 для IPv4 или /16 для IPv6' : `/${widest}`;
      return `«${item}» — не адрес прокси: ожидается адрес (127.0.0.1, 10.0.0.5), сеть не шире ${width} (10.0.0.0/24), loopback, linklocal или uniquelocal; сеть шире доверяла бы X-Forwarded-For почти от кого угодно`;
    }
  }
  return null;
}

/** The number of leading ones of an IPv4 netmask, or null when it is no netmask. */
function maskBits(mask: string): number | null {
  const n = mask.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const bits = n.toString(2).padStart(32, '0');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : null;
}

/** TRUST_PROXY as Express wants it: true/false, a hop count, or the text (addresses, names). */
export function trustProxySetting(c: Config): string | number | boolean | undefined {
  const v = c.TRUST_PROXY?.trim();
  if (v === undefined) return undefined;
  if (v === 'true' || v === 'false') return v === 'true';
  return /^\d+$/.test(v) ? Number(v) : v;
}

/** Whether the login page offers the read-only demo login. */
export function demoLoginEnabled(c: Config): boolean {
  return c.DEMO_LOGIN === 'auto' && c.sourceKind === 'demo';
}
