/**
 * Parser benchmark (issue 3): our RequestParser against Node's built-in llhttp and http-parser-js,
 * on four request shapes, in messages/s and MB/s (10^6 input bytes per second).
 *
 * Run: `npm run bench:parser` (add `-- --runs 5` for more sweeps). Each parser × case pair is
 * measured in its own child process, so the timing loop stays monomorphic and no parser pays for
 * another's JIT state; sweeps interleave the pairs so background load hits all of them alike.
 * Profile one pair in-process with `node --import tsx --cpu-prof bench/parser.ts shallot browser`.
 *
 * Each pair is timed by the wall clock (performance.now()) and, beside it, by the process's CPU time:
 * the machine these numbers come from is shared, and a round that loses the CPU to another process
 * is slower by the clock but not in CPU time, so the CPU-time figures are the steadier comparison.
 *
 * Fairness: every parser reuses one instance across iterations, as a server connection does, and
 * every parser's consumer touches what it produced (method, target, header count, body length).
 * Each round asserts that every message was parsed, so errors can never pass for speed.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { HTTPParser as HttpParserJs, methods as httpParserJsMethods } from 'http-parser-js';
import { RequestParser } from '../src/parser/parser.js';

// ---------------------------------------------------------------------------------------------
// Cases

interface Message {
  readonly method: string;
  readonly target: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Chunk sizes of a chunked body; empty for no body. */
  readonly chunks?: readonly number[];
}

interface Case {
  readonly title: string;
  readonly messages: readonly Message[];
}

const SMALL_GET: Message = {
  method: 'GET',
  target: '/api/users/1347?fields=name,email',
  headers: [
    ['Host', 'api.example.com'],
    ['User-Agent', 'curl/8.5.0'],
    ['Accept', '*/*'],
  ],
};

// Chrome 124 navigating to a page: the 16 fields it sends, in its order and case.
const BROWSER_GET: Message = {
  method: 'GET',
  target: '/products/shallot-knife?ref=home&utm_source=newsletter',
  headers: [
    ['Host', 'www.example.com'],
    ['Connection', 'keep-alive'],
    ['sec-ch-ua', '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"'],
    ['sec-ch-ua-mobile', '?0'],
    ['sec-ch-ua-platform', '"Windows"'],
    ['Upgrade-Insecure-Requests', '1'],
    [
      'User-Agent',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    ],
    [
      'Accept',
      'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
    ],
    ['Sec-Fetch-Site', 'same-origin'],
    ['Sec-Fetch-Mode', 'navigate'],
    ['Sec-Fetch-User', '?1'],
    ['Sec-Fetch-Dest', 'document'],
    ['Referer', 'https://www.example.com/'],
    ['Accept-Encoding', 'gzip, deflate, br, zstd'],
    ['Accept-Language', 'en-GB,en-US;q=0.9,en;q=0.8'],
    ['Cookie', '_ga=GA1.1.1234567890.1716200000; session=eyJ1aWQiOjEzNDd9.ZkqL9w.Xb3k; theme=dark'],
  ],
};

const PIPELINED: Message[] = Array.from({ length: 16 }, (_, i) => ({
  ...SMALL_GET,
  target: `/api/users/${1300 + i}?fields=name,email`,
}));

const CHUNKED_POST: Message = {
  method: 'POST',
  target: '/upload',
  headers: [
    ['Host', 'api.example.com'],
    ['User-Agent', 'curl/8.5.0'],
    ['Content-Type', 'application/octet-stream'],
    ['Transfer-Encoding', 'chunked'],
  ],
  chunks: Array.from({ length: 16 }, () => 4096),
};

const CASES: Record<string, Case> = {
  small: { title: '(a) small GET', messages: [SMALL_GET] },
  browser: { title: '(b) browser GET, 16 headers', messages: [BROWSER_GET] },
  pipelined: { title: '(c) 16 pipelined GETs', messages: PIPELINED },
  chunked: { title: '(d) 64 KiB chunked POST', messages: [CHUNKED_POST] },
};

