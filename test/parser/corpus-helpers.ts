/**
 * Test drivers for the request parser, shared by the corpus, strictness, limits and property
 * tests and by `bench/fuzz.ts`.
 *
 * Contract of {@link drive}: it feeds the given pieces one `push()` at a time, pulls events until
 * `need-data` after each piece, and folds the events into whole messages. Body events are merged,
 * because how a body is cut into events depends on how the input was cut, while the bytes must
 * not. Anything that breaks the event contract (a `body` before a `head`, a second `head` before
 * `end`, an `upgrade` after a message that did not upgrade, an endless event loop, an error that
 * is not sticky, a thrown value that is not a ParseError) throws a plain `Error`, which the tests
 * and the fuzzer count as a bug, never as a rejection.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParseError } from '../../src/parser/errors.js';
import { RequestParser, type ParserOptions } from '../../src/parser/parser.js';

/** The repository root (this file lives in `test/parser/`). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The project's copy of llhttp's request corpus (source and licence: its README). */
export const CORPUS_PATH = path.resolve(REPO_ROOT, 'test/fixtures/llhttp-corpus/llhttp-requests.json');

/** A complete (or, for {@link Outcome.partial}, unfinished) message as the tests compare it. */
export interface Message {
  method: string;
  target: string;
  versionMajor: number;
  versionMinor: number;
  /** `[name, value]` pairs in wire order. */
  headers: Array<[string, string]>;
  /** The body, latin1-decoded so a failed comparison prints readably. */
  body: string;
  /** Trailer pairs, or null when the message had none. */
  trailers: Array<[string, string]> | null;
  keepAlive: boolean;
  upgrade: boolean;
  chunked: boolean;
  /** -1 when absent. */
  contentLength: number;
}

/** Everything one run of the parser over some input showed from the outside. */
export interface Outcome {
  messages: Message[];
  /** A message whose head was returned but whose `end` was not (body so far included). */
  partial: Message | null;
  /** Every byte handed back in `upgrade` events, concatenated; null when there was no upgrade event. */
  upgrade: Buffer | null;
  error: ParseError | null;
  /** Bytes pushed. */
  pushed: number;
  /** `parser.offset` when the run stopped (bytes consumed). */
  consumed: number;
  /** `parser.idle` when the run stopped without error. */
  idle: boolean;
  /** Result of `finish()` when asked for: null = safe, else the error it threw. */
  finishError: ParseError | null;
  /**
   * The largest number of bytes the parser consumed without returning any event, outside the
   * states where nothing is retained (between messages after `Connection: close`, in a body).
   * It bounds what the parser can hold in an unfinished token, which the public API cannot see.
   */
  maxSilentBytes: number;
  /** Like {@link maxSilentBytes}, up to the byte an error was reported at (0 without an error). */
  silentBytesBeforeError: number;
}

/** Options of {@link drive}. */
export interface DriveOptions {
  /** Call `finish()` after the last piece (when no error happened) and record its result. */
  finish?: boolean;
  /** Push this many pieces before pulling events (default 1), so pieces also wait in the parser's queue. */
  group?: number;
}

/** Splits `buf` at the given offsets (unsorted, duplicates and out-of-range values allowed). */
export function splitAt(buf: Buffer, points: readonly number[]): Buffer[] {
  const cuts = [...new Set(points.filter((p) => p > 0 && p < buf.length))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of cuts) {
    out.push(buf.subarray(from, c));
    from = c;
  }
  out.push(buf.subarray(from));
  return out;
}

/** One piece per byte. */
export function bytewise(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) out.push(buf.subarray(i, i + 1));
  return out;
}

/** mulberry32: a tiny seeded PRNG, so every random split can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits `buf` at up to `maxCuts` random points drawn from `rand`. */
export function randomSplit(buf: Buffer, rand: () => number, maxCuts = 8): Buffer[] {
  const n = Math.floor(rand() * (maxCuts + 1));
  const points: number[] = [];
  for (let i = 0; i < n; i++) points.push(1 + Math.floor(rand() * Math.max(1, buf.length - 1)));
  return splitAt(buf, points);
}

