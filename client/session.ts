/**
 * Who is logged in, the login form and the account box in the header.
 *
 * The server decides every access (roles, organization scope); this module only shapes the
 * page to it: a school account sees no organization filter (its data is one organization's), a
 * regional account no «Качество данных» (it lists teachers' names). Every POST carries the
 * session's CSRF token.
 */
import { LOGIN_PATH } from './routes.ts';

export type Role = 'coordinator' | 'school' | 'region';

export interface Session {
  login: string;
  role: Role;
  role_title: string;
  org: string | null;
  org_name: string | null;
  read_only: boolean;
  demo: boolean;
  /** `token`: an API token (or access without accounts) — nothing to log out of. */
  via: 'session' | 'token';
  csrf: string | null;
}

let current: Session | null = null;

export function session(): Session | null {
  return current;
}

/** The login page with the way back to `here`. */
export function loginHref(here = `${location.pathname}${location.search}`): string {
  return here === '/' ? LOGIN_PATH : `${LOGIN_PATH}?next=${encodeURIComponent(here)}`;
}

/** Any 401 of the API: the session ended (idle, logout elsewhere, password changed). */
export function onUnauthenticated(): void {
  if (location.pathname !== LOGIN_PATH) location.assign(loginHref());
}

/** `GET /api/session`; null when nobody is logged in. */
export async function loadSession(): Promise<Session | null> {
  const response = await fetch('/api/session', { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`Не удалось узнать, кто вошёл в систему (код ${response.status}).`);
  current = (await response.json()) as Session;
  return current;
}

/** A state-changing request: JSON body, the session's CSRF token. */
export async function send(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (current?.csrf) headers['X-CSRF-Token'] = current.csrf;
  const response = await fetch(path, { method, headers, body: JSON.stringify(body ?? {}) });
  if (response.status === 401 && path !== '/api/session') onUnauthenticated();
  return response;
}

const post = (path: string, body: unknown) => send('POST', path, body);

/** The Russian message of an error answer. */
export async function errorText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    if (body.error?.message) return body.error.message;
  } catch {
    // not JSON: the status says enough
  }
  return `Сервер отклонил запрос (код ${response.status}).`;
}

/** Where to go after logging in: only a path of this site (no open redirect). */
export function nextPath(search: string): string {
  const next = new URLSearchParams(search).get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

function field(labelText: string, input: HTMLInputElement): HTMLLabelElement {
  const label = document.createElement('label');
  label.className = 'field field--stacked';
  const span = document.createElement('span');
  span.className = 'field__label';
  span.textContent = labelText;
  label.append(span, input);
  return label;
}

/** The login form, drawn into `host`; resolves never (a success leaves the page). */
export async function showLogin(host: HTMLElement): Promise<void> {
  const options = (await (await fetch('/api/session/options', { headers: { Accept: 'application/json' } })).json()) as {
    demo_login?: boolean;
  };
  const form = document.createElement('form');
  form.className = 'login-form';
  form.noValidate = true;
  const login = document.createElement('input');
  login.name = 'login';
  login.autocomplete = 'username';
  login.required = true;
  login.autocapitalize = 'none';
  login.spellcheck = false;
  const password = document.createElement('input');
  password.type = 'password';
  password.name = 'password';
  password.autocomplete = 'current-password';
  password.required = true;
  const submit = document.createElement('button');
  submit.type = 'submit';
  submit.className = 'action-button';
  submit.textContent = 'Войти';
  const message = document.createElement('p');
  message.className = 'error-box';
  message.setAttribute('role', 'alert');
  message.hidden = true;
  form.append(field('Логин', login), field('Пароль', password), message, submit);

  const fail = (text: string) => {
    message.textContent = text;
    message.hidden = false;
  };
  const done = () => location.assign(nextPath(location.search));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!login.value.trim() || !password.value) return fail('Введите логин и пароль.');
    submit.disabled = true;
    void (async () => {
      try {
        const response = await post('/api/session', { login: login.value.trim(), password: password.value });
        if (response.ok) return done();
        password.value = '';
        fail(await errorText(response));
      } catch {
        fail('Сервер недоступен. Проверьте подключение к сети и повторите.');
      } finally {
        submit.disabled = false;
      }
    })();
  });

  const help = document.createElement('p');
  help.className = 'login-help';
  help.textContent = 'Учётные записи выдаёт муниципальный координатор. Забыли пароль — обратитесь к нему. ';
  const guide = document.createElement('a');
  guide.href = '/help';
  guide.textContent = 'Как заполнять таблицу наставничества (справка и шаблон для школ)';
  help.append(guide);
  host.replaceChildren(form, help);

  if (options.demo_login) {
    const demo = document.createElement('div');
    demo.className = 'login-demo';
    const text = document.createElement('p');
    text.textContent = 'Сервер показывает демонстрационные данные (вымышленный муниципалитет). Их можно посмотреть без учётной записи:';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'action-button action-button--secondary';
    button.textContent = 'Демонстрационный вход (только просмотр)';
    button.addEventListener('click', () => {
      void (async () => {
        const response = await post('/api/session/demo', {});
        if (response.ok) done();
        else fail(await errorText(response));
      })();
    });
    demo.append(text, button);
    host.append(demo);
  }
  login.focus();
}

/** The account box: who is logged in, in which role, and «Выйти». */
export function renderAccount(box: HTMLElement, banner: HTMLElement): void {
  const s = current;
  box.hidden = !s || s.via !== 'session';
  banner.hidden = !s?.demo;
  if (!s || s.via !== 'session') return;
  banner.textContent = 'Демонстрационный режим: вымышленные данные, только просмотр.';
  const who = document.createElement('span');
  who.className = 'account__who';
  who.textContent = s.demo ? 'Демонстрационный вход' : s.login;
  const role = document.createElement('span');
  role.className = 'account__role';
  role.textContent = s.role === 'school' && s.org ? `${s.org_name ?? s.org}` : s.role_title;
  const logout = document.createElement('button');
  logout.type = 'button';
  logout.className = 'account__logout';
  logout.textContent = 'Выйти';
  logout.addEventListener('click', () => {
    void (async () => {
      await post('/api/session/logout', {});
      location.assign(LOGIN_PATH);
    })();
  });
  box.replaceChildren(who, role, logout);
}
