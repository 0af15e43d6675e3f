/**
 * The llhttp request corpus (`test/fixtures/llhttp-corpus/llhttp-requests.json`, see its README) against our
 * parser. Every strict case must agree with llhttp, except the reviewed EXCEPTIONS; every lenient
 * case must be rejected, because we implement no leniency.
 *
 * "Agree" means: the same complete messages (method, target, version, headers, body, trailers,
 * keep-alive, upgrade, Content-Length, chunked), then the same ending: still waiting for bytes
 * (`incomplete`, and `finish()` then reports HPE_INVALID_EOF_STATE), the bytes after an upgrade
 * handed back (`stop`), or a rejection (`ok: false`). One normalisation: llhttp keeps trailing
 * whitespace in field values; RFC 9112 §5.1 says OWS is not part of the value and we trim it, so
 * llhttp's values are compared with trailing SP/HTAB removed (`trimTrailingOws`).
 *
 * Each case runs whole, byte by byte and at seeded random cuts, and (where a message is complete)
 * with the start of another request appended (h11's `tr()`).
 */
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CODE_DIFFERENCES, EXCEPTIONS } from './corpus-exceptions.js';
import {
  type CorpusCase,
  type CorpusPartial,
  type Outcome,
  bytewise,
  drive,
  feedings,
  fromCorpus,
  loadCorpus,
  observable,
  trimTrailingOws,
} from './corpus-helpers.js';

const cases = loadCorpus();
const strict = cases.filter((c) => c.lenient.length === 0);
const lenient = cases.filter((c) => c.lenient.length > 0);
const rejectedStrict = strict.filter((c) => !c.expect.ok);

/** The start of a next request: must never change how the bytes before it were parsed. */
const TAIL = Buffer.from('GET /next HTTP/1.1\r\nHo', 'latin1');

const tally = {
  identical: 0,
  exceptions: 0,
  lenientRejected: 0,
  codesMatching: 0,
  codesDiffering: 0,
  offsetsMatching: 0,
};

/** Runs the case every way it can be fed and checks that all of them show the same thing. */
function runAllWays(c: CorpusCase): Outcome {
  const raw = Buffer.from(c.rawBase64, 'base64');
  const finish = c.expect.ok;
  const runs = feedings(raw).map((f) => ({
    name: f.name,
    outcome: drive(f.pieces, undefined, { finish, group: f.group }),
  }));
  const first = observable(runs[0]!.outcome);
  for (const r of runs) expect(observable(r.outcome), `${c.id} fed ${r.name}`).toEqual(first);
  return runs[0]!.outcome;
}

function expectPartial(o: Outcome, partial: CorpusPartial): void {
  if (!partial.headersComplete) {
    expect(o.partial, 'no head may be returned before the header block ends').toBeNull();
    return;
  }
  expect(o.partial).not.toBeNull();
  const p = o.partial!;
  expect({
    method: p.method,
    target: p.target,
    versionMajor: p.versionMajor,
    versionMinor: p.versionMinor,
    headers: p.headers,
    body: p.body,
  }).toEqual({
    method: partial.method,
    target: partial.url,
    versionMajor: partial.versionMajor,
    versionMinor: partial.versionMinor,
    headers: partial.headers.map(([n, v]) => [n, trimTrailingOws(v)]),
    body: Buffer.from(partial.bodyBase64 ?? '', 'base64').toString('latin1'),
  });
}

/** A complete message followed by the start of another must still yield the same messages. */
function checkTrailingBytes(c: CorpusCase, o: Outcome): void {
  const e = c.expect;
  if (e.ok && e.incomplete !== undefined) return; // the tail would continue the unfinished message
  const raw = Buffer.from(c.rawBase64, 'base64');
  const withTail = Buffer.concat([raw, TAIL]);
  for (const pieces of [[withTail], bytewise(withTail)]) {
    const t = drive(pieces);
    expect(t.messages).toEqual(o.messages);
    if (!e.ok) {
      expect({ code: t.error?.code, offset: t.error?.offset }).toEqual({
        code: o.error!.code,
        offset: o.error!.offset,
      });
      continue;
    }
    const last = o.messages.at(-1);
    if (e.stop !== undefined) {
      expect(t.error).toBeNull();
      expect(t.upgrade?.toString('latin1')).toBe(
        Buffer.concat([Buffer.from(e.stop.remainingBase64, 'base64'), TAIL]).toString('latin1'),
      );
    } else if (last !== undefined && !last.keepAlive) {
      // Bytes after a message that closes the connection are refused where they start.
      expect({ code: t.error?.code, offset: t.error?.offset }).toEqual({
        code: 'HPE_CLOSED_CONNECTION',
        offset: raw.length,
      });
    } else {
      expect(t.error).toBeNull();
      expect(t.partial).toBeNull();
      expect(t.idle, 'the next request has started').toBe(false);
    }
  }
}

