/**
 * What `npm run bench` measures: the servers, the scenarios of issue 8 (and the upload and
 * WebSocket scenarios of issue 18) and the checks each server must pass first. The driver
 * (bench/run.ts) only walks these tables.
 */
import { wsEchoCheck, type Probe } from './checks.js';

/** Where a server file lives and runs from. */
export type Where =
  /** in this project (bench/…), importing shallot from dist/ */
  | 'project'
  /** a peer server in bench/peers/servers, run from bench/peers, where its imports resolve */
  | 'peers';

export interface ServerDef {
  name: string;
  /** Path relative to the project root ('project') or to bench/peers ('peers'). */
  file: string;
  where: Where;
  probes: () => Probe[];
  /** Requests for the pipelining check (none: no check). */
  pipeline: () => Probe[];
  /** A check of its own (the WebSocket echo); returns the failures. */
  check?: (port: number) => Promise<string[]>;
  /** Serves HTTPS (the run's self-signed certificate, TLS_KEY / TLS_CERT): checks and wrk use https. */
  tls?: boolean;
}

export type ScenarioId =
  'root' | 'user' | 'pipe' | 'echo' | 'stack' | 'c1000' | 'upload' | 'ws' | 'tls' | 'file64k' | 'file10m' | 'range';

/** The `--only` part a scenario belongs to (default 'server'). */
export type ScenarioPart = 'server' | 'tls' | 'files';

export interface ScenarioDef {
  id: ScenarioId;
  label: string;
  path: string;
  method: 'GET' | 'POST';
  /**
   * Request body (POST), written to a file for wrk: text, or a function making the bytes (a large
   * body: a function is not stored in raw.json).
   */
  body: string | (() => Buffer) | null;
  /** Content-Type of the body; application/json when absent. */
  contentType?: string;
  /** Bytes of the request body, for the MB/s column (set for the upload). */
  bodyBytes?: number;
  pipelined: boolean;
  /** Uses CONNS_HIGH instead of CONNS. */
  highConns: boolean;
  /** A connection count of its own (CONNS_UPLOAD for the upload), instead of CONNS / CONNS_HIGH. */
  conns?: number;
  /**
   * The load generator: wrk (absent), or `ws`: bench/lib/ws-load.ts, a closed loop of `wsSize`-byte
   * binary messages over WebSockets; a "request" in its rows is one echoed message.
   */
  via?: 'ws';
  wsSize?: number;
  /** Report the server's RSS over the run (start → end, peak) beside the usual columns. */
  rss?: boolean;
  /** Extra request fields wrk sends (bench/lib/wrk.lua, WRK_HEADER): the Range request. */
  headers?: Record<string, string>;
  /** Report MB/s out (response bytes, as wrk counts them, head included) beside req/s. */
  mbOut?: boolean;
  part?: ScenarioPart;
  /** Ours first, then the peers, in table order. */
  servers: string[];
  /** The Fastify server whose p99 ours must not exceed. */
  fastify: string;
}

const HELLO = 'Hello, World!';

/** The 1 KiB JSON order POSTed to /echo (exactly 1024 bytes; the schemas in bench/servers accept it). */
export function echoPayload(id = 4217): string {
  const items = Array.from({ length: 6 }, (_, i) => ({
    sku: `SKU-${String(i + 1).padStart(4, '0')}`,
    qty: i + 1,
    price: Math.round((i + 1) * 725) / 100,
    note: 'gift wrap, leave at the door',
  }));
  const order = {
    id,
    user: { name: 'Ada Lovelace', email: 'ada@example.com', age: 36, admin: false },
    tags: ['alpha', 'beta', 'gamma', 'delta'],
    items,
    comment: '',
  };
  const pad = 1024 - Buffer.byteLength(JSON.stringify(order));
  order.comment = 'lorem ipsum dolor sit amet '.repeat(40).slice(0, pad);
  const json = JSON.stringify(order);
  if (Buffer.byteLength(json) !== 1024) throw new Error('echo payload is not 1 KiB');
  return json;
}