function pairs(flat: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

/**
 * Runs a fresh parser over `pieces` and reports what it showed. Never throws a ParseError (it
 * lands in `error`); throws a plain Error when the parser breaks its contract.
 *
 * @example drive([Buffer.from('GET / HTTP/1.1\r\n\r\n')]).messages[0]!.method // 'GET'
 */
export function drive(pieces: readonly Uint8Array[], options?: ParserOptions, how: DriveOptions = {}): Outcome {
  const p = new RequestParser(options);
  const out: Outcome = {
    messages: [],
    partial: null,
    upgrade: null,
    error: null,
    pushed: 0,
    consumed: 0,
    idle: true,
    finishError: null,
    maxSilentBytes: 0,
    silentBytesBeforeError: 0,
  };
  let current: Message | null = null;
  let body: Buffer[] = [];
  let upgraded = false;
  let closed = false; // after a message without keep-alive: the parser only skips CRLF
  let lastEventAt = 0;
  const silent = (): void => {
    if (closed || upgraded) return;
    const s = p.offset - lastEventAt;
    if (s > out.maxSilentBytes) out.maxSilentBytes = s;
  };
  try {
    const group = Math.max(1, how.group ?? 1);
    for (let i = 0; i < pieces.length; i += group) {
      let size = 0;
      for (const piece of pieces.slice(i, i + group)) {
        p.push(piece);
        size += piece.length;
      }
      out.pushed += size;
      // Each event but `end`/`upgrade`/`head` consumes at least one byte, so this bounds a correct parser.
      let guard = 4 * size + 16 * group;
      for (let ev = p.next(); ev.kind !== 'need-data'; ev = p.next()) {
        if (--guard < 0) throw new Error('parser keeps returning events without consuming input');
        if (ev.kind !== 'upgrade' && upgraded) throw new Error(`'${ev.kind}' event after an upgrade`);
        if (ev.kind !== 'body') silent();
        switch (ev.kind) {
          case 'head':
            if (current !== null) throw new Error("'head' before the previous message's 'end'");
            if (closed) throw new Error("'head' after a message without keep-alive");
            current = {
              method: ev.method,
              target: ev.target,
              versionMajor: ev.versionMajor,
              versionMinor: ev.versionMinor,
              headers: pairs(ev.rawHeaders),
              body: '',
              trailers: null,
              keepAlive: ev.keepAlive,
              upgrade: ev.upgrade,
              chunked: ev.framing === 'chunked',
              contentLength: ev.contentLength,
            };
            body = [];
            break;
          case 'body':
            if (current === null) throw new Error("'body' outside a message");
            if (ev.data.length === 0) throw new Error("empty 'body' event");
            body.push(ev.data);
            break;
          case 'end':
            if (current === null) throw new Error("'end' without 'head'");
            current.body = Buffer.concat(body).toString('latin1');
            current.trailers = ev.trailers === null ? null : pairs(ev.trailers);
            out.messages.push(current);
            if (current.upgrade) upgraded = true;
            else if (!current.keepAlive) closed = true;
            current = null;
            break;
          case 'upgrade':
            if (!upgraded) throw new Error("'upgrade' event after a message that did not upgrade");
            out.upgrade = out.upgrade === null ? Buffer.from(ev.remaining) : Buffer.concat([out.upgrade, ev.remaining]);
            break;
        }
        lastEventAt = p.offset;
      }
      silent();
    }
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    out.error = err;
    if (!closed && !upgraded) out.silentBytesBeforeError = err.offset - lastEventAt;
    if (err.offset < lastEventAt || err.offset > out.pushed) {
      throw new Error(`error offset ${err.offset} outside [${lastEventAt}, ${out.pushed}]`);
    }
    try {
      p.next();
    } catch (again) {
      if (again !== err) throw new Error('a failed parser threw a different error on the next call');
    }
    if (out.error !== err) throw new Error('a failed parser returned an event');
  }
  if (current !== null) {
    current.body = Buffer.concat(body).toString('latin1');
    out.partial = current;
  }
  out.consumed = p.offset;
  out.idle = p.idle;
  if (how.finish === true && out.error === null) {
    try {
      p.finish();
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      out.finishError = err;
    }
  }
  return out;
}

/** What a run shows, without the bookkeeping that legitimately depends on how the input was cut. */
export function observable(o: Outcome): unknown {
  return {
    messages: o.messages,
    partial: o.partial,
    upgrade: o.upgrade?.toString('latin1') ?? null,
    error: o.error === null ? null : { code: o.error.code, offset: o.error.offset, status: o.error.status },
    finishError: o.finishError?.code ?? null,
  };
}

/** One way of feeding an input: the pieces, and how many are pushed before events are pulled. */
export interface Feeding {
  name: string;
  pieces: Buffer[];
  group: number;
}

/**
 * The ways every parser case is fed: whole, byte by byte, at seeded random cuts, and byte by byte
 * three pushes at a time (so bytes also wait in the parser's queue before it reads them).
 */
export function feedings(raw: Buffer, seeds: readonly number[] = [1, 2, 3, 4, 5]): Feeding[] {
  const out: Feeding[] = [
    { name: 'whole', pieces: [raw], group: 1 },
    { name: 'byte by byte', pieces: bytewise(raw), group: 1 },
    { name: 'byte by byte, 3 pushes per read', pieces: bytewise(raw), group: 3 },
  ];
  for (const seed of seeds) out.push({ name: `split seed ${seed}`, pieces: randomSplit(raw, prng(seed)), group: 1 });
  return out;
}

/** The start of a next request, appended by {@link parseEveryWay} (h11's `tr()`). */
export const NEXT_REQUEST_START = Buffer.from('GET /next HTTP/1.1\r\nHo', 'latin1');

/**
 * Parses `raw` whole, byte by byte and at seeded random cuts, and checks that every way shows the
 * same thing; then, unless the input ends inside a message, appends {@link NEXT_REQUEST_START} and
 * checks that the bytes before it are parsed exactly as before (same messages, same error; after
 * an upgrade the tail is handed back; after `Connection: close` it is refused where it starts).
 * Returns the outcome of the whole-buffer parse. Throws a plain Error on any disagreement.
 *
 * @example parseEveryWay(bytes('GET / HTTP/1.1\r\n\r\n')).messages.length // 1
 */
export function parseEveryWay(raw: Buffer, options?: ParserOptions, how: DriveOptions = {}): Outcome {
  const ways = feedings(raw);
  const first = drive(ways[0]!.pieces, options, how);
  const seen = observable(first);
  for (const w of ways.slice(1)) {
    const got = observable(drive(w.pieces, options, { ...how, group: w.group }));
    if (!isDeepStrictEqual(got, seen))
      throw new Error(`fed ${w.name}: ${JSON.stringify(got)}\nwhole: ${JSON.stringify(seen)}`);
  }
  const last = first.messages.at(-1);
  const between = first.partial === null && (first.idle || last?.upgrade === true || last?.keepAlive === false);
  if (first.error === null && !between) return first;
  const withTail = Buffer.concat([raw, NEXT_REQUEST_START]);
  for (const pieces of [[withTail], bytewise(withTail)]) {
    const t = drive(pieces, options);
    const problem = tailProblem(first, t, raw.length);
    if (problem !== null) throw new Error(`with the start of another request appended: ${problem}`);
  }
  return first;
}

function tailProblem(before: Outcome, after: Outcome, rawLength: number): string | null {
  if (!isDeepStrictEqual(after.messages, before.messages)) return 'the messages changed';
  const err = (o: Outcome): string => (o.error === null ? 'none' : `${o.error.code}@${o.error.offset}`);
  if (before.error !== null) return err(after) === err(before) ? null : `error ${err(after)} instead of ${err(before)}`;
  const last = before.messages.at(-1);
  if (last?.upgrade === true) {
    const want = Buffer.concat([before.upgrade ?? Buffer.alloc(0), NEXT_REQUEST_START]);
    return after.error === null && after.upgrade?.equals(want) === true
      ? null
      : 'the tail was not handed back after the upgrade';
  }
  if (last?.keepAlive === false) {
    return err(after) === `HPE_CLOSED_CONNECTION@${rawLength}`
      ? null
      : `error ${err(after)} instead of HPE_CLOSED_CONNECTION@${rawLength}`;
  }
  return after.error === null && after.partial === null && !after.idle
    ? null
    : `unexpected state (error ${err(after)})`;
}

/** Shorthand: a latin1 string as bytes. */
export function bytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** Reads the llhttp corpus (see `test/fixtures/llhttp-corpus/README.md` for the schema). */
export function loadCorpus(): CorpusCase[] {
  return JSON.parse(readFileSync(CORPUS_PATH, 'utf8')) as CorpusCase[];
}

/** A message as the corpus records it. */
export interface CorpusMessage {
  method: string;
  url: string;
  protocol: string | null;
  versionMajor: number;
  versionMinor: number;
  headers: Array<[string, string]>;
  bodyBase64: string;
  contentLength: number | null;
  chunked: boolean;
  trailers?: Array<[string, string]>;
  upgrade: boolean;
  keepAlive: boolean;
}

/** An unfinished message as the corpus records it. */
export interface CorpusPartial {
  stage: 'request-line' | 'headers' | 'body' | 'trailers';
  method: string;
  url: string;
  headers: Array<[string, string]>;
  headersComplete: boolean;
  versionMajor?: number;
  versionMinor?: number;
  bodyBase64?: string;
}

/** One corpus case. */
export interface CorpusCase {
  id: string;
  type: string;
  lenient: string[];
  tags: string[];
  rawBase64: string;
  expect:
    | {
        ok: true;
        messages: CorpusMessage[];
        incomplete?: CorpusPartial;
        stop?: { code: string; offset: number; remainingBase64: string; partial?: CorpusPartial };
        finish?: 'SAFE' | 'UNSAFE';
      }
    | {
        ok: false;
        code: string;
        reason: string;
        offset: number;
        messagesBefore: CorpusMessage[];
        partial?: CorpusPartial;
      };
}

/**
 * The one normalisation between llhttp's view and ours: llhttp keeps trailing whitespace in a
 * field value, while RFC 9112 §5.1 says OWS around the value is not part of it, so we trim it.
 * Only SP and HTAB are trimmed, exactly the OWS bytes; nothing else about a value is changed.
 */
export function trimTrailingOws(value: string): string {
  let e = value.length;
  while (e > 0 && (value.charCodeAt(e - 1) === 0x20 || value.charCodeAt(e - 1) === 0x09)) e--;
  return value.slice(0, e);
}

/** A corpus message in our {@link Message} shape, values normalised by {@link trimTrailingOws}. */
export function fromCorpus(m: CorpusMessage): Message {
  const trailers = m.trailers ?? [];
  return {
    method: m.method,
    target: m.url,
    versionMajor: m.versionMajor,
    versionMinor: m.versionMinor,
    headers: m.headers.map(([n, v]) => [n, trimTrailingOws(v)]),
    body: Buffer.from(m.bodyBase64, 'base64').toString('latin1'),
    trailers: trailers.length === 0 ? null : trailers.map(([n, v]) => [n, trimTrailingOws(v)]),
    keepAlive: m.keepAlive,
    upgrade: m.upgrade,
    chunked: m.chunked,
    contentLength: m.contentLength ?? -1,
  };
}
