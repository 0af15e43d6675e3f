/**
 * Property tests of the parser (fast-check).
 *
 * (a) Valid requests generated from a model (method, origin-form target, fields with random OWS
 *     around their values, Content-Length or chunked bodies with random chunk sizes, extensions
 *     and trailers, several pipelined) parse to exactly the model, and every way of cutting the
 *     bytes yields the same events as the whole buffer (body events merged: how a body is cut into
 *     events depends on the cuts, its bytes must not).
 * (b) Random bytes and mutated valid requests never make the parser throw anything but a
 *     ParseError, never loop, break no event-order rule, consume every pushed byte unless they
 *     fail, parse identically however they are cut, and (with small limits) never go longer
 *     without an event than the limits allow: the parser's retained state (an unfinished token)
 *     is invisible from outside, but it cannot be larger than that.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KNOWN_METHODS } from '../../src/parser/methods.js';
import type { ParserOptions } from '../../src/parser/parser.js';
import { type Message, type Outcome, drive, observable, splitAt } from './corpus-helpers.js';

/** Runs per property; raise it locally (`PROPERTY_RUNS=20000 npx vitest run test/parser/properties.test.ts`) to search harder. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

const DIGIT_ALPHA = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const TCHAR = `${DIGIT_ALPHA}!#$%&'*+-.^_\`|~`;
const VCHAR = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
const OBS_TEXT = Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(0x80 + i)).join('');
/** Names the generator must not produce by chance: they decide framing and connection handling. */
const FRAMING_NAMES = new Set(['content-length', 'transfer-encoding', 'connection', 'upgrade']);

const chars = (alphabet: string, minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength });

const token = (max = 12): fc.Arbitrary<string> => chars(TCHAR, 1, max);
const ows = chars(' \t', 0, 3);

/** A field value without leading or trailing OWS: visible bytes with SP/HTAB only inside. */
const fieldValue = fc.oneof(
  fc.constant(''),
  fc
    .tuple(chars(VCHAR + OBS_TEXT, 1, 1), chars(`${VCHAR}${OBS_TEXT} \t`, 0, 20), chars(VCHAR + OBS_TEXT, 1, 1))
    .map(([a, b, c]) => a + b + c),
  chars(VCHAR, 1, 1),
);

const fieldName = fc
  .oneof(token(), fc.constantFrom('Host', 'Accept', 'X-Request-Id', 'Cookie', 'Expect'))
  .filter((n) => !FRAMING_NAMES.has(n.toLowerCase()));

const fields = fc.array(fc.tuple(fieldName, fieldValue, ows, ows), { maxLength: 6 });

/** chunk-ext with BWS, token or quoted-string values (with quoted-pairs). */
const quoted = fc
  .array(
    fc.oneof(
      chars(' \t!#$%&()*+,-./:;<=>?@[]^_`{|}~abcXYZ09\x80\xff', 1, 1),
      chars(`"\\ a\xff`, 1, 1).map((c) => `\\${c}`),
    ),
    { maxLength: 6 },
  )
  .map((parts) => `"${parts.join('')}"`);
const chunkExt = fc
  .array(fc.tuple(ows, token(6), fc.option(fc.tuple(ows, ows, fc.oneof(token(6), quoted)), { nil: undefined })), {
    maxLength: 2,
  })
  .map((exts) =>
    exts
      .map(([bws, name, val]) => `${bws};${bws}${name}${val === undefined ? '' : `${val[0]}=${val[1]}${val[2]}`}`)
      .join(''),
  );

const bodyBytes = (max: number): fc.Arbitrary<string> =>
  fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b).toString('latin1'));

type Body =
  | { kind: 'none' }
  | { kind: 'length'; data: string; name: string }
  | {
      kind: 'chunked';
      chunks: Array<{ data: string; size: string; ext: string }>;
      last: string;
      trailers: Array<[string, string, string, string]>;
      name: string;
    };

const chunkSize = (n: number, zeros: number, upper: boolean): string => {
  const hex = n.toString(16);
  return '0'.repeat(zeros) + (upper ? hex.toUpperCase() : hex);
};

const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({
    kind: fc.constant('length' as const),
    data: bodyBytes(200),
    name: fc.constantFrom('Content-Length', 'content-length', 'CONTENT-LENGTH'),
  }),
  fc.record({
    kind: fc.constant('chunked' as const),
    chunks: fc.array(
      fc
        .tuple(
          bodyBytes(40).filter((d) => d.length > 0),
          fc.nat(3),
          fc.boolean(),
          chunkExt,
        )
        .map(([data, zeros, upper, ext]) => ({ data, size: chunkSize(data.length, zeros, upper), ext })),
      { maxLength: 5 },
    ),
    last: fc.tuple(fc.nat(3), chunkExt).map(([zeros, ext]) => `${'0'.repeat(zeros + 1)}${ext}`),
    trailers: fc.array(fc.tuple(fieldName, fieldValue, ows, ows), { maxLength: 3 }),
    name: fc.constantFrom('Transfer-Encoding', 'transfer-encoding'),
  }),
);