export const STACK_PATH = '/api/items/42?tag=shallot&limit=10';
export const STACK_BODY = '{"name":"shallot","qty":3}';
const stackAnswer = (id: string, tag: string, limit: string): string =>
  JSON.stringify({ id, tag, limit, name: 'shallot', qty: 3 });

const basicProbes = (): Probe[] => [
  { method: 'GET', path: '/', status: 200, expect: HELLO },
  { method: 'GET', path: '/user/42', status: 200, expect: '{"id":"42"}', json: true },
  { method: 'GET', path: '/json', status: 200, expect: '{"message":"Hello, World!"}', json: true },
  {
    method: 'POST',
    path: '/echo',
    body: '{"a":[1,{"b":"c"}]}',
    status: 200,
    expect: '{"a":[1,{"b":"c"}]}',
    json: true,
  },
];
const basicPipeline = (): Probe[] =>
  Array.from({ length: 16 }, (_, i): Probe =>
    i % 2 === 0
      ? { method: 'GET', path: '/', status: 200, expect: HELLO }
      : { method: 'GET', path: `/user/${i}`, status: 200, expect: `{"id":"${i}"}`, json: true },
  );

const echoProbes = (): Probe[] => {
  const bad = JSON.parse(echoPayload()) as { items: Array<{ qty: unknown }> };
  bad.items[2]!.qty = 'three';
  const extra = JSON.parse(echoPayload()) as Record<string, unknown>;
  extra['unknown'] = true; // both sides strip unknown keys
  return [
    { method: 'GET', path: '/', status: 200, expect: HELLO },
    { method: 'POST', path: '/echo', body: echoPayload(), status: 200, expect: echoPayload(), json: true },
    { method: 'POST', path: '/echo', body: JSON.stringify(extra), status: 200, expect: echoPayload(), json: true },
    // The schema really runs: a wrong type is refused (each side words its 400 its own way).
    { method: 'POST', path: '/echo', body: JSON.stringify(bad), status: 400, expect: '*' },
  ];
};
const echoPipeline = (): Probe[] =>
  Array.from({ length: 16 }, (_, i): Probe => ({
    method: 'POST',
    path: '/echo',
    body: echoPayload(1000 + i),
    status: 200,
    expect: echoPayload(1000 + i),
    json: true,
  }));

const stackProbes = (): Probe[] => [
  { method: 'GET', path: '/', status: 200, expect: HELLO },
  {
    method: 'POST',
    path: STACK_PATH,
    body: STACK_BODY,
    status: 200,
    expect: stackAnswer('42', 'shallot', '10'),
    json: true,
  },
  {
    method: 'POST',
    path: '/api/items/7?tag=a%20b&limit=1',
    body: STACK_BODY,
    status: 200,
    expect: stackAnswer('7', 'a b', '1'),
    json: true,
  },
  { method: 'POST', path: STACK_PATH, body: '{"name":', status: 400, expect: '*' },
];
const stackPipeline = (): Probe[] =>
  Array.from({ length: 16 }, (_, i): Probe => ({
    method: 'POST',
    path: `/api/items/${i}?tag=t${i}&limit=${i}`,
    body: STACK_BODY,
    status: 200,
    expect: stackAnswer(String(i), `t${i}`, String(i)),
    json: true,
  }));

export const UPLOAD_PATH = '/upload';
/** The upload's file: 10 MiB. */
export const UPLOAD_FILE_BYTES = 10 * 1024 * 1024;
const BOUNDARY = '----shallotBenchBoundary7MA4YWxkTrZu0gW';
export const UPLOAD_CTYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/**
 * A `multipart/form-data` body as a browser sends it: one small field (`note`), then one file
 * (`file`, `data.bin`, application/octet-stream) of `fileBytes` pseudo-random bytes (xorshift32,
 * the same every run; random so that the boundary scan sees realistic data, not a run of one byte).
 */
