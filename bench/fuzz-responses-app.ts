/**
 * The response fuzzer's generator (see bench/fuzz-responses.ts): from a PRNG, an app whose handler
 * performs a random action per request (bodies of every kind, odd statuses and fields, failing
 * streams, raw writes, poisoned headers, thrown errors), and a pipeline of requests for it.
 */
import { Buffer } from 'node:buffer';
import { Readable } from 'node:stream';
import { App, HttpError, type Context } from '../src/index.js';

export type Rand = () => number;
export type Length = 'unset' | 'right' | 'small' | 'large';
export type Fail = 'none' | 'mid' | 'before';

export interface StreamSpec {
  kind: 'readable' | 'generator' | 'web';
  chunks: number[];
  async: boolean;
  length: Length;
  fail: Fail;
}
export type BodySpec =
  | { kind: 'text'; value: string }
  | { kind: 'buffer'; size: number }
  | { kind: 'json'; cyclic: boolean }
  | { kind: 'empty' }
  | { kind: 'null' }
  | { kind: 'none' }
  | { kind: 'stream'; stream: StreamSpec }
  | {
      kind: 'raw';
      respondFalse: boolean;
      writeHead: number | null;
      chunks: number[];
      length: Length;
      throwAfterWrite: boolean;
    };
export interface ThrowSpec {
  kind: 'http' | 'plain' | 'ctx.throw' | 'string';
  status: number;
  async: boolean;
}
export type Poison = 'u010d' | 'crlf' | 'name' | 'array';
export interface Action {
  read: 'none' | 'all' | 'first';
  wait: boolean;
  headers: Array<[string, string]>;
  statusBefore: number | null;
  body: BodySpec;
  length: Length;
  statusAfter: number | null;
  poison: Poison | null;
  throws: ThrowSpec | null;
}
export interface AppSpec {
  catcher: number | null;
  after: boolean;
  yieldFirst: boolean;
  options: { maxPipelinedRequests?: number; bodyHighWaterMark?: number; maxRequestsPerSocket?: number };
}
export interface Req {
  bytes: Buffer;
  method: string;
  http10: boolean;
  expectContinue: boolean;
  wellFormed: boolean;
  truncated: boolean;
  /** Refused before any middleware runs (no Host, an Upgrade): 400 or 426, then close. */
  refused: boolean;
  endsConnection: boolean;
  action: number | null;
}

export const POISON_NAME = 'x-poison';
const STATUSES = [
  200, 200, 200, 201, 202, 204, 205, 206, 301, 304, 304, 400, 404, 418, 500, 503, 100, 101, 103, 199, 299, 599, 600,
  999,
];
const ODD_HEADERS: Array<[string, string[]]> = [
  ['transfer-encoding', ['chunked', 'gzip', 'identity', 'gzip, chunked']],
  ['content-length', ['0', '5', '100000', 'abc']],
  ['connection', ['close', 'keep-alive', 'upgrade', 'x-foo']],
  ['keep-alive', ['timeout=1']],
  ['upgrade', ['websocket']],
  ['te', ['trailers']],
  ['trailer', ['x-t']],
  ['content-type', ['text/plain', 'application/json']],
  ['x-ok', ['fine']],
];

