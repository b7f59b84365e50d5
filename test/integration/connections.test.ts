/**
 * Connection limits (server/http/connections.ts), on a real Express server on port 0: past the
 * limit per address a new connection is closed at once and the server still answers once some
 * close; a client that never finishes its request's headers is cut off. Small limits here, the
 * same code as the server's (256 per address, 800 in all, 20 s for the headers).
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitedServer } from '../../server/http/connections.ts';

let server: Server;
let port: number;
beforeAll(async () => {
  const app = express();
  app.get('/ok', (_req, res) => void res.json({ ok: true }));
  server = limitedServer(app, { max: 50, perAddress: 5, headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

/** A connection that sends half a request and waits (slowloris). */
async function slow(): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  s.write('GET /ok HTTP/1.1\r\nHost: x\r\n');
  // Reads what the server sends (its 408), so that its close is seen.
  s.resume();
  return s;
}

const closed = (s: Socket) => (s.destroyed || s.readableEnded ? Promise.resolve() : once(s, 'close').then(() => undefined));

describe('connection limits', () => {
  it('close a sixth connection from one address at once, and answer again once one closes', async () => {
    const five = await Promise.all(Array.from({ length: 5 }, slow));
    const sixth = connect(port, '127.0.0.1');
    await closed(sixth);
    expect(sixth.destroyed).toBe(true);
    five[0]!.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(`http://127.0.0.1:${port}/ok`, { headers: { Connection: 'close' } });
    expect(await res.json()).toEqual({ ok: true });
    for (const s of five) s.destroy();
  });

  it('at the limit in all, close the longest idle connection for a new one; refuse the new one only when every connection serves a request', async () => {
    // A server of its own: 4 connections in all, none per address (as behind a proxy), a route that never answers.
    const app = express();
    app.get('/ok', (_req, res) => void res.json({ ok: true }));
    app.get('/hang', () => undefined);
    const small = limitedServer(app, { max: 4, perAddress: null, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 });
    small.listen(0, '127.0.0.1');
    await once(small, 'listening');
    const at = (small.address() as AddressInfo).port;
    const trickle = async () => {
      const s = connect(at, '127.0.0.1');
      await once(s, 'connect');
      s.write('GET /ok HTTP/1.1\r\nHost: x\r\n');
      s.resume();
      return s;
    };
    try {
      // Four slow clients hold every place: a fifth client still gets its answer, and the oldest slow one is closed.
      const four = [];
      for (let i = 0; i < 4; i++) four.push(await trickle());
      const res = await fetch(`http://127.0.0.1:${at}/ok`, { headers: { Connection: 'close' } });
      expect(await res.json()).toEqual({ ok: true });
      await closed(four[0]!);
      expect(four.slice(1).map((s) => s.destroyed)).toEqual([false, false, false]);
      for (const s of four) s.destroy();
      // Four requests being served: none may be closed, so the fifth connection is.
      const busy = [];
      for (let i = 0; i < 4; i++) {
        const s = connect(at, '127.0.0.1');
        await once(s, 'connect');
        s.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n');
        busy.push(s);
      }
      await new Promise((r) => setTimeout(r, 100));
      const fifth = connect(at, '127.0.0.1');
      await closed(fifth);
      expect(busy.map((s) => s.destroyed)).toEqual([false, false, false, false]);
      for (const s of busy) s.destroy();
    } finally {
      small.closeAllConnections();
      await new Promise<void>((done) => small.close(() => done()));
    }
  });

  it('cut off a client whose request headers never end', async () => {
    const s = await slow();
    const t0 = Date.now();
    await closed(s);
    // headersTimeout 500 ms here (20 s on the server); checked every 2 s (Node's default: every 30 s).
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('free the place of a connection it has answered 408, though the client never closes its side', async () => {
    // Five clients fill the address's places, get their 408 and keep their sockets open (half
    // open): the places stayed taken until they closed — every other user of that address was
    // reset for minutes (an acceptance run).
    const five = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
        await once(s, 'connect');
        s.write('GET /ok HTTP/1.1\r\nHost: x\r\n');
        let text = '';
        s.on('data', (d) => (text += d.toString('utf8')));
        await once(s, 'end');
        expect(text).toMatch(/^HTTP\/1\.1 408 /);
        return s;
      }),
    );
    expect(five.map((s) => s.writable)).toEqual([true, true, true, true, true]); // the clients' sides still open
    await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(`http://127.0.0.1:${port}/ok`, { headers: { Connection: 'close' } });
    expect(await res.json()).toEqual({ ok: true });
    for (const s of five) s.destroy();
  });

  it('answer what Node refuses before the application in JSON, in Russian: an address over 16 KB, a request that is not HTTP', async () => {
    // 800 codes of ~27 bytes each: about 21.5 KB of address (Node's limit: 16 KB of headers). Node's own answer had no body.
    const many = Array.from({ length: 800 }, (_, i) => `org=${encodeURIComponent(`СОШ-${i}`)}`).join('&');
    const res = await fetch(`http://127.0.0.1:${port}/ok?${many}`);
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({
      error: { code: 'too_large', message: 'адрес запроса или заголовки слишком длинные (больше 16 КБ): выберите меньше организаций — или все сразу, без списка, — или возьмите выгрузку' },
    });
    const s = connect(port, '127.0.0.1');
    await once(s, 'connect');
    let answer = '';
    s.on('data', (b: Buffer) => (answer += b.toString()));
    s.write('HELLO\r\n\r\n');
    await closed(s);
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'bad_request', message: 'запрос не разобран: это не запрос HTTP или он повреждён' } });
    // A README example pasted into curl as it is: Russian letters not encoded — said so, with how (it blamed the protocol).
    const raw = connect(port, '127.0.0.1');
    await once(raw, 'connect');
    let reply = '';
    raw.on('data', (b: Buffer) => (reply += b.toString()));
    raw.write('GET /ok?org=СОШ-1&type=Школа HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed(raw);
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)).error.message).toBe(
      'в адресе запроса недопустимые символы: русские буквы и пробелы в параметрах передаются закодированными (браузер кодирует сам; в curl — curl -G --data-urlencode "org=СОШ-1" …, «+» в дате — %2B)',
    );
  });
});
