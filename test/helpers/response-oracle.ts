/**
 * An independent judge of what the server writes. Node's own HTTP parser, llhttp (through
 * `_http_common`'s HTTPParser binding, strict: no lenient flags), reads each connection both ways —
 * the requests the client sent and the responses the server wrote — and the oracle holds the
 * response stream to RFC 9112:
 *
 * 1. It parses as a sequence of well-framed responses (llhttp refuses Content-Length beside
 *    Transfer-Encoding, two lengths, bad chunk framing, invalid field bytes, …).
 * 2. Never more final responses than requests: one per complete request, plus one answer for a
 *    request that was cut short or malformed (a refusal: 400, 408, 413, …) — bytes after the last
 *    complete request that llhttp skips (a bare LF, which our parser refuses) count as one.
 * 3. A response to HEAD has no content (it is read without one, so content would surface as a
 *    malformed next response); 205 has none either (RFC 9110 §15.3.6).
 * 4. An HTTP/1.0 request gets no chunked response and no interim response; an interim response is
 *    only `100 Continue`, only to a request that asked for it, before that request's final one.
 * 5. A request that closes the connection gets a response that says so, and after a response that
 *    ends the connection the server writes nothing more.
 *
 * The oracle stops at an upgrade: what follows a `101` belongs to another protocol.
 */
import { createRequire } from 'node:module';
import { Buffer } from 'node:buffer';

interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(buf: Buffer): number | (Error & { code?: string; reason?: string });
  finish(): number | (Error & { code?: string }) | undefined;
  [key: number]: unknown;
}

interface HTTPParserClass {
  new (): LlhttpParser;
  REQUEST: number;
  RESPONSE: number;
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
}

const require = createRequire(import.meta.url);
const binding = require('_http_common') as { HTTPParser: HTTPParserClass; methods: string[] };
/** Node's llhttp binding (`_http_common`), for other readers of raw HTTP in the tests and the fuzzer. */
export const HTTPParser = binding.HTTPParser;
const methods = binding.methods;

/** Request bytes kept per connection for {@link ResponseOracle.#strayTail}; past it, none are. */
const INPUT_COPY_CAP = 1024 * 1024;

/** What the oracle knows of one request. */
interface SeenRequest {
  method: string;
  http10: boolean;
  keepAlive: boolean;
  expectContinue: boolean;
  upgrade: boolean;
}

/** Reads one connection both ways; see the module comment. */
export class ResponseOracle {
  readonly violations: string[] = [];
  readonly #requests: SeenRequest[] = [];
  readonly #req: LlhttpParser;
  readonly #res: LlhttpParser;
  /** The request stream broke (malformed) or has a message in progress: it may get one answer more. */
  #reqBroken = false;
  #reqInMessage = false;
  #finals = 0;
  /** Index of the request the response being parsed answers. */
  #current: SeenRequest | null = null;
  #currentStatus = 0;
  #currentKeepAlive = true;
  #currentBody = 0;
  /** A response that ends the connection was complete: nothing may follow. */
  #closed = false;
  /** An upgrade took over the connection (or the output broke): stop reading. */
  #off = false;
  #written = 0;
  /** The request bytes, kept (up to a cap) to look for stray bytes only when an answer seems extra. */
  #inputCopy: Buffer[] | null = [];
  #inputBytes = 0;

  constructor(readonly label: string) {
    const req = (this.#req = new HTTPParser());
    req.initialize(HTTPParser.REQUEST, {}, 0, 0);
    let headers: string[] = [];
    req[HTTPParser.kOnMessageBegin] = () => {
      this.#reqInMessage = true;
      headers = [];
    };
    req[HTTPParser.kOnHeaders] = (h: string[]) => {
      headers.push(...h);
    };
    req[HTTPParser.kOnHeadersComplete] = (
      major: number,
      minor: number,
      h: string[] | undefined,
      method: number,
      _url: string,
      _s: number,
      _m: string,
      upgrade: boolean,
      keepAlive: boolean,
    ) => {
      const all = h === undefined ? headers : headers.concat(h);
      let expect = false;
      for (let i = 0; i < all.length; i += 2)
        if (all[i]!.toLowerCase() === 'expect' && all[i + 1]!.toLowerCase() === '100-continue') expect = true;
      this.#requests.push({
        method: methods[method] ?? '?',
        http10: major === 1 && minor === 0,
        keepAlive,
        expectContinue: expect,
        upgrade,
      });
      return 0;
    };
    req[HTTPParser.kOnBody] = () => {};
    req[HTTPParser.kOnMessageComplete] = () => {
      this.#reqInMessage = false;
    };

