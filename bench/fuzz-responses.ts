/**
 * Response-side fuzzer: `npm run fuzz -- --responses [count] [--seed N] [--iteration I]` (the
 * arguments are read by `bench/fuzz.ts`). Default 2,000 iterations.
 *
 * Each iteration draws, from its own PRNG (seeded from the run's seed and the iteration's index, so
 * any one iteration replays alone with `--iteration I`), an app and a pipeline:
 *
 * - the app: one handler that looks its action up by path (`/a/<k>`), sometimes behind a
 *   middleware that catches errors, one that sets a header after `next()`, or one that yields
 *   first; sometimes small engine limits (pipelining depth, body high-water mark, requests per
 *   socket);
 * - each action: read the body or not, set odd headers with `ctx.set` (framing, connection,
 *   upgrade, te, trailer), set a status before or after the body (204, 205, 304, 1xx — invalid as
 *   a final status —, 4xx/5xx, up to 999), set a body (string, Buffer, JSON, cyclic JSON, empty,
 *   null, none, a Node Readable / async generator / web ReadableStream of random chunks, with
 *   `ctx.length` right, too small or too large, failing mid-way or before its first chunk), write
 *   through `ctx.res`, poison `ctx.response.headers` directly with a value that is not a field value
 *   (`a\u010db` would go out as `a\rb`), throw an HttpError, a plain Error or a string;
 * - the pipeline: 1–6 requests, HTTP/1.0 and 1.1, GET/HEAD/POST/PUT/OPTIONS, bodies with
 *   Content-Length or chunked, sometimes `Expect: 100-continue`, `Connection: close`, an Upgrade,
 *   no Host, a malformed request in the middle (known-bad bytes or a mutation), a truncated last one.
 *
 * The bytes go through `app.inject()`; the requests and every byte written are read back by the
 * {@link ResponseOracle} (llhttp), and each violation is a finding. So are: a status other than
 * the one the action determines (an invalid final status, a poisoned header or a failed
 * serialisation must become 500; a thrown error its status), the poisoned header on the wire, fewer
 * responses than the requests that had to be answered, a response cut short where nothing could
 * fail, an unhandled rejection or uncaught exception, and an inject() that does not resolve.
 */
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import type { App } from '../src/index.js';
import { Engine } from '../src/engine/engine.js';
import { HTTPParser, ResponseOracle } from '../test/helpers/response-oracle.js';
import { tapWrites } from '../test/helpers/socket-tap.js';
import {
  Gen,
  POISON_NAME,
  buildApp,
  genAction,
  genApp,
  genPipeline,
  tick,
  type Action,
  type AppSpec,
} from './fuzz-responses-app.js';
import { prng } from '../test/parser/corpus-helpers.js';

/** What a run is asked for. */
export interface ResponseFuzzOptions {
  count: number;
  seed: number;
  /** Replay this iteration alone, printing what it sent and received. */
  iteration: number | null;
}

/** An inject() that has not resolved after this long is reported as a hang. */
const HANG_MS = 2000;
/** What the engine wrote in the current iteration (see {@link recordWrites}). */
let written: Buffer[] = [];

/**
 * Records every byte the engine writes, whatever becomes of inject(): taken at the socket the
 * engine is given, as the test suite's oracle does, so a hang can show what was written before it.
 */
function recordWrites(): void {
  const accept = Engine.prototype.accept;
  Engine.prototype.accept = function (this: Engine, socket: Socket) {
    // The iteration's own list: a connection left hanging cannot write into the next one's.
    const sink = written;
    tapWrites(socket, (bytes) => sink.push(Buffer.from(bytes)));
    return accept.call(this, socket);
  };
}

/**
 * The final statuses in `raw`, read by llhttp (a response to HEAD without content), up to where it
 * stops parsing; `cut` when the output ends inside a response. Framing faults are the oracle's to
 * report: this only tells which request got which status.
 */
