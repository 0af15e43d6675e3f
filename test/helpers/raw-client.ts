/**
 * A raw-socket HTTP client for wire tests: it writes exactly the bytes it is given (malformed,
 * pipelined, split anywhere) and collects every byte the server sends back. Everything is
 * event-driven: waits end on `data`, `end` or `close`, never on a sleep.
 */
import net from 'node:net';
import { bytesNeeded, parseResponses, type WireResponse } from './http-wire.js';

/** What a finished {@link rawRequest} saw. */
export interface RawResult {
  /** Every byte the server wrote. */
  raw: Buffer;
  /** The complete responses in `raw`. */
  responses: WireResponse[];
  /** Bytes after the last complete response (a truncated response shows up here). */
  rest: Buffer;
  /** Whether the server closed the connection (FIN or reset) by the time the result was taken. */
  closed: boolean;
  /** How many `data` events the client socket saw. */
  dataEvents: number;
}

/** Options of {@link rawRequest} and {@link RawClient.send}. */
export interface SendOptions {
  /** Write one byte per `write()` call, awaiting each write's callback before the next. */
  byteByByte?: boolean;
}

/** Options of {@link rawRequest}. */
export interface RawRequestOptions extends SendOptions {
  /** Resolve once this many complete responses arrived, instead of waiting for the server to close. */
  responses?: number;
  /** Request methods in order, so responses to HEAD are read without a body. */
  methods?: string[];
  /** Half-close (send FIN) after the last write. */
  end?: boolean;
}

/** One client connection; see the module comment. */
export class RawClient {
  readonly socket: net.Socket;
  readonly #chunks: Buffer[] = [];
  #dataEvents = 0;
  #closed = false;
  #ended = false;
  #waiters: (() => void)[] = [];
  #done: WireResponse[] = [];
  #rest: Buffer = Buffer.alloc(0);
  #parsedChunks = 0;
  #parsedEof = false;
  /** Bytes the pending response needs before parsing again is worthwhile (0: unknown). */
  #need = 0;
  /** Resolves when the socket is fully closed. */
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => {
      this.#chunks.push(c);
      this.#dataEvents++;
      this.#wake();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    // A reset is a close as far as the tests are concerned; the error itself is not a failure.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#closed = true;
        this.#wake();
        resolve();
      });
    });
  }

  /** Connects to `127.0.0.1:port`. */
  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host });
      s.once('error', reject);
      s.once('connect', () => {
        s.removeListener('error', reject);
        resolve(new RawClient(s));
      });
    });
  }

  /** Every byte received so far. */
  get raw(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  get dataEvents(): number {
    return this.#dataEvents;
  }

  /** True once the server ended its side or the socket closed. */
  get serverClosed(): boolean {
    return this.#ended || this.#closed;
  }

  /**
   * Complete responses received so far. Parsed incrementally (only bytes that arrived since the
   * last call), so waiting on many large responses stays linear.
   */
  responses(methods: string[] = []): WireResponse[] {
    const eof = this.serverClosed;
    if (this.#parsedChunks === this.#chunks.length && this.#parsedEof === eof) return this.#done.slice();
    const fresh = this.#chunks.slice(this.#parsedChunks);
    if (!eof && this.#need > 0 && this.#rest.length + fresh.reduce((n, c) => n + c.length, 0) < this.#need)
      return this.#done.slice();
    const buf = this.#rest.length === 0 && fresh.length === 1 ? fresh[0]! : Buffer.concat([this.#rest, ...fresh]);
    this.#parsedChunks = this.#chunks.length;
    this.#parsedEof = eof;
    const finals = this.#done.filter((r) => r.status >= 200).length;
    const { responses, rest } = parseResponses(buf, methods.slice(finals), eof);
    this.#done.push(...responses);
    this.#rest = rest;
    this.#need = bytesNeeded(rest);
    return this.#done.slice();
  }

  /** Writes `data` (whole, or byte by byte); resolves when every write's callback ran. */
  async send(data: string | Buffer, opts: SendOptions = {}): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    if (opts.byteByByte === true) {
      for (let i = 0; i < buf.length; i++) await this.#write(buf.subarray(i, i + 1));
    } else {
      await this.#write(buf);
    }
  }

  #write(buf: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(buf, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Half-closes: the server sees EOF after what was sent. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /**
   * Resolves with the first `n` complete responses; rejects if the server closes first.
   */
  async waitForResponses(n: number, methods: string[] = []): Promise<WireResponse[]> {
    await this.#until(() => this.responses(methods).length >= n || this.serverClosed);
    const got = this.responses(methods);
    if (got.length < n) {
      throw new Error(
        `server closed after ${got.length} of ${n} responses; received: ${JSON.stringify(this.raw.toString('latin1', 0, 400))}`,
      );
    }
    return got.slice(0, n);
  }

  /** Resolves once the server has ended its side (or the socket closed). */
  async waitForServerClose(): Promise<void> {
    await this.#until(() => this.serverClosed);
  }

  /** Resolves once at least `n` bytes arrived (or the socket closed). */
  async waitForBytes(n: number): Promise<void> {
    await this.#until(() => this.raw.length >= n || this.serverClosed);
  }

  #until(done: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (done()) resolve();
        else this.#waiters.push(check);
      };
      check();
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** A snapshot of what was received. */
  result(methods: string[] = []): RawResult {
    const responses = this.responses(methods);
    return { raw: this.raw, responses, rest: this.#rest, closed: this.serverClosed, dataEvents: this.#dataEvents };
  }
}

/**
 * Connects, writes `data` (a string or buffer, or an array of them written one after the other),
 * and collects what comes back until the server closes — or, with `responses: n`, until `n`
 * complete responses arrived (then the client disconnects).
 *
 * @example const { responses } = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
 */
export async function rawRequest(
  port: number,
  data: string | Buffer | (string | Buffer)[],
  opts: RawRequestOptions = {},
): Promise<RawResult> {
  const client = await RawClient.connect(port);
  const parts = Array.isArray(data) ? data : [data];
  for (const p of parts) await client.send(p, opts);
  if (opts.end === true) client.end();
  const methods = opts.methods ?? [];
  if (opts.responses !== undefined) {
    const want = opts.responses;
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (client.responses(methods).length >= want || client.serverClosed) resolve();
      };
      client.socket.on('data', check);
      client.socket.on('end', check);
      client.socket.on('close', check);
      check();
    });
    const out = client.result(methods);
    client.destroy();
    return out;
  }
  await client.waitForServerClose();
  await client.closed;
  return client.result(methods);
}

/** `GET path` with a Host header (and any extra header lines), as one request's bytes. */
export function get(path = '/', extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`;
}