export class Gen {
  constructor(readonly rand: Rand) {}
  int(n: number): number {
    return Math.floor(this.rand() * n);
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  sizes(max: number, size: number): number[] {
    return Array.from({ length: this.int(max + 1) }, () => (this.chance(0.2) ? 0 : 1 + this.int(size)));
  }
  length(): Length {
    return this.pick(['unset', 'unset', 'right', 'small', 'large'] as const);
  }
}

function genBody(g: Gen): BodySpec {
  switch (g.int(9)) {
    case 0:
      return { kind: 'text', value: g.pick(['hello', '<p>html</p>', 'h\u00e9llo \u{1f600}', 'x'.repeat(g.int(5000))]) };
    case 1:
      return { kind: 'buffer', size: g.int(3000) };
    case 2:
      return { kind: 'json', cyclic: g.chance(0.15) };
    case 3:
      return { kind: 'empty' };
    case 4:
      return { kind: 'null' };
    case 5:
      return { kind: 'none' };
    case 6:
    case 7: {
      const fail = g.chance(0.75) ? 'none' : g.pick(['mid', 'before'] as const);
      return {
        kind: 'stream',
        stream: {
          kind: g.pick(['readable', 'generator', 'web'] as const),
          chunks: g.sizes(5, 3000),
          async: g.chance(0.5),
          length: g.length(),
          fail,
        },
      };
    }
    default:
      return {
        kind: 'raw',
        respondFalse: g.chance(0.5),
        writeHead: g.chance(0.5) ? g.pick(STATUSES) : null,
        chunks: g.sizes(4, 2000),
        length: g.length(),
        throwAfterWrite: g.chance(0.1),
      };
  }
}

export function genAction(g: Gen): Action {
  const headers: Array<[string, string]> = [];
  for (let n = g.chance(0.3) ? 1 + g.int(3) : 0; n > 0; n--) {
    const [name, values] = g.pick(ODD_HEADERS);
    headers.push([name, g.pick(values)]);
  }
  const thrown = g.chance(0.15);
  return {
    read: g.pick(['none', 'none', 'all', 'first'] as const),
    wait: g.chance(0.2),
    headers,
    statusBefore: g.chance(0.3) ? g.pick(STATUSES) : null,
    body: genBody(g),
    length: g.length(),
    statusAfter: g.chance(0.15) ? g.pick(STATUSES) : null,
    poison: g.chance(0.06) ? g.pick(['u010d', 'crlf', 'name', 'array'] as const) : null,
    throws: thrown
      ? {
          kind: g.pick(['http', 'plain', 'ctx.throw', 'string'] as const),
          status: g.pick([400, 401, 404, 409, 418, 500, 502, 503]),
          async: g.chance(0.5),
        }
      : null,
  };
}

const BAD_REQUESTS = [
  'GET / HTTP/1.1\nHost: x\r\n\r\n',
  'GET / HTTP/1.1\r\nHost : x\r\n\r\n',
  'G@T / HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n',
  'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
  'GET / HTTP/2.0\r\nHost: x\r\n\r\n',
  `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20000)}\r\n\r\n`,
  'POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: x\r\nExpect: the-unexpected\r\n\r\n',
];

function genRequest(g: Gen, k: number): Req {
  const method = g.pick(['GET', 'GET', 'HEAD', 'POST', 'POST', 'PUT', 'OPTIONS']);
  const http10 = g.chance(0.2);
  let head = `${method} /a/${k} HTTP/1.${http10 ? 0 : 1}\r\n`;
  let refused = false;
  if (!g.chance(0.03)) head += 'Host: x\r\n';
  else refused = !http10;
  if (g.chance(0.3)) head += 'Accept: */*\r\nX-Junk: 1\r\n';
  const close = http10 ? !g.chance(0.6) : g.chance(0.1);
  if (close && !http10) head += 'Connection: close\r\n';
  else if (!close && http10) head += 'Connection: keep-alive\r\n';
  if (!http10 && g.chance(0.03)) {
    head += 'Connection: upgrade\r\nUpgrade: websocket\r\n';
    refused = true;
  }
  let body = '';
  let expectContinue = false;
  if (method === 'POST' || method === 'PUT' || g.chance(0.05)) {
    expectContinue = g.chance(0.15);
    if (expectContinue) head += 'Expect: 100-continue\r\n';
    if (!http10 && g.chance(0.4)) {
      head += 'Transfer-Encoding: chunked\r\n';
      for (const size of g.sizes(4, 700)) if (size > 0) body += `${size.toString(16)}\r\n${'b'.repeat(size)}\r\n`;
      body += g.chance(0.2) ? '0\r\nX-Trailer: t\r\n\r\n' : '0\r\n\r\n';
    } else {
      body = 'b'.repeat(g.chance(0.2) ? 0 : g.int(3000));
      head += `Content-Length: ${body.length}\r\n`;
    }
  }
  return {
    bytes: Buffer.from(`${head}\r\n${body}`, 'latin1'),
    method,
    http10,
    expectContinue,
    wellFormed: true,
    truncated: false,
    refused,
    endsConnection: close || refused,
    action: k,
  };
}

function mutate(g: Gen, b: Buffer): Buffer {
  const out = Buffer.from(b);
  for (let n = 1 + g.int(3); n > 0; n--)
    out[g.int(out.length)] = g.pick([0x00, 0x0a, 0x0d, 0x20, 0x3a, 0x7f, 0xff, g.int(256)]);
  return out;
}

export function genPipeline(g: Gen, actions: number): Req[] {
  const reqs: Req[] = [];
  const n = 1 + g.int(6);
  for (let i = 0; i < n; i++) {
    const r = genRequest(g, g.int(actions));
    if (g.chance(0.06)) {
      const bad = g.chance(0.5) ? Buffer.from(g.pick(BAD_REQUESTS), 'latin1') : mutate(g, r.bytes);
      // Its method is unknown: the server cannot trust a head it could not parse, so its answer has content.
      reqs.push({
        bytes: bad,
        method: '',
        http10: false,
        expectContinue: false,
        wellFormed: false,
        truncated: false,
        refused: false,
        endsConnection: true,
        action: null,
      });
    } else reqs.push(r);
  }
  const last = reqs.at(-1)!;
  if (g.chance(0.1) && last.bytes.length > 1)
    reqs[reqs.length - 1] = {
      ...last,
      bytes: last.bytes.subarray(0, 1 + g.int(last.bytes.length - 1)),
      wellFormed: false,
      truncated: true,
    };
  return reqs;
}

export function genApp(g: Gen): AppSpec {
  const options: AppSpec['options'] = {};
  if (g.chance(0.15)) options.maxPipelinedRequests = 1 + g.int(3);
  if (g.chance(0.15)) options.bodyHighWaterMark = g.pick([1, 16, 1024]);
  if (g.chance(0.1)) options.maxRequestsPerSocket = 1 + g.int(4);
  return {
    catcher: g.chance(0.2) ? g.pick([418, 503]) : null,
    after: g.chance(0.2),
    yieldFirst: g.chance(0.2),
    options,
  };
}

export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const fill = (size: number, i: number): Buffer => Buffer.alloc(size, 0x61 + (i % 26));

function lengthFor(spec: Length, total: number): number | null {
  if (spec === 'unset') return null;
  return spec === 'right'
    ? total
    : spec === 'small'
      ? Math.max(0, total - 1 - Math.floor(total / 2))
      : total + 1 + (total % 97);
}

function makeStream(s: StreamSpec): Readable | AsyncIterable<Buffer> | ReadableStream<Uint8Array> {
  const failAt = s.fail === 'none' ? -1 : s.fail === 'before' || s.chunks.length < 2 ? 0 : s.chunks.length >> 1;
  const boom = (): Error => new Error('stream failed on purpose');
  if (s.kind === 'generator') {
    return (async function* () {
      for (let i = 0; i <= s.chunks.length; i++) {
        if (s.async) await tick();
        if (i === failAt) throw boom();
        if (i < s.chunks.length) yield fill(s.chunks[i]!, i);
      }
    })();
  }
  let i = 0;
  const step = (push: (b: Buffer | null) => void, fail: (e: Error) => void, skipEmpty = false): void => {
    let n = i++;
    while (skipEmpty && n !== failAt && s.chunks[n] === 0) n = i++;
    if (n === failAt) fail(boom());
    else push(n < s.chunks.length ? fill(s.chunks[n]!, n) : null);
  };
  if (s.kind === 'web') {
    return new ReadableStream<Uint8Array>({
      async pull(c) {
        if (s.async) await tick();
        step(
          (b) => (b === null ? c.close() : c.enqueue(b)),
          (e) => c.error(e),
        );
      },
    });
  }
  // An empty push() from read() ends that read without asking for another: Node's own consumers
  // stall on such a stream too, so a Readable skips empty chunks.
  return new Readable({
    read() {
      const go = (): void =>
        step(
          (b) => void this.push(b),
          (e) => this.destroy(e),
          true,
        );
      if (s.async) setImmediate(go);
      else go();
    },
  });
}

function cyclic(): object {
  const o: Record<string, unknown> = { a: 1 };
  o['self'] = o;
  return o;
}

async function writeRaw(ctx: Context, b: Extract<BodySpec, { kind: 'raw' }>): Promise<void> {
  const total = b.chunks.reduce((x, y) => x + y, 0);
  const len = lengthFor(b.length, total);
  if (b.respondFalse) ctx.respond = false;
  if (b.writeHead !== null) ctx.res.writeHead(b.writeHead, len === null ? {} : { 'content-length': len });
  else if (len !== null) ctx.res.setHeader('content-length', len);
  for (let i = 0; i < b.chunks.length; i++) {
    ctx.res.write(fill(b.chunks[i]!, i));
    if (b.throwAfterWrite) throw new Error('failed after a raw write');
    await tick();
  }
  ctx.res.end();
}

function poison(ctx: Context, p: Poison): void {
  const h = ctx.response.headers as Record<string, unknown>;
  if (p === 'u010d') h[POISON_NAME] = 'a\u010db';
  else if (p === 'crlf') h[POISON_NAME] = 'a\r\nx-injected: 1';
  else if (p === 'array') h[POISON_NAME] = ['ok', 'a\u010db'];
  else h[`${POISON_NAME} bad`] = 'v';
}

async function perform(ctx: Context, a: Action): Promise<void> {
  if (a.wait) await tick();
  if (a.read === 'all') for await (const _ of ctx.req) void _;
  else if (a.read === 'first') for await (const _ of ctx.req) break;
  for (const [k, v] of a.headers) {
    try {
      ctx.set(k, v);
    } catch {
      // Refused by the header rules: the action goes on without it.
    }
  }
  if (a.statusBefore !== null) ctx.status = a.statusBefore;
  const b = a.body;
  if (b.kind === 'raw') return writeRaw(ctx, b);
  if (b.kind === 'text') ctx.body = b.value;
  else if (b.kind === 'buffer') ctx.body = fill(b.size, 1);
  else if (b.kind === 'json') ctx.body = b.cyclic ? cyclic() : { ok: true, list: [1, 'two'] };
  else if (b.kind === 'empty') ctx.body = '';
  else if (b.kind === 'null') ctx.body = null;
  else if (b.kind === 'stream') {
    ctx.body = makeStream(b.stream);
    const len = lengthFor(
      b.stream.length,
      b.stream.chunks.reduce((x, y) => x + y, 0),
    );
    if (len !== null) ctx.length = len;
  }
  // The length of a cyclic body would be counted by serialising it, which throws in the handler.
  if (b.kind !== 'stream' && b.kind !== 'none' && a.length !== 'unset' && !(b.kind === 'json' && b.cyclic)) {
    const len = lengthFor(a.length, ctx.response.length ?? 0);
    if (len !== null) ctx.length = len;
  }
  if (a.statusAfter !== null) ctx.status = a.statusAfter;
  if (a.poison !== null) poison(ctx, a.poison);
  const t = a.throws;
  if (t !== null) {
    if (t.async) await tick();
    if (t.kind === 'http') throw new HttpError(t.status, 'thrown on purpose', { headers: { 'x-error': '1' } });
    if (t.kind === 'ctx.throw') ctx.throw(t.status, 'thrown on purpose');
    if (t.kind === 'string') throw 'a string';
    throw new Error('thrown on purpose');
  }
}

export function buildApp(spec: AppSpec, actions: Action[]): App {
  const app = new App({ logger: false, ...spec.options });
  if (spec.yieldFirst)
    app.use(async (_ctx, next) => {
      await tick();
      await next();
    });
  if (spec.after)
    app.use(async (ctx, next) => {
      await next();
      ctx.set('x-after', '1');
    });
  const catcher = spec.catcher;
  if (catcher !== null) {
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch {
        ctx.status = catcher;
        ctx.body = { caught: true };
      }
    });
  }
  app.use((ctx) => {
    const k = /^\/a\/(\d+)$/.exec(ctx.path);
    const a = k === null ? undefined : actions[Number(k[1])];
    if (a === undefined) ctx.body = 'no action';
    else return perform(ctx, a);
  });
  return app;
}
