/**
 * Moments as the database and the API keep them — `YYYY-MM-DD HH:MM:SS`, UTC — shown on a
 * clock: the browser's where a page shows them, the server's (its `TZ`) where the server writes
 * them for people (workbooks, mails, messages). Pure: no Node and no DOM.
 */

/**
 * A moment of the API (`YYYY-MM-DD HH:MM[:SS]`, a UTC wall clock; `T` and a trailing `Z` or
 * fraction allowed; an offset of its own, «…+03:00», brought to UTC) as a Date; null when the
 * text is not one.
 */
export function momentDate(text: string): Date | null {
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?[+-]\d{2}:?\d{2}$/.test(text)) {
    const at = new Date(text);
    return Number.isNaN(at.getTime()) ? null : at;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(text);
  if (!m) return null;
  const at = new Date(0);
  at.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  at.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6] ?? 0), 0);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** The wall clock of `at` in this process's zone: year, month (1–12), day, hours, minutes, seconds. */
export function localClock(at: Date): [number, number, number, number, number, number] {
  return [at.getFullYear(), at.getMonth() + 1, at.getDate(), at.getHours(), at.getMinutes(), at.getSeconds()];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `at` on this process's clock as «дд.мм.гггг чч:мм» (with `:сс` when `seconds`). */
export function ruClock(at: Date, seconds = false): string {
  const [y, mo, d, h, mi, s] = localClock(at);
  return `${pad(d)}.${pad(mo)}.${y} ${pad(h)}:${pad(mi)}${seconds ? `:${pad(s)}` : ''}`;
}

/**
 * The zone of this process's clock at `at`, «UTC» or «UTC+8»: said wherever a time is written
 * for people (a page in the reader's zone, what the server writes in its own).
 */
export function zoneLabel(at: Date = new Date()): string {
  const offset = -at.getTimezoneOffset();
  if (offset === 0) return 'UTC';
  const abs = Math.abs(offset);
  const minutes = abs % 60;
  return `UTC${offset > 0 ? '+' : '−'}${Math.floor(abs / 60)}${minutes ? `:${String(minutes).padStart(2, '0')}` : ''}`;
}

/** A moment of the API on this process's clock, its zone said: «07.12.2026 21:21:05 (UTC+8)»; the text as it is when it is not a moment. */
export function ruMoment(text: string): string {
  const at = momentDate(text);
  return at ? `${ruClock(at, true)} (${zoneLabel(at)})` : text;
}

/** `at` as ISO 8601 on this process's clock with its offset: «2026-12-08T07:12:26.994+08:00» (a log line's stamp). */
export function localIso(at: Date): string {
  const [y, mo, d, h, mi, s] = localClock(at);
  const offset = -at.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const ms = String(at.getMilliseconds()).padStart(3, '0');
  return `${String(y).padStart(4, '0')}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}.${ms}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