    const res = (this.#res = new HTTPParser());
    res.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    res[HTTPParser.kOnMessageBegin] = () => {
      this.#currentBody = 0;
    };
    res[HTTPParser.kOnHeaders] = () => {};
    res[HTTPParser.kOnHeadersComplete] = (
      major: number,
      minor: number,
      h: string[] | undefined,
      _method: number,
      _url: string,
      status: number,
      _msg: string,
      _upgrade: boolean,
      keepAlive: boolean,
    ) => {
      return this.#onResponseHead(status, h ?? [], keepAlive, major === 1 && minor === 0);
    };
    res[HTTPParser.kOnBody] = (b: Buffer) => {
      this.#currentBody += b.length;
    };
    res[HTTPParser.kOnMessageComplete] = () => {
      this.#onResponseEnd();
    };
  }

  /** Bytes the client sent. */
  input(buf: Buffer): void {
    if (this.#reqBroken || this.#off) return;
    this.#inputBytes += buf.length;
    if (this.#inputCopy !== null) {
      if (this.#inputBytes > INPUT_COPY_CAP) this.#inputCopy = null;
      else this.#inputCopy.push(Buffer.from(buf));
    }
    const r = this.#req.execute(buf);
    if (r instanceof Error) {
      // An upgrade pauses llhttp; anything else is a request the server refuses too.
      if (r.code === 'HPE_PAUSED_UPGRADE') this.#reqInMessage = false;
      else this.#reqBroken = true;
    }
  }

  /** Bytes the server wrote. */
  output(buf: Buffer): void {
    if (this.#off || buf.length === 0) return;
    this.#written += buf.length;
    if (this.#closed) {
      this.#violation(
        `${buf.length} bytes written after a response that ended the connection: ${JSON.stringify(buf.toString('latin1', 0, 80))}`,
      );
      this.#off = true;
      return;
    }
    const r = this.#res.execute(buf);
    if (r instanceof Error) {
      if (this.#off) return;
      this.#violation(
        `the response stream does not parse (${r.code}: ${r.reason ?? r.message}) at ${JSON.stringify(buf.toString('latin1', 0, 120))}`,
      );
      this.#off = true;
    }
  }

  /** The connection closed: a close-delimited response ends here. */
  end(): void {
    if (this.#off || this.#closed) return;
    this.#res.finish();
  }

  #onResponseHead(status: number, headers: string[], keepAlive: boolean, http10Response: boolean): number {
    if (http10Response) this.#violation(`a response with version HTTP/1.0 (status ${status})`);
    const i = this.#finals;
    const req = this.#requests[i];
    const extra = this.#reqBroken || this.#reqInMessage;
    if (req?.upgrade === true && status === 101) {
      this.#off = true;
      return 2;
    }
    let te = false;
    for (let k = 0; k < headers.length; k += 2) if (headers[k]!.toLowerCase() === 'transfer-encoding') te = true;
    if (status < 200) {
      if (status !== 100) this.#violation(`interim status ${status}`);
      else if (req === undefined || !req.expectContinue)
        this.#violation(`100 Continue to a request that did not ask for it (request ${i + 1})`);
      else if (req.http10) this.#violation('100 Continue to an HTTP/1.0 request');
      this.#current = null;
      this.#currentStatus = status;
      return 0;
    }
    if (req === undefined) {
      if (!(extra || this.#strayTail()) || i > this.#requests.length)
        this.#violation(`response ${i + 1} (status ${status}) with only ${this.#requests.length} request(s) received`);
    } else {
      if (req.http10 && te)
        this.#violation(`Transfer-Encoding in a response to an HTTP/1.0 request (request ${i + 1})`);
      if (!req.keepAlive && keepAlive)
        this.#violation(`request ${i + 1} closes the connection, its response (status ${status}) does not say so`);
    }
    this.#current = req ?? null;
    this.#currentStatus = status;
    this.#currentKeepAlive = keepAlive;
    // 1: the response to HEAD has no content; llhttp reads it so.
    return req?.method === 'HEAD' ? 1 : 0;
  }

  #onResponseEnd(): void {
    if (this.#currentStatus < 200) return;
    if (this.#currentStatus === 205 && this.#currentBody > 0)
      this.#violation(`a 205 response with ${this.#currentBody} bytes of content`);
    this.#finals++;
    if (!this.#currentKeepAlive) this.#closed = true;
    const req = this.#current;
    if (req?.upgrade === true) this.#off = true;
  }

  /** Whether bytes follow the last complete request (found by reparsing a byte at a time). */
  #strayTail(): boolean {
    if (this.#inputCopy === null) return false;
    const all = Buffer.concat(this.#inputCopy);
    const p = new HTTPParser();
    p.initialize(HTTPParser.REQUEST, {}, 0, 0);
    let end = 0;
    let at = 0;
    p[HTTPParser.kOnHeadersComplete] = () => 0;
    p[HTTPParser.kOnMessageComplete] = () => {
      end = at + 1;
    };
    for (; at < all.length; at++) if (p.execute(all.subarray(at, at + 1)) instanceof Error) break;
    return end < all.length;
  }

  #violation(msg: string): void {
    this.violations.push(`${this.label}: ${msg}`);
  }
}