function serialise(m: Message): Buffer {
  let head = `${m.method} ${m.target} HTTP/1.1\r\n`;
  for (const [name, value] of m.headers) head += `${name}: ${value}\r\n`;
  const parts = [Buffer.from(`${head}\r\n`, 'latin1')];
  if (m.chunks !== undefined) {
    for (const [i, size] of m.chunks.entries()) {
      parts.push(Buffer.from(`${size.toString(16)}\r\n`), Buffer.alloc(size, 0x61 + (i % 26)), Buffer.from('\r\n'));
    }
    parts.push(Buffer.from('0\r\n\r\n'));
  }
  return Buffer.concat(parts);
}

/** What consuming one buffer must add up to; every parser's tally is checked against it. */
interface Expected {
  messages: number;
  bodyBytes: number;
  /** Σ over messages of method length + target length + header count. */
  work: number;
}

function expectedOf(c: Case): Expected {
  let bodyBytes = 0;
  let work = 0;
  for (const m of c.messages) {
    for (const size of m.chunks ?? []) bodyBytes += size;
    work += m.method.length + m.target.length + m.headers.length;
  }
  return { messages: c.messages.length, bodyBytes, work };
}

// ---------------------------------------------------------------------------------------------
// Contenders: each turns one buffer into a tally, reusing one parser across calls.

/** What the consumer saw; the fields are read back after timing so no parser work is dead code. */
class Tally {
  messages = 0;
  bodyBytes = 0;
  work = 0;
}

type Feed = (buf: Buffer) => void;

function shallot(t: Tally): Feed {
  const parser = new RequestParser();
  return (buf) => {
    parser.push(buf);
    for (;;) {
      const ev = parser.next();
      switch (ev.kind) {
        case 'need-data':
          return;
        case 'head':
          t.work += ev.method.length + ev.target.length + (ev.rawHeaders.length >> 1);
          break;
        case 'body':
          t.bodyBytes += ev.data.length;
          break;
        case 'end':
          t.messages++;
          break;
        default:
          throw new Error(`unexpected ${ev.kind} event`);
      }
    }
  };
}

/** The callback interface llhttp's binding and http-parser-js share (Node's `_http_common.js` scheme). */
interface CallbackParser {
  initialize(type: unknown, resource: object): void;
  execute(buf: Buffer): number | Error;
  [callback: number]: unknown;
}

interface CallbackParserModule {
  HTTPParser: {
    new (): CallbackParser;
    readonly REQUEST: unknown;
    readonly kOnHeaders: number;
    readonly kOnHeadersComplete: number;
    readonly kOnBody: number;
    readonly kOnMessageComplete: number;
    readonly kOnExecute: number;
  };
  methods: readonly string[];
}

/** `process.binding` warns DEP0111 once; silence exactly that warning, nothing else. */
function loadLlhttp(): CallbackParserModule {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, ...args: unknown[]): void {
    // Node calls emitWarning(message, 'DeprecationWarning', 'DEP0111').
    if (args[2] === 'DEP0111') return;
    (emitWarning as (...a: unknown[]) => void).apply(process, args);
  } as typeof process.emitWarning;
  try {
    return (process as unknown as { binding(name: string): CallbackParserModule }).binding('http_parser');
  } finally {
    process.emitWarning = emitWarning;
  }
}

