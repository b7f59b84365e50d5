/**
 * «Перечитать таблицу сейчас» on an organization's page (issue #20): when its sheet was last
 * read, and a re-read of it — a school account its own sheet, at most once in 10 minutes (the
 * server keeps the limit and says when the next one is possible); a coordinator any
 * organization. `POST /api/sync/org` answers with the outcome once the sheet is read.
 */
import { fetchJson } from './api.ts';
import { h } from './dom.ts';
import { formatDateTime, formatInteger } from './format.ts';
import { errorText, send, session } from './session.ts';

interface ReadState {
  org: string;
  last_success: string | null;
  last_attempt: string | null;
  last_status: string | null;
  configured: boolean;
  running: boolean;
  /** Seconds until a school may ask again (0: now). */
  wait_s: number;
}

interface Outcome {
  status: string;
  message: string | null;
  rowsLoaded: number;
  rowsQuarantined: number;
}

/** Whether the session may ask for a re-read of `code`: its own school account, or a coordinator's (not the demo). */
export function canReread(code: string): boolean {
  const s = session();
  if (!s || s.read_only) return false;
  return s.role === 'coordinator' || (s.role === 'school' && s.org === code);
}

/** «в 14:35 (через 7 мин)» for a wait of `seconds` from now. */
function whenText(seconds: number, now = new Date()): string {
  const at = new Date(now.getTime() + seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `в ${pad(at.getHours())}:${pad(at.getMinutes())} (через ${Math.max(1, Math.ceil(seconds / 60))} мин)`;
}

/** Asks the page to read its data again (main.ts listens): the event's name. */
export const DATA_CHANGED_EVENT = 'monitor:data-changed';

/** The outcome of the last re-read per organization, shown again in the box the page draws anew after it (for a minute). */
const lastOutcome = new Map<string, { text: string; at: number }>();
const OUTCOME_KEPT_MS = 60_000;

export function rereadBox(code: string, signal: AbortSignal): HTMLElement {
  const school = session()?.role === 'school';
  const query = school ? '' : `?org=${encodeURIComponent(code)}`;
  const last = h('p', { className: 'reread__last' });
  const button = h('button', { className: 'action-button action-button--secondary', id: 'reread', attrs: { type: 'button' } }, 'Перечитать таблицу сейчас');
  const result = h('p', { className: 'reread__result', id: 'reread-result', attrs: { role: 'status', 'aria-live': 'polite' } });
  const box = h('div', { className: 'reread', id: 'reread-box' }, last, h('div', { className: 'reread__actions' }, button, result));

  // The page was drawn again after a re-read of this organization: its outcome stays in view.
  const kept = lastOutcome.get(code);
  if (kept && Date.now() - kept.at < OUTCOME_KEPT_MS) result.textContent = kept.text;

  const draw = (s: ReadState) => {
    last.textContent = s.last_success
      ? `Таблица последний раз прочитана ${formatDateTime(s.last_success)}${s.last_attempt && s.last_attempt !== s.last_success ? `; последняя попытка — ${formatDateTime(s.last_attempt)}` : ''}.`
      : 'Таблица ещё ни разу не была прочитана успешно.';
    button.hidden = !s.configured;
    button.disabled = s.wait_s > 0 || s.running;
    box.dataset.wait = String(s.wait_s);
    if (!s.configured) result.textContent = 'Синхронизация на сервере не настроена.';
    else if (s.wait_s > 0 && !result.textContent) result.textContent = `Перечитать таблицу снова можно будет ${whenText(s.wait_s)}.`;
  };

  void (async () => {
    try {
      draw((await fetchJson(`/api/sync/org${query}`, signal)) as ReadState);
    } catch {
      box.hidden = true;
    }
  })();

  button.addEventListener('click', () => {
    button.disabled = true;
    result.textContent = 'Читаю таблицу…';
    void (async () => {
      try {
        const response = await send('POST', '/api/sync/org', school ? {} : { org: code });
        if (!response.ok) {
          result.textContent = await errorText(response);
          const wait = Number(response.headers.get('Retry-After') ?? 0);
          button.disabled = wait > 0;
          return;
        }
        const body = (await response.json()) as { status?: string; outcome?: Outcome | null; message?: string | null; state: ReadState; started?: boolean };
        draw(body.state);
        const o = body.outcome;
        // The sheet read (loaded, or unchanged): the outcome, and the page drawn again.
        const read = !body.started && o && (o.status === 'ok' || o.status === 'unchanged') ? o : null;
        const said = body.started
          ? 'Таблица читается; результат появится на этой странице после обновления.'
          : read
            ? `Таблица прочитана: загружено строк ${formatInteger(read.rowsLoaded)}, в карантине ${formatInteger(read.rowsQuarantined)}${read.message ? `; ${read.message}` : ''}. Данные на странице обновлены.`
            : `Таблицу прочитать не удалось: ${o?.message ?? body.message ?? 'причина не указана'}.`;
        result.textContent = body.state.wait_s > 0 ? `${said} Перечитать снова можно будет ${whenText(body.state.wait_s)}.` : said;
        // The page's figures and findings were the old ones under the new outcome until reloaded
        // (an outside review): drawn again now, the outcome kept in the new box.
        if (read) {
          lastOutcome.set(code, { text: result.textContent, at: Date.now() });
          window.dispatchEvent(new CustomEvent(DATA_CHANGED_EVENT));
        }
      } catch {
        result.textContent = 'Сервер недоступен. Проверьте подключение к сети и повторите.';
        button.disabled = false;
      }
    })();
  });
  return box;
}