export function multipartBody(fileBytes: number, note = 'bench', seed = 0x5eed): Buffer {
  const file = Buffer.allocUnsafe(fileBytes);
  let x = seed >>> 0 || 1;
  let i = 0;
  for (; i + 4 <= fileBytes; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    file.writeUInt32LE(x >>> 0, i);
  }
  for (; i < fileBytes; i++) file[i] = i & 0xff;
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\n${note}\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="data.bin"\r\n` +
        `Content-Type: application/octet-stream\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}
const uploadAnswer = (size: number, note = 'bench'): string => JSON.stringify({ file: 'data.bin', size, note });

const uploadProbes = (): Probe[] => [
  { method: 'GET', path: '/', status: 200, expect: HELLO },
  {
    method: 'POST',
    path: UPLOAD_PATH,
    body: multipartBody(UPLOAD_FILE_BYTES),
    contentType: UPLOAD_CTYPE,
    status: 200,
    expect: uploadAnswer(UPLOAD_FILE_BYTES),
    json: true,
  },
  {
    method: 'POST',
    path: UPLOAD_PATH,
    body: multipartBody(5, 'tiny'),
    contentType: UPLOAD_CTYPE,
    status: 200,
    expect: uploadAnswer(5, 'tiny'),
    json: true,
  },
];
// Four uploads of different sizes in one write: each answered with its own size, in order.
const uploadPipeline = (): Probe[] =>
  [1, 70_000, 0, 300_001].map((n, i): Probe => ({
    method: 'POST',
    path: UPLOAD_PATH,
    body: multipartBody(n, `n${i}`, i + 1),
    contentType: UPLOAD_CTYPE,
    status: 200,
    expect: uploadAnswer(n, `n${i}`),
    json: true,
  }));

export const WS_PATH = '/echo';
const wsDef = (name: string, file: string, where: Where): ServerDef => ({
  name,
  file,
  where,
  probes: () => [],
  pipeline: () => [],
  check: (port) => wsEchoCheck(port, WS_PATH),
});

// The raw-socket limit answers GET / and GET /user/<anything> only, the latter always with
// {"id":"42"} (it does not parse): its probes and pipelining check stick to those two.
const limitProbes = (): Probe[] => [
  { method: 'GET', path: '/', status: 200, expect: HELLO },
  { method: 'GET', path: '/user/42', status: 200, expect: '{"id":"42"}', json: true },
];
const limitPipeline = (): Probe[] => Array.from({ length: 16 }, (_, i): Probe => limitProbes()[i % 2]!);

const tlsProbes = (): Probe[] => [{ method: 'GET', path: '/', status: 200, expect: HELLO }];

/** The static files (issue 18, target 4), written into the run's folder (STATIC_DIR) by the driver. */
export const STATIC_FILES = {
  small: { name: 'file-64k.txt', bytes: 64 * 1024 },
  large: { name: 'file-10m.txt', bytes: 10 * 1024 * 1024 },
};
export const RANGE = 'bytes=0-65535';
const staticCache = new Map<number, string>();
/**
 * A static file's content: printable ASCII lines from xorshift32 (the same every run), so that curl's
 * output compares as text and no server can compress or special-case it.
 */
export function staticContent(bytes: number): string {
  const hit = staticCache.get(bytes);
  if (hit !== undefined) return hit;
  const b = Buffer.allocUnsafe(bytes);
  let x = 0x5eed;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = i % 64 === 63 ? 10 : 97 + ((x >>> 0) % 26);
  }
  const s = b.toString('latin1');
  staticCache.set(bytes, s);
  return s;
}
const staticProbes = (): Probe[] => [...staticWhole(), staticRange()];
const staticWhole = (): Probe[] => [
  {
    method: 'GET',
    path: `/${STATIC_FILES.small.name}`,
    status: 200,
    expect: staticContent(STATIC_FILES.small.bytes),
  },
  {
    method: 'GET',
    path: `/${STATIC_FILES.large.name}`,
    status: 200,
    expect: staticContent(STATIC_FILES.large.bytes),
  },
];
const staticRange = (): Probe => ({
  method: 'GET',
  path: `/${STATIC_FILES.large.name}`,
  headers: { Range: RANGE },
  status: 206,
  expect: staticContent(STATIC_FILES.large.bytes).slice(0, 65536),
});
const staticPipeline = (): Probe[] => [staticWhole()[0]!, staticRange(), staticWhole()[0]!];
// koa-static (koa-send 5) has no Range support (it answers 200 with the whole file): it is checked
// and measured on whole files only, and has no row in the Range scenario.
const koaStaticPipeline = (): Probe[] => [staticWhole()[0]!, staticWhole()[0]!];

