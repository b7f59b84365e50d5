/**
 * A byte-counting TCP relay in front of the fake Sheets server: what the `google` source
 * receives is counted as it crosses the wire (headers included), with no change to the
 * fake. Each response body is also gzipped on the side, to estimate what a compressed answer
 * would weigh (Google compresses when the client asks, as googleapis does; the fake never does).
 */
import net from 'node:net';
import zlib from 'node:zlib';

export interface WireCounter {
  /** Root URL for the `google` source, ending with '/'. */
  readonly url: string;
  /** Bytes sent to the client (responses) and received from it (requests) since the last reset. */
  snapshot(): Promise<{ down: number; up: number; downGzip: number }>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Splits a byte stream of HTTP/1.1 responses (each with a Content-Length) and reports each body. */
class ResponseSplitter {
  private buf: Buffer = Buffer.alloc(0);
  private headerLength = -1;
  private bodyLength = 0;
  constructor(private readonly onResponse: (headerBytes: number, body: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (this.headerLength < 0) {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = this.buf.subarray(0, end).toString('latin1');
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        this.headerLength = end + 4;
        this.bodyLength = m ? Number(m[1]) : 0;
      }
      if (this.buf.length < this.headerLength + this.bodyLength) return;
      const body = this.buf.subarray(this.headerLength, this.headerLength + this.bodyLength);
      this.onResponse(this.headerLength, body);
      this.buf = this.buf.subarray(this.headerLength + this.bodyLength);
      this.headerLength = -1;
    }
  }
}

export async function startWireCounter(target: string): Promise<WireCounter> {
  const { hostname, port } = new URL(target);
  let down = 0;
  let up = 0;
  let downGzip = 0;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    const splitter = new ResponseSplitter((headerBytes, body) => {
      downGzip += headerBytes + (body.length > 0 ? zlib.gzipSync(body, { level: 6 }).length : 0);
    });
    sockets.add(client).add(upstream);
    upstream.on('data', (chunk: Buffer) => {
      down += chunk.length;
      splitter.push(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      up += chunk.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as net.AddressInfo;

  return {
    url: `http://127.0.0.1:${addr.port}/`,
    async snapshot() {
      return { down, up, downGzip };
    },
    async reset() {
      down = 0;
      up = 0;
      downGzip = 0;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
