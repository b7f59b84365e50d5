/**
 * A held load (the sync kept the previous data because a tab, or the registry, would lose more
 * than half of its rows): the box that says so, and for the coordinator the button that
 * accepts it (POST …/accept-shrink; the server audits it and starts a sync when it can).
 */
import { h } from './dom.ts';
import { errorText, send, session } from './session.ts';

/** Whether the current session may accept a hold: a coordinator's own session, not the demo. */
export function canAccept(): boolean {
  const s = session();
  return s !== null && s.role === 'coordinator' && !s.read_only;
}

/**
 * The box: the sync's message and, for the coordinator, the button. `path` is the API path to
 * POST; `label` the button's text; `done` runs after a success (e.g. reload the page's data).
 */
export function holdBox(message: string, path: string, label: string, done?: () => void): HTMLElement {
  const box = h('div', { className: 'stale-box hold-box', attrs: { role: 'status' } }, h('p', { className: 'stale-box__title' }, '⚠ Загрузка задержана'), h('p', {}, message));
  if (!canAccept()) {
    box.append(h('p', {}, 'Подтвердить загрузку может муниципальный координатор.'));
    return box;
  }
  const result = h('p', { className: 'hold-box__result', attrs: { 'aria-live': 'polite' } });
  const button = h('button', { className: 'action-button', attrs: { type: 'button' } }, label);
  button.addEventListener('click', () => {
    button.disabled = true;
    void (async () => {
      try {
        const response = await send('POST', path);
        if (!response.ok) {
          result.textContent = await errorText(response);
          button.disabled = false;
          return;
        }
        const body = (await response.json()) as { message?: string };
        result.textContent = body.message ?? 'Принято.';
        done?.();
      } catch {
        result.textContent = 'Сервер недоступен. Проверьте подключение к сети и повторите.';
        button.disabled = false;
      }
    })();
  });
  box.append(button, result);
  return box;
}