/** In the order they run within a round. */
export const SERVERS: ServerDef[] = [
  { name: 'shallot', file: 'bench/server.mjs', where: 'project', probes: basicProbes, pipeline: basicPipeline },
  { name: 'node-http', file: 'servers/node-http.mjs', where: 'peers', probes: basicProbes, pipeline: basicPipeline },
  { name: 'fastify', file: 'servers/fastify.mjs', where: 'peers', probes: basicProbes, pipeline: basicPipeline },
  { name: 'koa', file: 'servers/koa.mjs', where: 'peers', probes: basicProbes, pipeline: basicPipeline },
  { name: 'hono', file: 'servers/hono.mjs', where: 'peers', probes: basicProbes, pipeline: basicPipeline },
  // Right after the basic servers: the limit shares their part of each round.
  {
    name: 'limit',
    file: 'bench/servers/limit-net.mjs',
    where: 'project',
    probes: limitProbes,
    pipeline: limitPipeline,
  },
  {
    name: 'shallot-echo',
    file: 'bench/servers/shallot-echo.mjs',
    where: 'project',
    probes: echoProbes,
    pipeline: echoPipeline,
  },
  {
    name: 'fastify-echo-schema',
    file: 'servers/fastify-echo-schema.mjs',
    where: 'peers',
    probes: echoProbes,
    pipeline: echoPipeline,
  },
  {
    name: 'shallot-stack',
    file: 'bench/servers/shallot-stack.mjs',
    where: 'project',
    probes: stackProbes,
    pipeline: stackPipeline,
  },
  { name: 'koa-stack', file: 'servers/koa-stack.mjs', where: 'peers', probes: stackProbes, pipeline: stackPipeline },
  {
    name: 'fastify-stack',
    file: 'servers/fastify-stack.mjs',
    where: 'peers',
    probes: stackProbes,
    pipeline: stackPipeline,
  },
  {
    name: 'shallot-upload',
    file: 'bench/servers/shallot-upload.mjs',
    where: 'project',
    probes: uploadProbes,
    pipeline: uploadPipeline,
  },
  {
    name: 'shallot-upload-body',
    file: 'bench/servers/shallot-upload-body.mjs',
    where: 'project',
    probes: uploadProbes,
    pipeline: uploadPipeline,
  },
  {
    name: 'fastify-upload',
    file: 'servers/fastify-upload.mjs',
    where: 'peers',
    probes: uploadProbes,
    pipeline: uploadPipeline,
  },
  wsDef('shallot-ws', 'bench/servers/shallot-ws.mjs', 'project'),
  wsDef('ws-bare', 'servers/ws-bare.mjs', 'peers'),
  wsDef('fastify-websocket', 'servers/fastify-websocket.mjs', 'peers'),
  {
    name: 'shallot-tls',
    file: 'bench/servers/shallot-tls.mjs',
    where: 'project',
    probes: tlsProbes,
    pipeline: tlsProbes,
    tls: true,
  },
  {
    name: 'fastify-tls',
    file: 'servers/fastify-tls.mjs',
    where: 'peers',
    probes: tlsProbes,
    pipeline: tlsProbes,
    tls: true,
  },
  {
    name: 'shallot-static',
    file: 'bench/servers/shallot-static.mjs',
    where: 'project',
    probes: staticProbes,
    pipeline: staticPipeline,
  },
  {
    name: 'fastify-static',
    file: 'servers/fastify-static.mjs',
    where: 'peers',
    probes: staticProbes,
    pipeline: staticPipeline,
  },
  {
    name: 'koa-static',
    file: 'servers/koa-static.mjs',
    where: 'peers',
    probes: staticWhole,
    pipeline: koaStaticPipeline,
  },
];