function readStatuses(raw: Buffer, methods: readonly string[]): { finals: number[]; cutAt: number | null } {
  const p = new HTTPParser();
  p.initialize(HTTPParser.RESPONSE, {}, 0, 0);
  const finals: number[] = [];
  let inMessage = false;
  let inFinal = false;
  p[HTTPParser.kOnMessageBegin] = () => {
    inMessage = true;
    inFinal = false;
  };
  p[HTTPParser.kOnHeaders] = () => {};
  p[HTTPParser.kOnHeadersComplete] = (
    _maj: number,
    _min: number,
    _h: unknown,
    _m: number,
    _u: string,
    status: number,
  ) => {
    if (status < 200) return 0;
    finals.push(status);
    inFinal = true;
    return methods[finals.length - 1] === 'HEAD' ? 1 : 0;
  };
  p[HTTPParser.kOnBody] = () => {};
  p[HTTPParser.kOnMessageComplete] = () => (inMessage = false);
  if (p.execute(raw) instanceof Error) return { finals, cutAt: null };
  const f = p.finish();
  // The index of the request whose response the output ends inside (its head may be cut too).
  return { finals, cutAt: f instanceof Error || inMessage ? (inFinal ? finals.length - 1 : finals.length) : null };
}

const bodiless = (s: number): boolean => s < 200 || s === 204 || s === 304;

/** Whether the response to `a` may be cut short (a failing stream, a length that is not the body's). */
function mayCut(a: Action): boolean {
  const b = a.body;
  // A length the app declares for a stream is held to; for other bodies the engine counts its own.
  const declared = a.headers.some(([n]) => n === 'content-length');
  if (b.kind === 'stream')
    return declared || b.stream.fail !== 'none' || b.stream.length === 'small' || b.stream.length === 'large';
  if (b.kind === 'raw') return declared || b.throwAfterWrite || b.length === 'small' || b.length === 'large';
  return false;
}

/** The final status `a` must be answered with, or null when it is not determined (with the reason). */
function expectedStatus(a: Action, spec: AppSpec): { status: number; why: string } | null {
  const t = a.throws;
  if (a.body.kind === 'raw' || mayCut(a)) return null;
  if (t !== null && (spec.catcher === null || a.poison === null)) {
    if (spec.catcher !== null) return { status: spec.catcher, why: 'an error caught by a middleware' };
    const valid = t.kind !== 'plain' && t.kind !== 'string';
    return { status: valid ? t.status : 500, why: `a thrown ${t.kind}` };
  }
  if (a.poison !== null) return { status: 500, why: `a poisoned header (${a.poison})` };
  const b = a.body;
  const before = a.statusBefore;
  // Koa 3: `body = null` is a 204, unless the response is JSON (then it is the JSON value null).
  const json = a.headers.findLast(([n]) => n === 'content-type')?.[1] === 'application/json';
  const onNull = before !== null && bodiless(before) ? before : json ? (before ?? 200) : 204;
  let s = b.kind === 'none' ? (before ?? 404) : b.kind === 'null' ? onNull : (before ?? 200);
  if (a.statusAfter !== null) s = a.statusAfter;
  if (s < 200) return { status: 500, why: `final status ${s}` };
  if (b.kind === 'json' && b.cyclic && !bodiless(s)) return { status: 500, why: 'a body that does not serialise' };
  if (b.kind === 'stream' && b.stream.fail !== 'none') return null;
  return { status: s, why: 'the body rules' };
}

/** A byte string for a report: escapes for control and non-ASCII bytes, long runs folded. */
function show(b: Buffer, max = 1500): string {
  const s = b.toString('latin1').replace(/(.)\1{15,}/gs, (run, c: string) => `${c}{×${run.length}}`);
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}

interface Finding {
  count: number;
  first: number;
  smallest: number;
  size: number;
  detail: string;
  iterations: number[];
}