function callbackFeed(mod: CallbackParserModule, t: Tally): Feed {
  const { HTTPParser, methods } = mod;
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.REQUEST, {});
  // More than 32 fields arrive in batches through kOnHeaders (llhttp); count them too.
  parser[HTTPParser.kOnHeaders] = (headers: string[], url: string): void => {
    t.work += (headers.length >> 1) + url.length;
  };
  parser[HTTPParser.kOnHeadersComplete] = (
    _major: number,
    _minor: number,
    headers: string[],
    method: number,
    url: string,
  ): void => {
    t.work += methods[method]!.length + url.length + (headers.length >> 1);
  };
  parser[HTTPParser.kOnBody] = (chunk: Buffer): void => {
    t.bodyBytes += chunk.length;
  };
  parser[HTTPParser.kOnMessageComplete] = (): void => {
    t.messages++;
  };
  // Reading kOnExecute also switches http-parser-js to the positional onHeadersComplete arguments.
  parser[HTTPParser.kOnExecute] = (): void => {};
  return (buf) => {
    const n = parser.execute(buf);
    if (typeof n !== 'number') throw n;
    if (n !== buf.length) throw new Error(`parsed ${n} of ${buf.length} bytes`);
  };
}

const CONTENDERS: Record<string, (t: Tally) => Feed> = {
  shallot,
  llhttp: (t) => callbackFeed(loadLlhttp(), t),
  'http-parser-js': (t) =>
    callbackFeed({ HTTPParser: HttpParserJs, methods: httpParserJsMethods } as unknown as CallbackParserModule, t),
};

// ---------------------------------------------------------------------------------------------
// Timing (child process: one contender, one case)

const ROUND_MS = 150;
const WARMUP_ROUNDS = 5;
const ROUNDS = 9;

interface Sample {
  parser: string;
  caseName: string;
  bytesPerBuffer: number;
  messagesPerBuffer: number;
  /** Buffers per second of wall-clock time, one entry per timed round. */
  rates: number[];
  /** Buffers per second of this process's CPU time (user + system), one entry per timed round. */
  cpuRates: number[];
}

function check(t: Tally, e: Expected, buffers: number, what: string): void {
  if (t.messages !== e.messages * buffers || t.bodyBytes !== e.bodyBytes * buffers || t.work !== e.work * buffers) {
    throw new Error(
      `${what}: got ${JSON.stringify(t)}, expected ${JSON.stringify({ messages: e.messages * buffers, bodyBytes: e.bodyBytes * buffers, work: e.work * buffers })}`,
    );
  }
}

function measure(parserName: string, caseName: string): Sample {
  const make = CONTENDERS[parserName];
  const c = CASES[caseName];
  if (make === undefined || c === undefined) throw new Error(`unknown pair ${parserName} ${caseName}`);
  const buf = Buffer.concat(c.messages.map(serialise));
  const expected = expectedOf(c);
  const t = new Tally();
  const feed = make(t);

  // CPU time is taken too: on a shared machine a round can lose the CPU to other processes, which
  // lowers wall-clock rates but not CPU-time rates.
  let cpuMs = 0;
  const round = (buffers: number): number => {
    t.messages = t.bodyBytes = t.work = 0;
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < buffers; i++) feed(buf);
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    cpuMs = (used.user + used.system) / 1000;
    check(t, expected, buffers, `${parserName} on ${caseName}`);
    return ms;
  };

  round(1); // the first parse is also the correctness check
  // Size a round to about ROUND_MS (re-sized once the JIT has warmed up), then warm up.
  let buffers = 1000;
  for (let w = 0; w < WARMUP_ROUNDS; w++) buffers = Math.max(1, Math.round((buffers * ROUND_MS) / round(buffers)));
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    rates.push((buffers * 1000) / round(buffers));
    cpuRates.push((buffers * 1000) / cpuMs);
  }
  return {
    parser: parserName,
    caseName,
    bytesPerBuffer: buf.length,
    messagesPerBuffer: c.messages.length,
    rates,
    cpuRates,
  };
}

// ---------------------------------------------------------------------------------------------
// Report (parent process)

function quantile(sorted: readonly number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  return sorted[lo]! + (sorted[Math.ceil(i)]! - sorted[lo]!) * (i - lo);
}

interface Summary {
  median: number;
  /** Half the interquartile range, relative to the median. */
  spread: number;
  /** Medians of each run, to show run-to-run noise. */
  runMedians: number[];
}