const BASIC = ['shallot', 'node-http', 'fastify', 'koa', 'hono'];
const STATIC = ['shallot-static', 'fastify-static', 'koa-static'];

export function scenarios(
  pipeline: number,
  conns: number,
  connsHigh: number,
  connsUpload: number,
  wsConns: number,
  connsFileLarge: number,
): ScenarioDef[] {
  const upload = multipartBody(UPLOAD_FILE_BYTES);
  const get = { method: 'GET' as const, body: null, pipelined: false, highConns: false, fastify: 'fastify' };
  return [
    { ...get, id: 'root', label: `GET / (-c${conns})`, path: '/', servers: [...BASIC, 'limit'] },
    { ...get, id: 'user', label: 'GET /user/:id', path: '/user/42', servers: [...BASIC, 'limit'] },
    { ...get, id: 'pipe', label: `GET / pipelined x${pipeline}`, path: '/', pipelined: true, servers: BASIC },
    {
      ...get,
      id: 'echo',
      label: 'POST /echo 1 KiB JSON, validated',
      path: '/echo',
      method: 'POST',
      body: echoPayload(),
      servers: ['shallot-echo', 'fastify-echo-schema'],
      fastify: 'fastify-echo-schema',
    },
    {
      ...get,
      id: 'stack',
      label: 'Koa-style stack (POST)',
      path: STACK_PATH,
      method: 'POST',
      body: STACK_BODY,
      servers: ['shallot-stack', 'koa-stack', 'fastify-stack'],
      fastify: 'fastify-stack',
    },
    {
      ...get,
      id: 'c1000',
      label: `GET / (-c${connsHigh})`,
      path: '/',
      highConns: true,
      servers: ['shallot', 'fastify', 'limit'],
    },
    {
      ...get,
      id: 'upload',
      label: `POST 10 MiB multipart upload to disk (-c${connsUpload})`,
      path: UPLOAD_PATH,
      method: 'POST',
      body: () => upload,
      contentType: UPLOAD_CTYPE,
      bodyBytes: upload.length,
      conns: connsUpload,
      rss: true,
      servers: ['shallot-upload', 'shallot-upload-body', 'fastify-upload'],
      fastify: 'fastify-upload',
    },
    {
      ...get,
      id: 'ws',
      label: `WebSocket echo, 1 KiB binary messages (${wsConns} connections)`,
      path: WS_PATH,
      conns: wsConns,
      via: 'ws',
      wsSize: 1024,
      rss: true,
      servers: ['shallot-ws', 'ws-bare', 'fastify-websocket'],
      fastify: 'fastify-websocket',
    },
    {
      ...get,
      id: 'tls',
      label: `GET / over TLS, keep-alive (-c${conns})`,
      path: '/',
      servers: ['shallot-tls', 'fastify-tls'],
      fastify: 'fastify-tls',
      part: 'tls',
    },
    {
      ...get,
      id: 'file64k',
      label: `GET static file, 64 KiB (-c${conns})`,
      path: `/${STATIC_FILES.small.name}`,
      mbOut: true,
      servers: STATIC,
      fastify: 'fastify-static',
      part: 'files',
    },
    {
      ...get,
      id: 'file10m',
      label: `GET static file, 10 MiB (-c${connsFileLarge})`,
      path: `/${STATIC_FILES.large.name}`,
      conns: connsFileLarge,
      mbOut: true,
      servers: STATIC,
      fastify: 'fastify-static',
      part: 'files',
    },
    {
      ...get,
      id: 'range',
      label: `GET 10 MiB file, Range: ${RANGE} (-c${conns})`,
      path: `/${STATIC_FILES.large.name}`,
      headers: { Range: RANGE },
      mbOut: true,
      servers: ['shallot-static', 'fastify-static'],
      fastify: 'fastify-static',
      part: 'files',
    },
  ];
}
