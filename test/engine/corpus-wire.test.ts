/**
 * The llhttp corpus over the wire: every strict case of `test/fixtures/llhttp-corpus` is sent as
 * its exact bytes over a real socket, the client half-closes, and what the server answers before
 * it closes must agree with llhttp's verdict on those bytes.
 *
 * The answers a case is owed, message by message, in order:
 *
 * - a complete message whose head the server must refuse gets that refusal and ends the
 *   connection: an HTTP/1.1 request without exactly one Host (400, RFC 9112 §3.2 — most corpus
 *   messages have none), a transfer coding other than chunked (501, RFC 9112 §6.1), an
 *   Upgrade or CONNECT with no `upgrade` listener (426, or 501 for CONNECT);
 * - any other complete message gets the handler's 200, and one that closes the connection
 *   (`keepAlive: false`) is the last answered;
 * - a case llhttp rejects then gets exactly one error response, with the status of the parse
 *   error's code (llhttp's code, or ours where CODE_DIFFERENCES says so) — or, when the fault is
 *   in a body whose head was complete, a refusal of that head, or (for a handler that answers
 *   without reading the body) the handler's 200, after which the connection closes;
 * - a message cut short by EOF is not answered, or answered with a 4xx (RFC 9112 §8 allows
 *   either) — unless its head was complete, which is refused or served as above; the server
 *   answers none of the corpus's cut-short messages whose head is incomplete;
 * - an EXCEPTIONS case (one llhttp accepts and our parser deliberately rejects) gets one error
 *   response with the listed code.
 *
 * Each response is read back as `status detail` (the handler's text, or the problem's `code`), so
 * a disagreement prints as two short transcripts. The global response oracle reads every one of
 * these connections as well.
 */
import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, ERRORS } from '../../src/index.js';
import { PARSE_ERRORS, type ParseErrorCode } from '../../src/parser/index.js';
import { CODE_DIFFERENCES, EXCEPTIONS } from '../parser/corpus-exceptions.js';
import { type CorpusCase, loadCorpus } from '../parser/corpus-helpers.js';
import type { WireResponse } from '../helpers/http-wire.js';
import { RawClient } from '../helpers/raw-client.js';
import { closeAll, serve } from '../helpers/server.js';

const strict = loadCorpus().filter((c) => c.lenient.length === 0);
const exceptionIds = Object.keys(EXCEPTIONS);

/** A response as the transcripts show it (`200 POST 4`, `400 ERR_MISSING_HOST`), or a matcher for one. */
type Line = unknown;

/** The part of a message (complete, or cut short with its head complete) the server decides on. */
interface Head {
  method: string;
  versionMinor: number;
  headers: Array<[string, string]>;
}

function fields(h: Head, name: string): string[] {
  return h.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v.trim());
}

function tokens(h: Head, name: string): string[] {
  return fields(h, name)
    .flatMap((v) => v.split(','))
    .map((t) => t.trim().toLowerCase());
}

function problem(code: string, status: number): string {
  return `${status} ${code}`;
}

function parseProblem(code: string): string {
  return problem(code, PARSE_ERRORS[code as ParseErrorCode].status);
}

/** A response to HEAD has no content (RFC 9110 §9.3.2): its line is the status alone. */
function forMethod(h: Head, line: string): string {
  return h.method === 'HEAD' ? line.slice(0, 3) : line;
}

/** The refusal a well-formed head gets before any middleware runs, or null. */
function refusal(h: Head): string | null {
  const line = refusalOf(h);
  return line === null ? null : forMethod(h, line);
}

