/**
 * Who is logged in, the login form, the password change and the account box in the header.
 *
 * The server decides every access (roles, organization scope); this module only shapes the
 * page to it: a school account sees no organization filter (its data is one organization's), a
 * regional account no «Качество данных» (it lists teachers' names). Every POST carries the
 * session's CSRF token. An account whose password was given to it by somebody else is sent to
 * «Сменить пароль» until it sets its own (the server refuses everything else to it).
 */
import { HELP_PATH, LOGIN_PATH, PASSWORD_PATH, safeNextPath } from '../shared/routes.ts';

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
  /** The password was set by somebody else: only «Сменить пароль» is open until it is changed. */
  must_change_password?: boolean;
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

/** The password-change page with the way back to `here`. */
export function passwordHref(here = `${location.pathname}${location.search}`): string {
  return here === '/' || here.startsWith(PASSWORD_PATH) ? PASSWORD_PATH : `${PASSWORD_PATH}?next=${encodeURIComponent(here)}`;
}

/** A 403 `password_change_required` of the API: the password must be changed first. */
export function onPasswordChangeRequired(): void {
  if (location.pathname !== PASSWORD_PATH) location.assign(passwordHref());
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

/** Where to go after logging in: only a path of this site (no open redirect; `safeNextPath`). */
export function nextPath(search: string): string {
  return safeNextPath(new URLSearchParams(search).get('next'), location.origin);
}

/** A form's submit button and its error line (hidden until `fail` shows a message). */
function formParts(label: string): { submit: HTMLButtonElement; message: HTMLParagraphElement; fail: (text: string) => void } {
  const submit = document.createElement('button');
  submit.type = 'submit';
  submit.className = 'action-button';
  submit.textContent = label;
  const message = document.createElement('p');
  message.className = 'error-box';
  message.setAttribute('role', 'alert');
  message.hidden = true;
  const fail = (text: string) => {
    message.textContent = text;
    message.hidden = false;
  };
  return { submit, message, fail };
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
  const { submit, message, fail } = formParts('Войти');
  form.append(field('Логин', login), field('Пароль', password), message, submit);
  const done = () => location.assign(nextPath(location.search));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!login.value.trim() || !password.value) return fail('Введите логин и пароль.');
    submit.disabled = true;
    void (async () => {
      try {
        const response = await post('/api/session', { login: login.value.trim(), password: password.value });
        if (response.ok) {
          const body = (await response.json()) as Session;
          // A password given by somebody else: first the owner's own, then where the user was going.
          if (body.must_change_password) return location.assign(`${PASSWORD_PATH}${location.search}`);
          return done();
        }
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
  guide.href = HELP_PATH;
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

/**
 * «Сменить пароль», drawn into `host`: the current password, the new one twice. The server
 * checks the current one (a wrong one counts as a failed login) and the rules of the new one;
 * every other session of the account ends, this browser continues in a new session.
 */
export function showPasswordChange(host: HTMLElement): void {
  const s = current;
  const intro = document.createElement('p');
  intro.className = 'login-help';
  if (!s || s.via !== 'session' || s.demo) {
    intro.textContent = s?.demo
      ? 'В демонстрационном входе нет учётной записи: пароль менять не у кого.'
      : 'Пароль меняется у своей учётной записи после входа по логину и паролю.';
    host.replaceChildren(intro);
    return;
  }
  intro.textContent = s.must_change_password
    ? `Пароль учётной записи «${s.login}» выдан администратором или создан при первом запуске. Прежде чем продолжить, задайте свой пароль: не меньше 12 знаков, без логина; его будете знать только вы.`
    : `Новый пароль учётной записи «${s.login}»: не меньше 12 знаков, без логина. Другие открытые сеансы этой учётной записи завершатся.`;
  const form = document.createElement('form');
  form.className = 'login-form';
  form.noValidate = true;
  const input = (name: string, autocomplete: AutoFill) => {
    const el = document.createElement('input');
    el.type = 'password';
    el.name = name;
    el.autocomplete = autocomplete;
    el.required = true;
    return el;
  };
  const currentPassword = input('current', 'current-password');
  const password = input('password', 'new-password');
  const repeat = input('repeat', 'new-password');
  const { submit, message, fail } = formParts('Сменить пароль');
  const done = document.createElement('p');
  done.className = 'password-done';
  done.setAttribute('role', 'status');
  done.hidden = true;
  form.append(field('Текущий пароль', currentPassword), field('Новый пароль', password), field('Новый пароль ещё раз', repeat), message, submit);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    message.hidden = true;
    if (!currentPassword.value || !password.value) return fail('Введите текущий пароль и новый.');
    if (password.value !== repeat.value) return fail('Новый пароль и его повтор не совпадают.');
    if (password.value.length < 12) return fail('Новый пароль слишком короткий: нужно не меньше 12 знаков.');
    submit.disabled = true;
    void (async () => {
      try {
        const response = await post('/api/session/password', { current: currentPassword.value, password: password.value });
        if (!response.ok) {
          currentPassword.value = '';
          return fail(await errorText(response));
        }
        current = (await response.json()) as Session;
        form.hidden = true;
        intro.hidden = true;
        const next = nextPath(location.search);
        const link = document.createElement('a');
        link.href = next;
        link.textContent = 'Продолжить';
        done.replaceChildren('Пароль изменён. Другие сеансы этой учётной записи завершены. ', link);
        done.hidden = false;
        link.focus();
      } catch {
        fail('Сервер недоступен. Проверьте подключение к сети и повторите.');
      } finally {
        submit.disabled = false;
      }
    })();
  });
  host.replaceChildren(intro, form, done);
  currentPassword.focus();
}

/** The account box: who is logged in, in which role, «Справка», «Сменить пароль» and «Выйти». */
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
  const change = document.createElement('a');
  change.className = 'account__password';
  change.href = passwordHref();
  change.textContent = 'Сменить пароль';
  change.hidden = s.demo;
  // The way back is where the user is when clicking (the shell changes pages without reloading).
  change.addEventListener('click', () => {
    change.href = passwordHref();
  });
  // «Справка»: how to fill the spreadsheet, with the template (the page the schools' staff read).
  const help = document.createElement('a');
  help.className = 'account__help';
  help.href = HELP_PATH;
  help.textContent = 'Справка';
  help.title = 'Как заполнять таблицу наставничества: листы, столбцы, значения; шаблон для школ';
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
  box.replaceChildren(who, role, help, change, logout);
}