const request = fc
  .record({
    method: fc.constantFrom(...KNOWN_METHODS.filter((m) => m !== 'CONNECT')),
    target: chars(VCHAR, 0, 30).map((t) => `/${t}`),
    http10: fc.boolean(),
    fields,
    framingAt: fc.nat(),
    body,
    emptyLinesBefore: fc.nat(2),
  })
  .map((r) => (r.http10 && r.body.kind === 'chunked' ? { ...r, http10: false } : r)); // TE is refused in HTTP/1.0

type Request = typeof request extends fc.Arbitrary<infer T> ? T : never;

/** Serialises a request and returns the message the parser must report for it. */
function build(r: Request): { raw: string; model: Message } {
  const lines = r.fields.map(([n, v, a, b]) => ({ line: `${n}:${a}${v}${b}`, pair: [n, v] as [string, string] }));
  const framing: Array<{ line: string; pair: [string, string] }> = [];
  if (r.body.kind === 'length')
    framing.push({ line: `${r.body.name}: ${r.body.data.length}`, pair: [r.body.name, String(r.body.data.length)] });
  if (r.body.kind === 'chunked') framing.push({ line: `${r.body.name}: chunked`, pair: [r.body.name, 'chunked'] });
  // HTTP/1.0 needs keep-alive for the next pipelined request to be read.
  if (r.http10) framing.push({ line: 'Connection: keep-alive', pair: ['Connection', 'keep-alive'] });
  const at = r.framingAt % (lines.length + 1);
  lines.splice(at, 0, ...framing);
  let payload = '';
  let data = '';
  let trailers: Array<[string, string]> | null = null;
  if (r.body.kind === 'length') payload = data = r.body.data;
  if (r.body.kind === 'chunked') {
    for (const c of r.body.chunks) {
      payload += `${c.size}${c.ext}\r\n${c.data}\r\n`;
      data += c.data;
    }
    payload += `${r.body.last}\r\n${r.body.trailers.map(([n, v, a, b]) => `${n}:${a}${v}${b}\r\n`).join('')}\r\n`;
    if (r.body.trailers.length > 0) trailers = r.body.trailers.map(([n, v]) => [n, v]);
  }
  const raw = `${'\r\n'.repeat(r.emptyLinesBefore)}${r.method} ${r.target} HTTP/1.${r.http10 ? 0 : 1}\r\n${lines.map((l) => `${l.line}\r\n`).join('')}\r\n${payload}`;
  return {
    raw,
    model: {
      method: r.method,
      target: r.target,
      versionMajor: 1,
      versionMinor: r.http10 ? 0 : 1,
      headers: lines.map((l) => l.pair),
      body: data,
      trailers,
      keepAlive: true,
      upgrade: false,
      chunked: r.body.kind === 'chunked',
      contentLength: r.body.kind === 'length' ? r.body.data.length : -1,
    },
  };
}

const pipeline = fc.array(request, { minLength: 1, maxLength: 4 }).map((rs) => {
  const built = rs.map(build);
  return { raw: Buffer.from(built.map((b) => b.raw).join(''), 'latin1'), models: built.map((b) => b.model) };
});

const cuts = fc.array(fc.nat(), { maxLength: 12 });
/** Pieces pushed before events are pulled, so bytes also wait in the parser's queue. */
const group = fc.integer({ min: 1, max: 4 });

