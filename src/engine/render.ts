/**
 * One exchange's response, as the outbox will write it: the handler's reply (or the one error
 * path's), framed by `frameHead()`, and then, by size and kind of content, one of
 * - a string of latin1 bytes: the head and an ASCII payload (joined into the batch as it is),
 * - a Buffer: the head and a payload up to {@link COPY_MAX} copied behind it (one write),
 * - {@link Pieces}: the head, and a larger payload written by reference,
 * - a {@link StreamJob}: the head, and content streamed after the batch (a stream, or a payload
 *   over a slice, written a slice at a time; see content-writer.ts).
 */
import { Buffer } from 'node:buffer';
import { kCommitted, kReply, kReplyError, type Exchange } from './exchange.js';
import { FRAME, frameHead, type FrameMode, type Framing, type Reply } from './framing.js';
import { releaseBody, type BodyStream } from './body-stream.js';
import { ContentProgress, SLICE } from './content-writer.js';

/** Content up to this size is copied behind its head into one buffer: one write, one syscall. */
const COPY_MAX = 16 * 1024;

/** A head whose content is written by reference after it. */
export class Pieces {
  constructor(
    readonly head: string,
    readonly content: Uint8Array,
  ) {}
}

/** A head whose content is streamed after the batch it belongs to. */
export class StreamJob {
  constructor(
    readonly ex: Exchange,
    readonly head: string,
    readonly source: BodyStream | Uint8Array,
    readonly mode: FrameMode,
    readonly length: number,
    readonly close: boolean,
  ) {}

  /** What the writer shares while it runs: the source (to release) and the bytes still owed. */
  readonly progress = new ContentProgress();
}

/**
 * Renders `ex` (see the module comment), recording in `f` what its head promised. `close`: the
 * connection ends after it for reasons of its own. The head is committed on return.
 */
export function render(
  ex: Exchange,
  close: boolean,
  keepAliveField: string,
  f: Framing,
): string | Buffer | Pieces | StreamJob {
  const h = ex.handler!;
  let r = replyOf(ex);
  let head: string;
  try {
    head = frameHead(ex, r, close, keepAliveField, f);
  } catch (err) {
    releaseBody(r.stream);
    r = h[kReplyError](err);
    head = frameHead(ex, r, close, keepAliveField, f);
  }
  h[kCommitted]();
  if (f.mode === FRAME.NONE) {
    releaseBody(r.stream);
    return head;
  }
  if (r.stream !== null) return new StreamJob(ex, head, r.stream, f.mode, f.length, f.close);
  const p = r.payload;
  if (p === null) return head;
  if (typeof p === 'string') {
    const len = r.length;
    // An ASCII payload (its UTF-8 length is its length) is latin1 too: the response stays a
    // string, which the socket writes straight from V8's memory and which joins the other
    // responses of a pipelined batch by plain concatenation.
    if (len === p.length && len <= SLICE) return head + p;
    if (len > COPY_MAX) return new StreamJob(ex, head, Buffer.from(p, 'utf8'), f.mode, f.length, f.close);
    const out = Buffer.allocUnsafe(head.length + len);
    out.write(head, 0, 'latin1');
    out.write(p, head.length, 'utf8');
    return out;
  }
  if (p.byteLength > SLICE) return new StreamJob(ex, head, p, f.mode, f.length, f.close);
  if (p.byteLength > COPY_MAX) return new Pieces(head, p);
  // One allocation for head and content: the common response leaves in a single write.
  const out = Buffer.allocUnsafe(head.length + p.byteLength);
  out.write(head, 0, 'latin1');
  out.set(p, head.length);
  return out;
}

/**
 * The handler's reply, or its error reply when the exchange failed or rendering the reply threw
 * (JSON.stringify of a cyclic body, a stream that failed before its head): the one error path.
 */
export function replyOf(ex: Exchange): Reply {
  const h = ex.handler!;
  if (ex.error !== null) return h[kReplyError](ex.error);
  try {
    return h[kReply]();
  } catch (err) {
    return h[kReplyError](err);
  }
}
