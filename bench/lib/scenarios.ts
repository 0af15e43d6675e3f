/**
 * What `npm run bench` measures: the servers, the scenarios of issue 8 and the checks each server
 * must pass first. The driver (bench/run.ts) only walks these tables.
 */
import type { Probe } from './checks.js';

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
  pipeline: () => Probe[];
}

export type ScenarioId = 'root' | 'user' | 'pipe' | 'echo' | 'stack' | 'c1000';

export interface ScenarioDef {
  id: ScenarioId;
  label: string;
  path: string;
  method: 'GET' | 'POST';
  /** Request body (POST), written to a file for wrk. */
  body: string | null;
  pipelined: boolean;
  /** Uses CONNS_HIGH instead of CONNS. */
  highConns: boolean;
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

/** In the order they run within a round. */
export const SERVERS: ServerDef[] = [
  { name: 'shallot', file: 'bench/server.mjs', where: 'project', probes: basicProbes, pipeline: basicPipeline },
  { name: 'node-http', file: 'servers/node-http.mjs', where: 'peers', probes: basicProbes, pipeline: basicPipeline },
  { name: 'fastify', file: 'servers/fastify.mjs', where: 'peers', probes: basicProbes, pipeline: basicPipeline },
  { name: 'koa', file: 'servers/koa.mjs', where: 'peers', probes: basicProbes, pipeline: basicPipeline },
  { name: 'hono', file: 'servers/hono.mjs', where: 'peers', probes: basicProbes, pipeline: basicPipeline },
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
];

const BASIC = ['shallot', 'node-http', 'fastify', 'koa', 'hono'];

export function scenarios(pipeline: number, conns: number, connsHigh: number): ScenarioDef[] {
  const get = { method: 'GET' as const, body: null, pipelined: false, highConns: false, fastify: 'fastify' };
  return [
    { ...get, id: 'root', label: `GET / (-c${conns})`, path: '/', servers: BASIC },
    { ...get, id: 'user', label: 'GET /user/:id', path: '/user/42', servers: BASIC },
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
      servers: ['shallot', 'fastify'],
    },
  ];
}