describe('valid requests (model-based)', () => {
  it('should parse a generated pipeline to exactly its model', () => {
    fc.assert(
      fc.property(pipeline, ({ raw, models }) => {
        const o = drive([raw], undefined, { finish: true });
        expect(o.error, o.error?.message).toBeNull();
        expect(o.messages).toEqual(models);
        expect({ partial: o.partial, idle: o.idle, consumed: o.consumed, finishError: o.finishError }).toEqual({
          partial: null,
          idle: true,
          consumed: raw.length,
          finishError: null,
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('should yield the same events however the bytes are cut', () => {
    fc.assert(
      fc.property(pipeline, cuts, group, ({ raw }, points, g) => {
        const whole = observable(drive([raw]));
        expect(
          observable(
            drive(
              splitAt(
                raw,
                points.map((p) => p % (raw.length + 1)),
              ),
              undefined,
              { group: g },
            ),
          ),
        ).toEqual(whole);
      }),
      { numRuns: RUNS },
    );
  });

  it('should give byte-by-byte feeding the same events', () => {
    fc.assert(
      fc.property(pipeline, ({ raw }) => {
        const pieces = Array.from(raw, (_, i) => raw.subarray(i, i + 1));
        expect(observable(drive(pieces))).toEqual(observable(drive([raw])));
      }),
      { numRuns: 100 },
    );
  });
});

/** Small limits, so random inputs reach them. */
const SMALL: Required<Omit<ParserOptions, 'methods'>> = {
  maxRequestLineBytes: 64,
  maxHeaderBytes: 128,
  maxHeaderCount: 8,
  maxChunkExtensionBytes: 32,
  maxTrailerBytes: 64,
  maxTrailerCount: 4,
};
/**
 * The most bytes a correct parser consumes without an event under SMALL: a request line plus a
 * header block before a head; or CRLF after chunk data, a chunk-size line (16 digits, extensions,
 * CRLF) and a trailer section before the next body or end.
 */
const SILENT_BOUND = Math.max(
  SMALL.maxRequestLineBytes + SMALL.maxHeaderBytes,
  2 + 16 + SMALL.maxChunkExtensionBytes + 2 + SMALL.maxTrailerBytes,
);

/** Bytes that matter to the grammar, so random inputs get past the first byte now and then. */
const INTERESTING = fc.constantFrom(
  0x0d,
  0x0a,
  0x20,
  0x09,
  0x3a,
  0x3b,
  0x3d,
  0x22,
  0x5c,
  0x2c,
  0x30,
  0x31,
  0x66,
  0x61,
  0x00,
  0x7f,
  0xff,
  0x2f,
  0x48,
);
const noisyBytes = fc
  .array(fc.oneof(INTERESTING, fc.integer({ min: 0, max: 255 })), { maxLength: 400 })
  .map((a) => Buffer.from(a));

const PREFIXES = [
  '',
  'GET / HTTP/1.1\r\n',
  'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n',
  'POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n',
];
const randomInput = fc
  .tuple(fc.constantFrom(...PREFIXES), noisyBytes)
  .map(([p, b]) => Buffer.concat([Buffer.from(p, 'latin1'), b]));

type Mutation = { op: 'flip' | 'insert' | 'delete' | 'duplicate'; at: number; byte: number; len: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('flip', 'insert', 'delete', 'duplicate'),
  at: fc.nat(),
  byte: fc.oneof(INTERESTING, fc.integer({ min: 0, max: 255 })),
  len: fc.integer({ min: 1, max: 8 }),
});

function mutate(raw: Buffer, ms: readonly Mutation[]): Buffer {
  let b = Buffer.from(raw);
  for (const m of ms) {
    const at = m.at % (b.length + 1);
    if (m.op === 'flip' && at < b.length) b[at] = m.byte;
    if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.alloc(m.len, m.byte), b.subarray(at)]);
    if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    if (m.op === 'duplicate') b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
  }
  return b;
}
const mutatedInput = fc
  .tuple(pipeline, fc.array(mutation, { minLength: 1, maxLength: 5 }))
  .map(([p, ms]) => mutate(p.raw, ms));

/** Invariants of one run over any input: drive() itself throws on a non-ParseError, an endless loop or a broken event order. */
function checkRun(o: Outcome, bounded: boolean): void {
  if (o.error === null) expect(o.consumed, 'every pushed byte is consumed').toBe(o.pushed);
  if (bounded) expect(o.maxSilentBytes).toBeLessThanOrEqual(SILENT_BOUND);
}

const cutsOf = (input: Buffer, points: number[]): Buffer[] =>
  splitAt(
    input,
    points.map((p) => p % (input.length + 1)),
  );

/** Default limits: every run is sound and every way of cutting the input shows the same thing. */
function checkCutIndependence(input: Buffer, points: number[], g: number): void {
  const whole = drive([input], undefined, { finish: true });
  const split = drive(cutsOf(input, points), undefined, { finish: true, group: g });
  expect(observable(split)).toEqual(observable(whole));
  checkRun(whole, false);
  checkRun(split, false);
}

/** SMALL limits: every run is sound and never goes longer without an event than the limits allow. */
function checkBounded(input: Buffer, points: number[], g: number): void {
  checkRun(drive([input], SMALL, { finish: true }), true);
  checkRun(drive(cutsOf(input, points), SMALL, { finish: true, group: g }), true);
}

describe('arbitrary input', () => {
  it('should only ever throw ParseError on random bytes, the same way however they are cut', () => {
    fc.assert(fc.property(randomInput, cuts, group, checkCutIndependence), { numRuns: RUNS });
  });
  it('should keep random bytes within the configured limits', () => {
    fc.assert(fc.property(randomInput, cuts, group, checkBounded), { numRuns: RUNS });
  });
  it('should only ever throw ParseError on mutated valid requests, the same way however they are cut', () => {
    fc.assert(fc.property(mutatedInput, cuts, group, checkCutIndependence), { numRuns: RUNS });
  });
  it('should keep mutated valid requests within the configured limits', () => {
    fc.assert(fc.property(mutatedInput, cuts, group, checkBounded), { numRuns: RUNS });
  });
});
