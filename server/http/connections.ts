/**
 * Limits on connections, for a server on a school network without a proxy in front (issue #17,
 * a security review): slow clients whose request trickles in are cut after HEADERS_TIMEOUT_MS, at
 * most MAX_CONNECTIONS are open at once (past it the longest idle one gives way to the new one)
 * and at most PER_ADDRESS_CONNECTIONS from one address.
 * 1,100 idle connections from one machine used up the 1,024 file descriptors a service gets by
 * default — DuckDB's files and Chromium's pipes need them too — and every other client was reset.
 * Behind a proxy (TRUST_PROXY) every connection comes from the proxy: no limit per address then.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';

export const HEADERS_TIMEOUT_MS = 20_000;
export const REQUEST_TIMEOUT_MS = 60_000;
export const MAX_CONNECTIONS = 800;
export const PER_ADDRESS_CONNECTIONS = 256;
export const KEEP_ALIVE_MS = 65_000;

/** How often Node looks for requests past their timeouts (its default, 30 s, let a slow client hold on that long past them). */
const CHECK_EVERY_MS = 2_000;

export interface ConnectionLimits {
  max?: number;
  /** null: no limit per address (behind a proxy). */
  perAddress?: number | null;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/**
 * A request Node refuses before the application sees it — headers over Node's 16 KB (an address
 * with some 600 `org=` codes), a request that is not HTTP, headers too slow — answered as every
 * error of this API is: JSON `{ error: { code, message } }` in Russian (Node's own answer is an
 * empty 431 or 400). A connection already answering, or gone, is just closed.
 */
function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'too_large', 'адрес запроса или заголовки слишком длинные (больше 16 КБ): выберите меньше организаций — или все сразу, без списка, — или возьмите выгрузку']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'timeout', 'запрос передавался слишком долго и прерван; повторите его']
        : err.code === 'HPE_INVALID_URL'
          ? [
              400,
              'Bad Request',
              'bad_request',
              'в адресе запроса недопустимые символы: русские буквы и пробелы в параметрах передаются закодированными (браузер кодирует сам; в curl — curl -G --data-urlencode "org=СОШ-1" …, «+» в дате — %2B)',
            ]
          : [400, 'Bad Request', 'bad_request', 'запрос не разобран: это не запрос HTTP или он повреждён'];
  const body = JSON.stringify({ error: { code, message } });
  // Closed whole once the answer is out: ended only, the connection waited for the client to close
  // its side, and one that never did kept its address's place (256 such held them all: an acceptance run).
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, () =>
    socket.destroy(),
  );
}

/** The HTTP server of `app` with these limits (listen on it as on `app.listen`). */
export function limitedServer(app: RequestListener, limits: ConnectionLimits = {}): Server {
  const requestTimeout = limits.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const server = createServer(
    { headersTimeout: Math.min(limits.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, requestTimeout), requestTimeout, connectionsCheckingInterval: CHECK_EVERY_MS },
    app,
  );
  const max = limits.max ?? MAX_CONNECTIONS;
  // An idle kept-alive connection is closed after KEEP_ALIVE_MS, longer than a proxy keeps its own
  // (nginx: 60 s): Node's 5 s had it close a connection as the client (a proxy, or fetch under
  // load) sent the next request on it — «other side closed».
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.on('clientError', answerClientError);
  const perAddress = limits.perAddress === undefined ? PER_ADDRESS_CONNECTIONS : limits.perAddress;
  const open = new Map<string, number>();
  // At the limit in all, the connection that has waited longest without a request being answered
  // on it — one whose headers trickle in, or one kept alive idle — is closed to make room; only
  // when every connection is serving a request is the new one refused. Refusing the new one
  // (Node's maxConnections) let slow clients from a few addresses shut everybody else out for as
  // long as their headers' timeout, wave after wave (an outside review: 40 of 57 requests reset).
  const live = new Set<Socket>();
  const serving = new Set<Socket>();
  server.on('request', (req, res) => {
    const socket = req.socket;
    serving.add(socket);
    res.once('close', () => {
      serving.delete(socket);
      // Idle again from now: at the end of the order of those that may be closed.
      if (live.delete(socket)) live.add(socket);
    });
  });
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const n = (open.get(address) ?? 0) + 1;
    if (perAddress !== null && n > perAddress) {
      socket.destroy();
      return;
    }
    if (live.size >= max) {
      let idle: Socket | undefined;
      for (const s of live) {
        if (!serving.has(s)) {
          idle = s;
          break;
        }
      }
      if (idle === undefined) {
        socket.destroy();
        return;
      }
      live.delete(idle);
      idle.destroy();
    }
    live.add(socket);
    open.set(address, n);
    socket.once('close', () => {
      live.delete(socket);
      serving.delete(socket);
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
  return server;
}

/** Why the server cannot listen on `port` of `host`, in words a coordinator can act on. */
export function listenProblem(e: NodeJS.ErrnoException, port: number, host: string): string {
  switch (e.code) {
    case 'EADDRINUSE':
      return `порт ${port} (адрес ${host}) уже занят другой программой — возможно, сервер уже запущен; остановите её или укажите другой порт в PORT, например PORT=${port === 3000 ? 3001 : 3000}`;
    case 'EACCES':
      return `нет прав открыть порт ${port}: порты ниже 1024 открывает только администратор; укажите, например, PORT=3000`;
    case 'EADDRNOTAVAIL':
      return `адреса ${host} (HOST) нет у этой машины; укажите HOST=127.0.0.1 или HOST=0.0.0.0`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `адрес «${host}» (HOST) не найден — это не IP-адрес и не имя этой машины; укажите HOST=127.0.0.1 (только этот компьютер) или HOST=0.0.0.0 (вся сеть)`;
    default:
      return `не удалось открыть порт ${port} (адрес ${host}): ${e.code ?? e.message}`;
  }
}

/**
 * Whether `port` of `host` can be listened on, asked before the start-up's work (the demo's
 * load, the first sync): a port taken by another program is said at once, not after it.
 * Null when it can (port 0 always can).
 */
export function portProblem(port: number, host: string): Promise<string | null> {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.once('error', (e: NodeJS.ErrnoException) => resolve(listenProblem(e, port, host)));
    probe.listen(port, host, () => probe.close(() => resolve(null)));
  });
}
