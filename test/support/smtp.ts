/**
 * A real SMTP server for the mail tests (`smtp-server` on 127.0.0.1, port 0): every message it
 * accepts is parsed with `mailparser` into `inbox`; `refuse(n)` makes it answer the next n
 * messages with 451 (a temporary failure), as a busy mail server does.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface TestSmtp {
  url: string;
  inbox: ParsedMail[];
  refuse(n: number): void;
  close(): Promise<void>;
}

/** `auth`: the server takes only this user name and password (AUTH PLAIN/LOGIN, no TLS). */
export async function startSmtp(opts: { auth?: { user: string; pass: string } } = {}): Promise<TestSmtp> {
  const inbox: ParsedMail[] = [];
  let refusals = 0;
  const smtp = new SMTPServer({
    authOptional: opts.auth === undefined,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      const ok = opts.auth !== undefined && auth.username === opts.auth.user && auth.password === opts.auth.pass;
      callback(ok ? null : new Error('неверный логин или пароль'), ok ? { user: auth.username } : undefined);
    },
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refusals > 0) {
          refusals--;
          const e = new Error('Почтовый ящик временно недоступен') as Error & { responseCode: number };
          e.responseCode = 451;
          return callback(e);
        }
        void simpleParser(Buffer.concat(chunks)).then((m) => {
          inbox.push(m);
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  const port = (smtp.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    inbox,
    refuse: (n) => (refusals = n),
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

/** The addresses a parsed message went to. */
export function recipientsOf(m: ParsedMail): string[] {
  return (Array.isArray(m.to) ? m.to : [m.to]).flatMap((a) => a?.value.map((v) => v.address ?? '') ?? []);
}
