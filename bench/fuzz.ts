/**
 * Parser fuzzer: `npm run fuzz` (1,000,000 inputs) or `npm run fuzz -- 2000000 [--seed 42]`.
 *
 * Inputs, drawn from one seeded PRNG so every run can be replayed: valid pipelines from a small
 * generator (which must parse to their model), mutations of those and of the llhttp corpus
 * (flip, insert, delete, duplicate, truncate, splice in grammar fragments), and noise behind a
 * plausible prefix. Each input is parsed whole and at random cuts, at the default limits and at
 * small ones, and must keep the invariants of `test/parser/properties.test.ts`:
 *
 * - nothing but ParseError is thrown; no endless event loop; the event order holds; a failed
 *   parser stays failed (all checked inside `drive`);
 * - every pushed byte is consumed unless the input is rejected;
 * - cutting the input anywhere changes nothing (messages, upgrade bytes, error code and offset);
 * - at small limits, no run goes longer without an event, or reports an error further past its
 *   last event, than the limits allow (the parser never holds more than a limit's worth).
 *
 * Prints a report: inputs, accepted, rejected by code, invariant violations with the smallest
 * example of each, slowest input, throughput. Exits 1 when an invariant is violated.
 *
 * `npm run fuzz -- --responses [count] [--seed N] [--iteration I]` fuzzes the response side
 * instead (random apps and pipelines through `app.inject()`, read back by llhttp; 2,000 iterations
 * by default): see `bench/fuzz-responses.ts`.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { KNOWN_METHODS } from '../src/parser/methods.js';
import type { ParserOptions } from '../src/parser/parser.js';
import {
  CORPUS_PATH,
  type Outcome,
  drive,
  loadCorpus,
  observable,
  prng,
  randomSplit,
} from '../test/parser/corpus-helpers.js';

const args = process.argv.slice(2);
const RESPONSES = args.includes('--responses');
const valueOf = (flag: string): number | null => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : null);
const SEED = valueOf('--seed') ?? 0x5eed;
const ITERATION = valueOf('--iteration');
const COUNT = Number(
  args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--seed' && args[i - 1] !== '--iteration') ??
    (RESPONSES ? 2000 : 1_000_000),
);

const rand = prng(SEED);
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const chance = (p: number): boolean => rand() < p;
const str = (alphabet: string, min: number, max: number): string => {
  let s = '';
  for (let n = min + int(max - min + 1); n > 0; n--) s += alphabet[int(alphabet.length)];
  return s;
};

const TCHAR = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&'*+-.^_`|~";
const VCHAR = Array.from({ length: 94 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
const VALUE = `${VCHAR}\x80\xa0\xff`;
const OWS = ['', '', ' ', '\t', '  ', ' \t '];
const METHODS = KNOWN_METHODS.filter((m) => m !== 'CONNECT');
const NAMES = ['Host', 'Accept', 'User-Agent', 'Cookie', 'Expect', 'X-Id', 'Via'];
const FRAGMENTS = [
  '\r\n',
  '\r',
  '\n',
  ' ',
  '\t',
  ':',
  ';',
  '=',
  '"',
  '\\',
  ',',
  '0',
  'f',
  '\x00',
  '\xff',
  'chunked',
  'close',
  'HTTP/1.1',
  'Content-Length: 5\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Connection: close\r\n',
  'Connection: upgrade\r\nUpgrade: x\r\n',
  '\r\n\r\n',
  '0\r\n\r\n',
  '5\r\nhello\r\n',
  'GET / HTTP/1.1\r\n',
  ' '.repeat(40),
  'a'.repeat(100),
  '\r\n'.repeat(50),
  // Long runs reach the small limits in every state (request line, OWS, values, extensions, trailers).
  `X:${' '.repeat(300)}v\r\n`,
  `X: ${'v'.repeat(300)}\r\n`,
  `1;${'e'.repeat(100)}\r\nx\r\n`,
  '\t'.repeat(200),
  '0'.repeat(20),
];

const value = (): string =>
  chance(0.1) ? '' : str(VCHAR, 1, 1) + (chance(0.5) ? str(`${VALUE} \t`, 0, 16) + str(VALUE, 1, 1) : '');
/** qdtext and quoted-pairs (RFC 9110 §5.6.4), without the surrounding quotes. */
const quotedText = (): string =>
  Array.from({ length: int(5) }, () =>
    chance(0.3) ? `\\${pick(['"', '\\', 'a', '\t'])}` : pick(['a', ' ', '!', '\xff']),
  ).join('');