function summarise(runs: readonly Sample[], clock: 'rates' | 'cpuRates'): Summary {
  const all = runs.flatMap((s) => s[clock]).sort((a, b) => a - b);
  const median = quantile(all, 0.5);
  const runMedians = runs.map((s) =>
    quantile(
      [...s[clock]].sort((a, b) => a - b),
      0.5,
    ),
  );
  return { median, spread: (quantile(all, 0.75) - quantile(all, 0.25)) / 2 / median, runMedians };
}

function main(runs: number): void {
  const loadStart = loadavg()[0]!.toFixed(2);
  const parsers = Object.keys(CONTENDERS);
  const samples = new Map<string, Sample[]>();
  for (let r = 0; r < runs; r++) {
    for (const caseName of Object.keys(CASES)) {
      for (const parser of parsers) {
        const child = spawnSync(
          process.execPath,
          [...process.execArgv, fileURLToPath(import.meta.url), parser, caseName],
          { encoding: 'utf8' },
        );
        if (child.status !== 0) throw new Error(`measuring ${parser} on ${caseName} failed:\n${child.stderr}`);
        if (child.stderr.trim() !== '') process.stderr.write(child.stderr);
        const key = `${parser}/${caseName}`;
        samples.set(key, [...(samples.get(key) ?? []), JSON.parse(child.stdout) as Sample]);
      }
    }
  }

  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const pct = (x: number): string => `±${(x * 100).toFixed(1)}%`;
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
  console.log(
    `Node ${process.version}, ${runs} run(s) × ${ROUNDS} rounds of ~${ROUND_MS} ms per pair; medians over all rounds, ± is half the ` +
      `interquartile range; load average ${loadStart} at start, ${loadavg()[0]!.toFixed(2)} at end.\n`,
  );
  console.log('| case | bytes/msg | parser | msg/s | ± | MB/s | msg per CPU-s | ± | ours ÷ this | ours ÷ this, CPU |');
  console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const noise: string[] = [];
  for (const [caseName, c] of Object.entries(CASES)) {
    const ours = summarise(samples.get(`shallot/${caseName}`)!, 'rates');
    const oursCpu = summarise(samples.get(`shallot/${caseName}`)!, 'cpuRates');
    for (const parser of parsers) {
      const runsOf = samples.get(`${parser}/${caseName}`)!;
      const s = summarise(runsOf, 'rates');
      const cpu = summarise(runsOf, 'cpuRates');
      const { bytesPerBuffer: bytes, messagesPerBuffer: msgs } = runsOf[0]!;
      const us = parser === 'shallot';
      console.log(
        `| ${us ? c.title : ''} | ${us ? fmt(bytes / msgs) : ''} | ${parser} | ${fmt(s.median * msgs)} | ${pct(s.spread)} | ` +
          `${((s.median * bytes) / 1e6).toFixed(1)} | ${fmt(cpu.median * msgs)} | ${pct(cpu.spread)} | ` +
          `${us ? '' : ratio(ours.median, s.median)} | ${us ? '' : ratio(oursCpu.median, cpu.median)} |`,
      );
      noise.push(`${caseName}/${parser}: ${s.runMedians.map((m) => fmt(m * msgs)).join(', ')}`);
    }
  }
  if (runs > 1) console.log(`\nPer-run medians, msg/s (wall clock):\n${noise.map((l) => `- ${l}`).join('\n')}`);
}

const [parserArg, caseArg] = process.argv.slice(2);
if (parserArg !== undefined && !parserArg.startsWith('--') && caseArg !== undefined) {
  // Child mode: measure one pair and report to the parent as JSON.
  process.stdout.write(JSON.stringify(measure(parserArg, caseArg)));
} else {
  const i = process.argv.indexOf('--runs');
  main(i === -1 ? 3 : Number(process.argv[i + 1]));
}
