/**
 * Accounts, managed by the coordinator from the dashboard (page «Пользователи») while the
 * server runs — `npm run user` does the same from a terminal, but needs the server stopped
 * (the database file is locked by the running server).
 *
 *   GET    /api/users                      the accounts (never a hash)
 *   POST   /api/users                      { login, role, org?, full_name? } → a generated password, shown once
 *   POST   /api/users/:login/password      a new generated password, shown once; the account's sessions end
 *
 * A generated password is known to the coordinator too: the owner must change it at the first
 * login (`must_change_password`; until then the account reaches only «Сменить пароль»).
 *   DELETE /api/users/:login               (not the last coordinator)
 *
 * API tokens for scripts, made and revoked while the server runs (`npm run token` does the same
 * with the server stopped): the token is shown once, only its hash is kept.
 *   GET    /api/tokens                     every token (never the secret), revoked ones too
 *   POST   /api/tokens                     { name, role, org? } → the token, shown once
 *   POST   /api/tokens/:id/revoke          revokes it: its next request is refused
 *
 * Coordinator only, not the demo session; CSRF-checked like every POST; every change audited.
 */
import { Router } from 'express';
import { z } from 'zod';
import { auditor, requireWriter, type AuthDeps } from '../auth/http.ts';
import { generatePassword } from '../auth/secrets.ts';
import { AuthError } from '../auth/store.ts';
import { HttpError, badRequest } from '../http/errors.ts';

const newUser = z.object({
  login: z.string({ error: 'укажите логин' }).trim().min(1, 'укажите логин').max(60, 'логин длиннее 60 знаков'),
  role: z.enum(['coordinator', 'school', 'region'], { error: 'роль: coordinator, school или region' }),
  org: z.string().trim().max(60).nullish(),
  full_name: z.string().trim().max(200, 'ФИО длиннее 200 знаков').nullish(),
});

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** AuthError messages are the user's mistakes: a 400 (409 for a duplicate), in Russian. */
function asHttp(e: unknown): never {
  if (e instanceof AuthError) {
    if (/^нет учётной записи/.test(e.message)) throw new HttpError(404, 'not_found', e.message);
    throw new HttpError(/уже есть/.test(e.message) ? 409 : 400, 'bad_request', e.message);
  }
  throw e;
}

const newToken = z.object({
  name: z.string({ error: 'укажите название токена' }).trim().min(1, 'укажите название токена').max(100, 'название длиннее 100 знаков'),
  role: z.enum(['coordinator', 'school', 'region'], { error: 'роль: coordinator, school или region' }),
  org: z.string().trim().max(60).nullish(),
});

export function usersRouter(deps: { auth: AuthDeps }): Router {
  const r = Router();
  const audit = auditor(deps.auth);
  const store = () => {
    return deps.auth.store;
  };

  r.get('/users', async (_req, res) => {
    requireWriter(res, 'список учётных записей');
    res.set('Cache-Control', 'no-store').json({ users: await store().listUsers() });
  });

  r.post('/users', async (req, res) => {
    requireWriter(res, 'создание учётных записей');
    // A field the API does not take is said, not dropped: «name» for the full name was ignored
    // and the account made without it (an outside review).
    const unknown = isPlainObject(req.body) ? Object.keys(req.body).filter((k) => !(k in newUser.shape)) : [];
    if (unknown.length) {
      throw badRequest(`неизвестное поле ${unknown.map((k) => `«${k.slice(0, 40)}»`).join(', ')}; допустимые: ${Object.keys(newUser.shape).join(', ')} (ФИО — full_name)`);
    }
    const parsed = newUser.safeParse(req.body ?? {});
    if (!parsed.success) throw badRequest(parsed.error.issues[0]!.message);
    const { login, role, org, full_name } = parsed.data;
    const password = generatePassword();
    const user = await store()
      .addUser({ login, role, org: org ?? null, fullName: full_name ?? null, password, mustChangePassword: true })
      .catch(asHttp);
    await audit(req, res, 'user_add', user.login, `${role}${user.org ? ` ${user.org}` : ''}`);
    res.status(201).set('Cache-Control', 'no-store').json({ user, password });
  });

  r.post('/users/:login/password', async (req, res) => {
    requireWriter(res, 'смена паролей');
    const password = generatePassword();
    await store().setPassword(req.params.login, password, { mustChange: true }).catch(asHttp);
    await audit(req, res, 'user_passwd', req.params.login.toLowerCase());
    res.set('Cache-Control', 'no-store').json({ login: req.params.login.toLowerCase(), password });
  });

  r.delete('/users/:login', async (req, res) => {
    requireWriter(res, 'удаление учётных записей');
    await store().removeUser(req.params.login).catch(asHttp);
    await audit(req, res, 'user_remove', req.params.login.toLowerCase());
    res.json({ ok: true });
  });

  r.get('/tokens', async (_req, res) => {
    requireWriter(res, 'список API-токенов');
    res.set('Cache-Control', 'no-store').json({ tokens: await store().listTokens() });
  });

  r.post('/tokens', async (req, res) => {
    requireWriter(res, 'создание API-токенов');
    const parsed = newToken.safeParse(req.body ?? {});
    if (!parsed.success) throw badRequest(parsed.error.issues[0]!.message);
    const { name, role, org } = parsed.data;
    const made = await store().createToken({ name, role, org: org ?? null }).catch(asHttp);
    await audit(req, res, 'token_create', `${made.info.id} ${made.info.name}`, `${role}${made.info.org ? ` ${made.info.org}` : ''}`);
    res.status(201).set('Cache-Control', 'no-store').json({ token: made.info, secret: made.token });
  });

  r.post('/tokens/:id/revoke', async (req, res) => {
    requireWriter(res, 'отзыв API-токенов');
    const id = String(req.params.id);
    if (!/^\d{1,9}$/.test(id)) throw badRequest('номер токена — число');
    await store().revokeToken(id).catch(asHttp);
    await audit(req, res, 'token_revoke', id);
    res.set('Cache-Control', 'no-store').json({ revoked: Number(id) });
  });

  return r;
}