const field = (name: string, v: string): string => `${name}:${pick(OWS)}${v}${pick(OWS)}\r\n`;

/** A valid pipeline and what parsing it must show. */
function validPipeline(): { raw: string; bodies: string[]; upgradeTail: string | null } {
  let raw = '';
  const bodies: string[] = [];
  let upgradeTail: string | null = null;
  for (let n = 1 + int(3); n > 0; n--) {
    const http10 = chance(0.2);
    let head = `${'\r\n'.repeat(chance(0.1) ? 1 : 0)}${pick(METHODS)} /${str(VCHAR, 0, 20)} HTTP/1.${http10 ? 0 : 1}\r\n`;
    for (let f = int(5); f > 0; f--)
      head += field(
        chance(0.5)
          ? pick(NAMES)
          : str(TCHAR, 1, 10).replace(/^(content-length|transfer-encoding|connection|upgrade)$/i, 'X'),
        value(),
      );
    if (http10) head += 'Connection: keep-alive\r\n';
    const last = n === 1;
    if (last && chance(0.1)) {
      head += 'Connection: upgrade\r\nUpgrade: websocket\r\n';
      upgradeTail = str(`${VALUE}\r\n`, 0, 30);
    }
    let body = '';
    let payload = '';
    if (!http10 && chance(0.4)) {
      head += 'Transfer-Encoding: chunked\r\n';
      for (let c = int(4); c > 0; c--) {
        const data = str(`${VALUE}\r\n`, 1, 30);
        const ext = chance(0.2) ? `;${str(TCHAR, 1, 5)}${chance(0.5) ? `="${quotedText()}"` : ''}` : '';
        payload += `${'0'.repeat(int(3))}${data.length.toString(16)}${ext}\r\n${data}\r\n`;
        body += data;
      }
      payload += `0\r\n${chance(0.3) ? field(str(TCHAR, 1, 8), value()) : ''}\r\n`;
    } else if (chance(0.5)) {
      body = payload = str(`${VALUE}\r\n`, 0, 60);
      head += field('Content-Length', String(body.length));
    }
    raw += `${head}\r\n${payload}`;
    bodies.push(body);
    if (upgradeTail !== null) raw += upgradeTail;
  }
  return { raw, bodies, upgradeTail };
}

function mutate(input: Buffer): Buffer {
  let b = input;
  for (let m = 1 + int(4); m > 0; m--) {
    const at = int(b.length + 1);
    switch (int(6)) {
      case 0:
        if (at < b.length) (b = Buffer.from(b))[at] = int(256);
        break;
      case 1:
        b = Buffer.concat([b.subarray(0, at), Buffer.from([int(256)]), b.subarray(at)]);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(8))]);
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, at + 1 + int(16)), b.subarray(at)]);
        break;
      case 4:
        b = b.subarray(0, at);
        break;
      default:
        b = Buffer.concat([b.subarray(0, at), Buffer.from(pick(FRAGMENTS), 'latin1'), b.subarray(at)]);
    }
  }
  return b;
}

const SMALL: ParserOptions = {
  maxRequestLineBytes: 64,
  maxHeaderBytes: 128,
  maxHeaderCount: 8,
  maxChunkExtensionBytes: 32,
  maxTrailerBytes: 64,
  maxTrailerCount: 4,
};
/** As in properties.test.ts: request line + header block, or chunk CRLF + size line + trailers. */
const SILENT_BOUND = Math.max(64 + 128, 2 + 16 + 32 + 2 + 64);