function checkAgreement(c: CorpusCase): void {
  const o = runAllWays(c);
  const e = c.expect;
  if (e.ok) {
    expect(o.error, o.error?.message).toBeNull();
    expect(o.messages).toEqual(e.messages.map(fromCorpus));
    if (e.incomplete !== undefined) {
      expectPartial(o, e.incomplete);
      expect(o.consumed, 'every byte is consumed while waiting').toBe(o.pushed);
      expect(o.finishError?.code, 'EOF now would cut a message').toBe('HPE_INVALID_EOF_STATE');
    } else {
      expect(o.partial).toBeNull();
      expect(o.finishError, 'EOF after a complete message is safe').toBeNull();
    }
    if (e.stop !== undefined) {
      expect(o.upgrade?.toString('latin1')).toBe(Buffer.from(e.stop.remainingBase64, 'base64').toString('latin1'));
    } else {
      expect(o.upgrade).toBeNull();
    }
    if (e.finish !== undefined) expect(o.finishError === null ? 'SAFE' : 'UNSAFE').toBe(e.finish);
  } else {
    expect(o.error, 'llhttp rejects this input').not.toBeNull();
    expect(o.messages).toEqual(e.messagesBefore.map(fromCorpus));
    const diff = CODE_DIFFERENCES[c.id];
    if (diff === undefined) {
      expect(o.error!.code).toBe(e.code);
      tally.codesMatching++;
    } else {
      expect({ llhttp: e.code, ours: o.error!.code }).toEqual({ llhttp: diff.llhttp, ours: diff.ours });
      tally.codesDiffering++;
    }
    // Offsets are llhttp's own (often one past the faulty byte); counted, not required.
    if (o.error!.offset === e.offset) tally.offsetsMatching++;
  }
  checkTrailingBytes(c, o);
}

describe('llhttp corpus', () => {
  afterAll(() => {
    const agree = tally.identical + tally.exceptions;
    console.log(
      `corpus: ${agree}/${strict.length} strict cases agree (${tally.identical} identical, ${tally.exceptions} listed exceptions); ` +
        `${tally.lenientRejected}/${lenient.length} lenient rejected; ` +
        `rejection codes matching llhttp: ${tally.codesMatching}/${rejectedStrict.length} (${tally.codesDiffering} listed differences); ` +
        `error offsets matching llhttp: ${tally.offsetsMatching}/${rejectedStrict.length} (informational)`,
    );
  });

  it('should find the corpus with the documented counts', () => {
    expect(cases).toHaveLength(152);
    expect(strict).toHaveLength(123);
    expect(lenient).toHaveLength(29);
  });

  it('should list only strict corpus cases that llhttp accepts as exceptions, each once reviewed', () => {
    const byId = new Map(cases.map((c) => [c.id, c]));
    for (const id of Object.keys(EXCEPTIONS)) {
      expect(byId.get(id)?.lenient, id).toEqual([]);
      expect(byId.get(id)?.expect.ok, id).toBe(true);
      expect(EXCEPTIONS[id]!.rfc, id).toMatch(/^RFC \d+ §[\d.]+$/);
    }
    // A new exception must be added here on purpose, not slip in with a parser change.
    expect(Object.keys(EXCEPTIONS).sort()).toEqual([
      'method/announce-request-with-rtsp',
      'method/m-search-request',
      'method/options-request-with-rtsp',
      'method/pri-request-http2',
      'method/source-request-with-ice',
      'sample/no-http-version',
      'uri/host-port-and-basic-auth',
    ]);
    for (const id of Object.keys(CODE_DIFFERENCES)) expect(byId.get(id)?.expect.ok, id).toBe(false);
  });

  describe('strict cases', () => {
    for (const c of strict) {
      const ex = EXCEPTIONS[c.id];
      if (ex !== undefined) {
        it(`should reject ${c.id} with ${ex.code} (${ex.rfc}: deliberately stricter than llhttp)`, () => {
          const o = runAllWays(c);
          expect(o.error?.code, ex.why).toBe(ex.code);
          expect(o.messages).toEqual([]);
          tally.exceptions++;
        });
        continue;
      }
      it(`should agree with llhttp on ${c.id}`, () => {
        checkAgreement(c);
        tally.identical++;
      });
    }
  });

  describe('lenient cases', () => {
    for (const c of lenient) {
      it(`should reject ${c.id} (needs llhttp leniency ${c.lenient.join(', ')})`, () => {
        const o = runAllWays(c);
        expect(o.error, 'we implement no leniency flags').not.toBeNull();
        tally.lenientRejected++;
      });
    }
  });

  it('should keep the exceptions and code differences in step with the outcomes', () => {
    // Guards the tables themselves: a listed case whose outcome no longer differs is stale.
    for (const c of rejectedStrict) {
      const o = drive([Buffer.from(c.rawBase64, 'base64')]);
      const e = c.expect as { code: string };
      expect(isDeepStrictEqual(o.error?.code, e.code), c.id).toBe(CODE_DIFFERENCES[c.id] === undefined);
    }
  });
});