/** Runs the response fuzzer; resolves with the exit code. */
export async function fuzzResponses(opts: ResponseFuzzOptions): Promise<number> {
  const findings = new Map<string, Finding>();
  let current = -1;
  let currentSize = 0;
  const found = (kind: string, detail: string, iteration = current, size = currentSize): void => {
    const f = findings.get(kind);
    if (f === undefined)
      findings.set(kind, { count: 1, first: iteration, smallest: iteration, size, detail, iterations: [iteration] });
    else {
      f.count++;
      if (f.iterations.length < 20) f.iterations.push(iteration);
      if (size < f.size) Object.assign(f, { smallest: iteration, size, detail });
    }
  };
  recordWrites();
  process.on('unhandledRejection', (err) =>
    found(`unhandled rejection: ${String((err as Error)?.message ?? err)}`, String((err as Error)?.stack ?? err)),
  );
  process.on('uncaughtException', (err) => found(`uncaught exception: ${err.message}`, String(err.stack)));

  const statuses = new Map<number, number>();
  const totals = { requests: 0, malformed: 0, truncated: 0, bytesOut: 0, owed: 0, statusChecks: 0 };
  const first = opts.iteration ?? 0;
  const end = opts.iteration === null ? opts.count : opts.iteration + 1;
  const started = performance.now();
  for (let i = first; i < end; i++) {
    const g = new Gen(prng((Math.imul(opts.seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0));
    const spec = genApp(g);
    const actions = Array.from({ length: 1 + g.int(6) }, () => genAction(g));
    const reqs = genPipeline(g, actions.length);
    const input = Buffer.concat(reqs.map((r) => r.bytes));
    current = i;
    currentSize = input.length;
    totals.requests += reqs.length;
    totals.malformed += reqs.filter((r) => !r.wellFormed && !r.truncated).length;
    totals.truncated += reqs.filter((r) => r.truncated).length;

    if (opts.iteration !== null) {
      console.log(`iteration ${i}: app ${JSON.stringify(spec)}`);
      for (const [k, a] of actions.entries()) console.log(`  action ${k}: ${JSON.stringify(a)}`);
      console.log(`  requests: ${show(input, 1e6)}`);
    }
    written = [];
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), HANG_MS)));
    let result: Awaited<ReturnType<App['inject']>> | null;
    try {
      result = await Promise.race([buildApp(spec, actions).inject(input), hang]);
    } catch (err) {
      found(`inject() rejected: ${(err as Error).message}`, String((err as Error).stack));
      continue;
    } finally {
      clearTimeout(timer);
    }
    if (result === null) {
      found(
        `inject() did not resolve within ${HANG_MS} ms`,
        `requests: ${show(input)}\n    written so far: ${show(Buffer.concat(written))}`,
      );
      continue;
    }
    const raw = result.raw;
    totals.bytesOut += raw.length;
    const oracle = new ResponseOracle(`iteration ${i}`);
    oracle.input(input);
    oracle.output(raw);
    oracle.end();
    const io = `requests: ${show(input)}\n    responses: ${show(raw)}`;
    for (const v of oracle.violations)
      found(
        `oracle: ${v
          .replace(/^iteration \d+: /, '')
          .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
          .replace(/\d+/g, 'N')}`,
        `${v}\n    ${io}`,
      );

    if (raw.includes(POISON_NAME)) found('a poisoned header reached the wire', io);
    // Responses are matched to requests only up to the first malformed one: a mutated request may
    // still parse, as one request or as two.
    const clean = reqs.findIndex((r) => !r.wellFormed && !r.truncated);
    const matched = clean === -1 ? reqs.length : clean;
    const { finals, cutAt } = readStatuses(
      raw,
      reqs.map((r) => r.method),
    );
    for (const f of finals) statuses.set(f, (statuses.get(f) ?? 0) + 1);

    // The requests that must be answered: every well-formed one up to the first that ends the
    // connection (that one too), or before one whose response may be cut short.
    let owed = 0;
    for (const [j, r] of reqs.entries()) {
      const a = r.action === null ? null : actions[r.action]!;
      if (!r.wellFormed || (a !== null && mayCut(a))) break;
      owed++;
      const limit = spec.options.maxRequestsPerSocket;
      if (r.endsConnection || (limit !== undefined && j + 1 >= limit)) break;
      if (a !== null && (a.headers.some(([n]) => n === 'connection') || a.throws !== null || a.poison !== null)) break;
      // Content of unknown length to HTTP/1.0 is delimited by closing the connection.
      if (a !== null && r.http10 && (a.body.kind === 'stream' || a.body.kind === 'raw')) break;
      // Answered before its body was read, a request that waited for 100 Continue may end the
      // connection: the server cannot tell whether the body will follow (RFC 9110 §10.1.1).
      if (a !== null && r.expectContinue && a.read !== 'all') break;
    }
    totals.owed += owed;
    if (finals.length < owed)
      found('fewer responses than requests that had to be answered', `${finals.length} of ${owed}\n    ${io}`);
    for (const [j, f] of finals.slice(0, matched).entries()) {
      const r = reqs[j]!;
      if (!r.wellFormed || r.action === null || r.refused) continue;
      const want = expectedStatus(actions[r.action]!, spec);
      if (want !== null) totals.statusChecks++;
      if (want !== null && want.status !== f) {
        found(
          `answered ${f} where ${want.why} requires ${want.status}`,
          `request ${j + 1}: ${JSON.stringify(actions[r.action])}\n    ${io}`,
        );
      }
    }
    if (cutAt !== null && cutAt < matched && oracle.violations.length === 0) {
      const r = reqs[cutAt]!;
      const a = r.action === null ? null : actions[r.action]!;
      if (r.wellFormed && a !== null && !mayCut(a)) {
        found('a response cut short where nothing could fail', `request ${cutAt + 1}: ${JSON.stringify(a)}\n    ${io}`);
      }
    }
    if (opts.iteration !== null) {
      console.log(
        `  responses: ${show(raw, 1e6)}\n  oracle: ${oracle.violations.length === 0 ? 'no violations' : oracle.violations.join('; ')}`,
      );
    }
    if ((i + 1) % 500 === 0 && opts.iteration === null) process.stderr.write(`  ${i + 1} iterations…\n`);
  }
  // Let a stream or timer of the last iteration report an unhandled failure before the tally.
  await tick();
  const seconds = (performance.now() - started) / 1000;
  const iterations = end - first;
  const replay = (it: number): string => `npm run fuzz -- --responses --seed ${opts.seed} --iteration ${it}`;
  const lines = [
    `response fuzz: ${iterations} iterations, seed ${opts.seed}, ${totals.requests} requests (${totals.malformed} malformed, ${totals.truncated} truncated), ` +
      `${(totals.bytesOut / 1e6).toFixed(1)} MB written, ${seconds.toFixed(1)} s`,
    `checked: ${totals.owed} responses owed, ${totals.statusChecks} statuses the action determines (an invalid or poisoned response must be a 500)`,
    'final statuses seen:',
    `  ${[...statuses]
      .sort((x, y) => x[0] - y[0])
      .map(([s, n]) => `${s} ×${n}`)
      .join(', ')}`,
    findings.size === 0 ? 'findings: none' : 'findings:',
    ...[...findings].map(
      ([k, f]) =>
        `  ${k}: ${f.count} (iterations ${f.iterations.join(', ')}${f.count > f.iterations.length ? ', …' : ''})\n    first: iteration ${f.first} (${replay(f.first)})\n    smallest: iteration ${f.smallest}, ${f.size} request bytes (${replay(f.smallest)})\n    ${f.detail.slice(0, 3000)}`,
    ),
  ];
  console.log(lines.join('\n'));
  return findings.size === 0 ? 0 : 1;
}