const corpus = existsSync(CORPUS_PATH) ? loadCorpus().map((c) => Buffer.from(c.rawBase64, 'base64')) : [];
/** An input as a readable string: escapes for control and non-ASCII bytes, long runs folded as {c×n}. */
function show(b: Buffer): string {
  const esc = (c: number): string =>
    c === 0x0d
      ? '\\r'
      : c === 0x0a
        ? '\\n'
        : c === 0x09
          ? '\\t'
          : c === 0x22 || c === 0x5c
            ? `\\${String.fromCharCode(c)}`
            : c < 0x20 || c > 0x7e
              ? `\\x${c.toString(16).padStart(2, '0')}`
              : String.fromCharCode(c);
  let out = '';
  for (let i = 0; i < b.length;) {
    let j = i;
    while (j < b.length && b[j] === b[i]) j++;
    out += j - i >= 8 ? `{${esc(b[i]!)}×${j - i}}` : esc(b[i]!).repeat(j - i);
    i = j;
  }
  return `"${out}"`;
}

const codes = new Map<string, number>();
const smallCodes = new Map<string, number>();
const count = (m: Map<string, number>, k: string): void => {
  m.set(k, (m.get(k) ?? 0) + 1);
};
let incomplete = 0;
const violations = new Map<string, { count: number; example: string; size: number }>();
let accepted = 0;
let bytes = 0;
let slowest = { ms: 0, size: 0 };

/** The gist of an outcome for a report line. */
function describe(o: Outcome): string {
  const end =
    o.error === null
      ? o.upgrade === null
        ? 'ok'
        : `upgrade ${o.upgrade.length} bytes`
      : `${o.error.code}@${o.error.offset}`;
  return `${o.messages.length} messages, ${end}`;
}

function violation(kind: string, input: Buffer, detail: string): void {
  const v = violations.get(kind);
  if (v === undefined) violations.set(kind, { count: 1, example: `${show(input)} ${detail}`, size: input.length });
  else {
    v.count++;
    if (input.length < v.size) Object.assign(v, { example: `${show(input)} ${detail}`, size: input.length });
  }
}

function run(pieces: Buffer[], options: ParserOptions | undefined, input: Buffer, group = 1): Outcome | null {
  try {
    return drive(pieces, options, { finish: true, group });
  } catch (err) {
    violation(`crash: ${(err as Error).message}`, input, `cuts ${pieces.map((p) => p.length).join(',')}`);
    return null;
  }
}

function check(input: Buffer, expectBodies: string[] | null, upgradeTail: string | null): void {
  const whole = run([input], undefined, input);
  const cuts = chance(0.05) ? Array.from(input, (_, i) => input.subarray(i, i + 1)) : randomSplit(input, rand, 12);
  const group = 1 + int(3); // pieces pushed per read, so bytes also wait in the parser's queue
  const split = run(cuts, undefined, input, group);
  const smallWhole = run([input], SMALL, input);
  const smallCuts = randomSplit(input, rand, 12);
  const smallSplit = run(smallCuts, SMALL, input, group);
  if (whole === null || split === null || smallWhole === null || smallSplit === null) return;
  const a = JSON.stringify(observable(whole));
  const b = JSON.stringify(observable(split));
  if (a !== b)
    violation(
      'cut-dependent result (default limits)',
      input,
      `cuts ${cuts.map((p) => p.length).join(',')} (${group} per read): ${describe(split)} vs whole ${describe(whole)}`,
    );
  const sa = JSON.stringify(observable(smallWhole));
  const sb = JSON.stringify(observable(smallSplit));
  if (sa !== sb)
    violation(
      'cut-dependent result (small limits)',
      input,
      `cuts ${smallCuts.map((p) => p.length).join(',')} (${group} per read): ${describe(smallSplit)} vs whole ${describe(smallWhole)}`,
    );
  for (const o of [whole, split, smallWhole, smallSplit]) {
    if (o.error === null && o.consumed !== o.pushed)
      violation('bytes left unconsumed', input, `${o.consumed}/${o.pushed}`);
  }
  for (const o of [smallWhole, smallSplit]) {
    if (o.maxSilentBytes > SILENT_BOUND)
      violation('held more than the limits allow', input, `${o.maxSilentBytes} > ${SILENT_BOUND}`);
    if (o.silentBytesBeforeError > SILENT_BOUND) {
      violation(
        'error reported past the limit',
        input,
        `${o.error!.code} ${o.silentBytesBeforeError} bytes after the last event > ${SILENT_BOUND}`,
      );
    }
  }
  if (expectBodies !== null) {
    const got = whole.messages.map((m) => m.body);
    const tailOk = upgradeTail === null ? whole.upgrade === null : whole.upgrade?.toString('latin1') === upgradeTail;
    if (whole.error !== null || JSON.stringify(got) !== JSON.stringify(expectBodies) || !tailOk) {
      violation(
        'valid input not parsed to its model',
        input,
        whole.error?.message ?? `${JSON.stringify(got)} vs ${JSON.stringify(expectBodies)}`,
      );
    }
  }
  if (whole.error === null) {
    accepted++;
    if (whole.finishError !== null) incomplete++;
  } else count(codes, whole.error.code);
  if (smallWhole.error !== null) count(smallCodes, smallWhole.error.code);
}

