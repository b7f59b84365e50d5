/**
 * The configuration is read once and checked (server/config.ts): the settings issues #17 and
 * #18 added, their defaults, and the Russian message of each refusal.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

const refusal = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('has Google budgets that fit one service account, stale and retention periods, and a query time limit by default', () => {
    const c = loadConfig({});
    expect([c.GOOGLE_SHEETS_RPM, c.GOOGLE_SHEETS_WRITE_RPM, c.GOOGLE_DRIVE_RPM, c.GOOGLE_SELF_SIGNED_JWT]).toEqual([60, 60, 1200, '1']);
    expect([c.STALE_AFTER_HOURS, c.AUDIT_RETENTION_DAYS, c.METRIC_TIMEOUT_SECONDS]).toEqual([48, 365, 60]);
    expect(c.sourceKind).toBe('demo');
  });

  it('refuses GOOGLE_RPM, which is gone, naming the settings that replace it', () => {
    expect(refusal({ GOOGLE_RPM: '240' })).toContain(
      'GOOGLE_RPM: больше не используется — у чтений Google Sheets, записей и Google Drive теперь свои ограничения: GOOGLE_SHEETS_RPM (по умолчанию 60',
    );
  });

  it('names the key file it did not find, and where a relative path points (the program folder)', () => {
    // «файл ключа сервисного аккаунта не найден» said neither (an outside review).
    const lines = (env: Record<string, string>) => refusal(env).split('\n').filter((l) => l.includes('GOOGLE_APPLICATION_CREDENTIALS:'));
    expect(lines({ SHEETS_REGISTRY_ID: '1AbCdEfGhIjKlMnOpQrStUv', GOOGLE_APPLICATION_CREDENTIALS: '/nowhere/sa.json' })).toEqual([
      '  GOOGLE_APPLICATION_CREDENTIALS: файл ключа сервисного аккаунта /nowhere/sa.json не найден',
    ]);
    expect(lines({ SHEETS_REGISTRY_ID: '1AbCdEfGhIjKlMnOpQrStUv', GOOGLE_APPLICATION_CREDENTIALS: 'keys/sa.json' })).toEqual([
      `  GOOGLE_APPLICATION_CREDENTIALS: файл ключа сервисного аккаунта keys/sa.json (${process.cwd()}/keys/sa.json) не найден`,
    ]);
  });

  it('refuses a time zone the runtime does not know (it was taken for UTC without a word), and takes a real one', () => {
    expect(refusal({ TZ: 'Asia/Irkutks' })).toContain('TZ: неизвестный часовой пояс; ожидается название пояса, например Asia/Irkutsk (Саянск), Europe/Moscow или UTC');
    expect(refusal({ TZ: 'Mars/Olympus' })).toContain('TZ: неизвестный часовой пояс');
    for (const tz of ['Asia/Irkutsk', 'UTC', 'Europe/Moscow', ':/etc/localtime']) expect(loadConfig({ TZ: tz }).TZ).toBe(tz);
  });

  it('refuses TRUST_PROXY=true, and takes a hop count or loopback', () => {
    expect(refusal({ TRUST_PROXY: 'true' })).toContain('TRUST_PROXY: значение true доверяет заголовку X-Forwarded-For от кого угодно');
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe('1');
    expect(loadConfig({ TRUST_PROXY: 'loopback' }).TRUST_PROXY).toBe('loopback');
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.5, 192.168.1.0/24, 172.16.0.0/255.255.0.0, fd00::/64' }).TRUST_PROXY).toContain('10.0.0.5');
    // `true` in disguise (two halves of every address), and everything: refused, by name (0.0.0.0/0 crashed the start).
    expect(refusal({ TRUST_PROXY: '0.0.0.0/1, 128.0.0.0/1' })).toContain('TRUST_PROXY: «0.0.0.0/1» — не адрес прокси: ожидается адрес (127.0.0.1, 10.0.0.5), сеть не шире /8');
    expect(refusal({ TRUST_PROXY: '0.0.0.0/0' })).toContain('TRUST_PROXY: «0.0.0.0/0» — не адрес прокси');
    expect(refusal({ TRUST_PROXY: '::/0' })).toContain('TRUST_PROXY: «::/0» — не адрес прокси');
    expect(refusal({ TRUST_PROXY: '10.0.0.0/0.0.0.0' })).toContain('TRUST_PROXY: «10.0.0.0/0.0.0.0» — не адрес прокси');
    expect(refusal({ TRUST_PROXY: '10.0.0.300' })).toContain('TRUST_PROXY: «10.0.0.300» — не адрес прокси');
    // Not an address at all: both families' limits, and the names it takes.
    expect(refusal({ TRUST_PROXY: 'garbage' })).toContain('сеть не шире /8 для IPv4 или /16 для IPv6 (10.0.0.0/24), loopback, linklocal или uniquelocal');
  });

  it('refuses a demo date that is not in the calendar, and a Google API root that is not HTTP', () => {
    expect(refusal({ DEMO_DATE: '2025-02-30' })).toContain('DEMO_DATE: такой даты нет в календаре');
    expect(refusal({ DEMO_DATE: '2025-13-01' })).toContain('DEMO_DATE: такой даты нет в календаре');
    expect(loadConfig({ DEMO_DATE: '2024-02-29' }).DEMO_DATE).toBe('2024-02-29');
    expect(refusal({ GOOGLE_API_ROOT: 'ftp://x' })).toContain('GOOGLE_API_ROOT: ожидается адрес http:// или https://');
    expect(loadConfig({ GOOGLE_API_ROOT: 'http://127.0.0.1:8080/' }).GOOGLE_API_ROOT).toBe('http://127.0.0.1:8080/');
  });

  it('says one thing per wrong mail setting (a second, wrong line followed: «запишите кодами» for an http:// address)', () => {
    const wrongScheme = refusal({ SMTP_URL: 'http://x', MAIL_FROM: 'a@b.ru' });
    expect(wrongScheme).toContain('SMTP_URL: ожидается адрес вида smtp://');
    expect(wrongScheme).not.toContain('запишите кодами');
    const shortFrom = refusal({ MAIL_FROM: 'x' });
    expect(shortFrom.split('\n').filter((l) => l.includes('MAIL_FROM'))).toEqual(['  MAIL_FROM: «x» — не адрес электронной почты; пример: Мониторинг <monitor@edu.example.ru>']);
  });

  it('mail: SMTP_URL needs MAIL_FROM, an address; the password of SMTP_URL is never in a message', () => {
    expect(refusal({ SMTP_URL: 'smtp://monitor:Секрет-123@smtp.example.ru:587' })).toContain('MAIL_FROM: для отправки писем (SMTP_URL задан) нужен адрес отправителя');
    expect(refusal({ SMTP_URL: 'smtp://monitor:Секрет-123@smtp.example.ru:587' })).not.toContain('Секрет-123');
    expect(refusal({ SMTP_URL: 'http://smtp.example.ru', MAIL_FROM: 'monitor@edu.example.ru' })).toContain('SMTP_URL: ожидается адрес вида smtp://');
    expect(refusal({ SMTP_URL: 'smtp://smtp.example.ru', MAIL_FROM: 'мониторинг' })).toContain('MAIL_FROM: «мониторинг» — не адрес электронной почты');
    // A password with # written as it is: the address cannot be read (Node printed such a URL, password
    // and all, when nodemailer parsed it); the message says how to write it and repeats nothing of it.
    const hash = refusal({ SMTP_URL: 'smtp://mailuser:Pa#ss9secret@smtp.example.ru:587', MAIL_FROM: 'monitor@edu.example.ru' });
    expect(hash).toContain('SMTP_URL: адрес не разбирается: символы # / ? @ : % в имени пользователя или пароле запишите кодами (# — %23');
    expect(hash).not.toContain('ss9secret');
    expect(refusal({ SMTP_URL: 'smtp://mailuser:pa/ss@smtp.example.ru:587', MAIL_FROM: 'monitor@edu.example.ru' })).toContain('SMTP_URL: адрес не разбирается');
    expect(loadConfig({ SMTP_URL: 'smtp://mailuser:Pa%23ss9secret@smtp.example.ru:587', MAIL_FROM: 'monitor@edu.example.ru' }).SMTP_URL).toContain('%23');
    const c = loadConfig({ SMTP_URL: 'smtps://monitor:x@smtp.example.ru:465', MAIL_FROM: 'Мониторинг <monitor@edu.example.ru>' });
    expect(c.MAIL_FROM).toBe('Мониторинг <monitor@edu.example.ru>');
  });

  it('says what a number setting expects', () => {
    expect(refusal({ STALE_AFTER_HOURS: 'двое суток' })).toContain('STALE_AFTER_HOURS: ожидается целое число часов от 1 до 8760');
    expect(refusal({ GOOGLE_SHEETS_RPM: '0' })).toContain('GOOGLE_SHEETS_RPM: ожидается целое число от 1 до 100000');
    expect(refusal({ GOOGLE_SELF_SIGNED_JWT: 'yes' })).toContain('GOOGLE_SELF_SIGNED_JWT: допустимые значения: 0 и 1');
    expect(refusal({ DUCKDB_THREADS: '0' })).toContain('DUCKDB_THREADS: ожидается целое число от 1 до 256');
  });

  it('gives DuckDB one thread per query unless told otherwise', () => {
    expect(loadConfig({}).DUCKDB_THREADS).toBe(1);
    expect(loadConfig({ DUCKDB_THREADS: '4' }).DUCKDB_THREADS).toBe(4);
  });
});

describe('reminders to schools', () => {
  it('are on by default, with no reporting date and 14 days', () => {
    const c = loadConfig({});
    expect([c.REMINDERS, c.REMINDER_REPORT_DATES, c.REMINDER_UNCHANGED_DAYS]).toEqual(['on', undefined, 14]);
  });

  it('read reporting dates as day and month, and refuse what is not one', () => {
    // «20.12, 5.5; 20.12» → 12-20 and 05-05, the repeat dropped; 29.02 is a date (leap years).
    expect(loadConfig({ REMINDER_REPORT_DATES: '20.12, 5.5; 20.12 29.02' }).REMINDER_REPORT_DATES).toEqual(['12-20', '05-05', '02-29']);
    expect(refusal({ REMINDER_REPORT_DATES: '20.12, 31.04' })).toContain('REMINDER_REPORT_DATES: «31.04» — не день и месяц; ожидаются даты вида 20.12, 25.05 через запятую');
    expect(refusal({ REMINDERS: 'да' })).toContain('REMINDERS: допустимые значения: on, off');
    // The links in messages append their paths to PUBLIC_URL: read without its trailing slashes.
    expect(loadConfig({ PUBLIC_URL: 'https://monitor.example.ru/nastavnik//' }).PUBLIC_URL).toBe('https://monitor.example.ru/nastavnik');
  });
});