function refusalOf(h: Head): string | null {
  const hosts = fields(h, 'host').length;
  if (h.versionMinor === 1 ? hosts !== 1 : hosts > 1)
    return problem('ERR_MISSING_HOST', ERRORS.ERR_MISSING_HOST.status);
  // RFC 9110 §7.2: Host = uri-host [ ":" port ] (reg-name or IP literal; RFC 3986 §3.2.2).
  if (fields(h, 'host').some((v) => !/^(?:\[[\w.~!$&'()*+,;=:-]+\]|[\w.~%!$&'()*+,;=-]*)(?::\d*)?$/.test(v)))
    return problem('ERR_INVALID_HOST', ERRORS.ERR_INVALID_HOST.status);
  const expectValues = tokens(h, 'expect');
  if (expectValues.some((v) => v !== '100-continue'))
    return problem('ERR_EXPECTATION_FAILED', ERRORS.ERR_EXPECTATION_FAILED.status);
  const te = tokens(h, 'transfer-encoding');
  if (te.at(-1) === 'chunked' && te.length > 1)
    return problem('ERR_UNSUPPORTED_TRANSFER_CODING', ERRORS.ERR_UNSUPPORTED_TRANSFER_CODING.status);
  const upgrade =
    h.method === 'CONNECT' || (tokens(h, 'connection').includes('upgrade') && fields(h, 'upgrade').length > 0);
  if (upgrade) {
    return h.method === 'CONNECT'
      ? problem('ERR_CONNECT_UNSUPPORTED', ERRORS.ERR_CONNECT_UNSUPPORTED.status)
      : problem('ERR_UPGRADE_REQUIRED', ERRORS.ERR_UPGRADE_REQUIRED.status);
  }
  return null;
}

/** How a handler treats the request body. */
interface HandlerKind {
  /** Reads the whole body before answering (and so sees a malformed or cut-short one fail). */
  reads: boolean;
}

/** The handler's answer to a message it served. */
function served(h: Head, bodyLength: number, kind: HandlerKind): string {
  return forMethod(h, kind.reads ? `200 ${h.method} ${bodyLength}` : `200 ${h.method}`);
}

/** The transcripts a case may produce (usually one). */
function expectedTranscripts(c: CorpusCase, kind: HandlerKind): Line[][] {
  const ex = EXCEPTIONS[c.id];
  if (ex !== undefined) return [[parseProblem(ex.code)]];
  const e = c.expect;
  const lines: Line[] = [];
  for (const m of e.ok ? e.messages : e.messagesBefore) {
    const refused = refusal(m);
    if (refused !== null) return [[...lines, refused]];
    lines.push(served(m, Buffer.from(m.bodyBase64, 'base64').length, kind));
    if (!m.keepAlive) return [lines];
  }
  const partial = e.ok ? e.incomplete : e.partial;
  if (partial === undefined || !partial.headersComplete) {
    // Cut short by EOF before its head was complete: not answered (RFC 9112 §8 allows a 4xx, the
    // server sends none); a rejected one gets its error.
    return e.ok ? [lines] : [[...lines, rejectedLine(c)]];
  }
  // The head was complete, so the server decided on it before the body's fault or end.
  const head: Head = { ...partial, versionMinor: partial.versionMinor! };
  const refused = refusal(head);
  if (refused !== null)
    return e.ok
      ? [[...lines, refused]]
      : [
          [...lines, refused],
          [...lines, forMethod(head, rejectedLine(c))],
        ];
  const early = kind.reads ? [] : [[...lines, served(head, 0, kind)]];
  // Cut short by EOF: not answered, or answered 4xx (RFC 9112 §8); a body fault: its error.
  return e.ok
    ? [lines, [...lines, expect.stringMatching(/^4\d\d\b/)], ...early]
    : [[...lines, forMethod(head, rejectedLine(c))], ...early];
}

/** The error response to a case llhttp rejects: the status of the parse error's code. */
function rejectedLine(c: CorpusCase): string {
  const e = c.expect;
  if (e.ok) throw new Error(`${c.id}: llhttp accepts it`);
  return parseProblem(CODE_DIFFERENCES[c.id]?.ours ?? e.code);
}

function show(res: WireResponse): string {
  if (res.status < 400)
    return res.body.length === 0 ? String(res.status) : `${res.status} ${res.body.toString('latin1')}`;
  if (res.body.length === 0) return String(res.status);
  const code = (JSON.parse(res.body.toString('utf8')) as { code?: unknown }).code;
  return `${res.status} ${String(code)}`;
}

/** The methods of the responses the server may write, so responses to HEAD are read without content. */
function methods(c: CorpusCase): string[] {
  const e = c.expect;
  const all = (e.ok ? e.messages : e.messagesBefore).map((m) => m.method);
  const partial = e.ok ? e.incomplete : e.partial;
  if (partial?.headersComplete === true) all.push(partial.method);
  return all;
}

/** Sends the case's bytes on a fresh connection, half-closes, and reads everything until the server closes. */
async function exchange(port: number, c: CorpusCase): Promise<{ lines: string[]; rest: string }> {
  const client = await RawClient.connect(port);
  await client.send(Buffer.from(c.rawBase64, 'base64'));
  client.end();
  await client.waitForServerClose();
  await client.closed;
  const r = client.result(methods(c));
  return { lines: r.responses.map(show), rest: r.rest.toString('latin1') };
}

function corpusSuite(title: string, kind: HandlerKind): void {
  describe(title, () => {
    let port = 0;
    const tally = { agree: 0, refused: 0 };
    /** Responses by line (the handler's 200s together), for the summary. */

    beforeAll(async () => {
      const app = new App({ logger: false });
      app.use(async (ctx) => {
        let n = 0;
        if (kind.reads) for await (const chunk of ctx.req) n += (chunk as Buffer).length;
        ctx.body = kind.reads ? `${ctx.method} ${n}` : ctx.method;
      });
      ({ port } = await serve(app));
    });

    afterAll(closeAll);

    for (const c of strict) {
      const ex = EXCEPTIONS[c.id];
      const name =
        ex !== undefined
          ? `should refuse ${c.id} with ${ex.code} (${ex.rfc}: deliberately stricter than llhttp)`
          : `should answer ${c.id} as llhttp reads it (${c.expect.ok ? 'accepted' : `rejected: ${c.expect.code}`})`;
      it(name, async () => {
        const got = await exchange(port, c);
        expect(got.lines).toBeOneOf(expectedTranscripts(c, kind));
        expect(got.rest, 'nothing but whole responses').toBe('');
        if (ex !== undefined) tally.refused++;
        else tally.agree++;
      });
    }

    it('should agree on every strict case but the documented refusals', () => {
      // Runs after the case tests above (vitest runs a file's tests in order).
      expect(strict).toHaveLength(123);
      expect(exceptionIds).toHaveLength(7);
      expect({ agree: tally.agree, refused: tally.refused }).toEqual({
        agree: strict.length - exceptionIds.length,
        refused: exceptionIds.length,
      });
    });
  });
}

describe('the llhttp corpus over the wire', () => {
  corpusSuite('with a handler that reads the body', { reads: true });
  corpusSuite('with a handler that answers without reading the body', { reads: false });
});