/** Runs COUNT parser inputs and prints the report; returns the exit code. */
function fuzzParser(): number {
  const times = new Float64Array(COUNT);
  const started = performance.now();
  for (let i = 0; i < COUNT; i++) {
    const kind = rand();
    let input: Buffer;
    let model: ReturnType<typeof validPipeline> | null = null;
    if (kind < 0.25) {
      model = validPipeline();
      input = Buffer.from(model.raw, 'latin1');
    } else if (kind < 0.8) {
      const seed = corpus.length > 0 && chance(0.3) ? pick(corpus) : Buffer.from(validPipeline().raw, 'latin1');
      input = mutate(seed);
    } else {
      const prefix = pick([
        '',
        'GET / HTTP/1.1\r\n',
        'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n',
        'PUT / HTTP/1.1\r\nContent-Length: 4\r\n\r\n',
      ]);
      input = Buffer.concat([
        Buffer.from(prefix, 'latin1'),
        Buffer.from(str(`${VALUE}\r\n\t :;"\\0\x00`, 0, 200), 'latin1'),
      ]);
    }
    const t0 = performance.now();
    check(input, model?.bodies ?? null, model?.upgradeTail ?? null);
    const ms = performance.now() - t0;
    times[i] = ms;
    if (ms > slowest.ms) slowest = { ms, size: input.length };
    bytes += input.length;
    if ((i + 1) % 250_000 === 0) process.stderr.write(`  ${i + 1} inputs…\n`);
  }
  const seconds = (performance.now() - started) / 1000;
  const sorted = times.sort();
  const pct = (q: number): string => sorted[Math.min(COUNT - 1, Math.floor(q * COUNT))]!.toFixed(3);
  const byCount = (m: Map<string, number>): string[] =>
    [...m].sort((x, y) => y[1] - x[1]).map(([c, n]) => `  ${c.padEnd(32)} ${n}`);

  const lines = [
    `parser fuzz: ${COUNT} inputs, seed ${SEED}, ${(bytes / 1e6).toFixed(1)} MB, ${corpus.length} corpus seeds`,
    'each input parsed 4 times: whole and cut, at default and small limits',
    `accepted: ${accepted} (${((100 * accepted) / COUNT).toFixed(1)}%; ${incomplete} of them end mid-message, where finish() throws), rejected: ${COUNT - accepted}`,
    'rejected by code (whole input, default limits):',
    ...byCount(codes),
    'rejected by limit codes at the small limits (whole input):',
    ...byCount(new Map([...smallCodes].filter(([c]) => /OVERFLOW|TOO_LONG/.test(c)))),
    `time per input (all 4 parses): median ${pct(0.5)} ms, p99.9 ${pct(0.999)} ms, max ${slowest.ms.toFixed(2)} ms (${slowest.size} bytes; includes GC pauses)`,
    `throughput: ${Math.round(COUNT / seconds)} inputs/s, ${((4 * bytes) / 1e6 / seconds).toFixed(1)} MB/s parsed, ${seconds.toFixed(1)} s total`,
    violations.size === 0 ? 'invariant violations: none' : 'invariant violations:',
    ...[...violations].map(([k, v]) => `  ${k}: ${v.count}\n    smallest: ${v.example.slice(0, 600)}`),
  ];
  console.log(lines.join('\n'));
  return violations.size === 0 ? 0 : 1;
}

if (RESPONSES) {
  void import('./fuzz-responses.js')
    .then(({ fuzzResponses }) => fuzzResponses({ count: COUNT, seed: SEED, iteration: ITERATION }))
    .then((code) => {
      process.exitCode = code;
    });
} else {
  process.exitCode = fuzzParser();
}
