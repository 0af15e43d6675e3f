/**
 * Writes a response's content after its head, held to what the head promised (framing.ts): exactly
 * `length` bytes for Content-Length framing, chunks and the last-chunk for chunked, anything for a
 * close-delimited response. A stream that runs over is cut at the promised length; one that ends
 * short is reported: either way the caller closes the connection, so no byte is ever read as the
 * start of the next response (RFC 9112 §6.3).
 *
 * Pieces go out at most {@link SLICE} bytes at a time, with backpressure: a client that does not read
 * pins a socket buffer of the content, not all of it, and the send timeout sees progress per slice.
 */
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Buffer } from 'node:buffer';
import { FRAME, type FrameMode } from './framing.js';
import { isWebStream, type BodyStream } from './body-stream.js';

/** Content over this many bytes is written by reference a slice of this size at a time. */
export const SLICE = 64 * 1024;

/** What the writer shares with its caller while it runs. */
export class ContentProgress {
  /** Bytes the content still owes its Content-Length, or -1 when it has none. */
  left = -1;
  /** The source being read (to destroy when the client leaves), or null. */
  source: unknown = null;
}

/** How the content ended: `failure` null when complete; `cut` when it stopped where its framing did not, intact up to there. */
export interface ContentEnd {
  failure: unknown;
  cut: boolean;
}

/** Told, once and never synchronously from {@link writeContent}, how the content ended. */
export interface ContentSink {
  contentEnded(end: ContentEnd): void;
}

/**
 * Writes `content` (a stream, or bytes to slice) to `s` under `mode`/`length`, and tells `sink`
 * when the source ended, failed, or the socket was destroyed (then with no failure of its own).
 */
export function writeContent(
  s: Socket,
  content: BodyStream | Uint8Array,
  mode: FrameMode,
  length: number,
  progress: ContentProgress,
  sink: ContentSink,
): void {
  const src = content instanceof Uint8Array ? slices(content) : readable(content);
  progress.source = src;
  if (src instanceof Readable) new ReadablePump(s, src, mode, length, progress, sink);
  else void writePieces(s, src, mode, length, progress).then((end) => sink.contentEnded(end));
}

async function writePieces(
  s: Socket,
  src: AsyncIterable<unknown> | Iterable<unknown>,
  mode: FrameMode,
  length: number,
  progress: ContentProgress,
): Promise<ContentEnd> {
  const chunked = mode === FRAME.CHUNKED;
  let left = (progress.left = mode === FRAME.LENGTH ? length : -1);
  try {
    for await (const piece of src) {
      if (s.destroyed) break;
      const buf = bytesOf(piece);
      const n = buf.byteLength;
      if (n === 0) continue;
      if (left >= 0 && n > left) {
        if (left > 0) s.write(buf.subarray(0, left));
        progress.left = 0;
        return overran(length);
      }
      if (left > 0) left = progress.left -= n;
      // The chunk's size line leaves in one write with its first slice.
      if (chunked) {
        s.cork();
        s.write(`${n.toString(16)}\r\n`, 'latin1');
      }
      for (let o = 0; o < n && !s.destroyed;) {
        const end = Math.min(o + SLICE, n);
        let ok = s.write(o === 0 && end === n ? buf : buf.subarray(o, end));
        if (chunked && end === n) ok = s.write('\r\n', 'latin1');
        if (chunked && o === 0) s.uncork();
        o = end;
        if (!ok && !s.destroyed) await drained(s);
      }
    }
    return sourceEnded(s, left, length, chunked);
  } catch (err) {
    return { failure: err, cut: false };
  } finally {
    progress.source = null;
    progress.left = -1;
  }
}

const kPump = Symbol('shallot.pump');

/** A source or socket that a {@link ReadablePump} listens to. */
interface Pumped {
  [kPump]?: ReadablePump;
}

/**
 * {@link writeContent} for a Node Readable, driven by its events: what `for await` does (the same
 * framing, cut and short rules, backpressure, the source destroyed when the writing stops early)
 * without an async iterator, its promises and its listener closures — about 1 KiB per streaming
 * response, which an open SSE stream holds for its whole life. The listeners are shared static
 * functions that find their pump through a symbol on the source (and on the socket, for 'drain').
 */
class ReadablePump {
  readonly #sink: ContentSink;
  readonly #s: Socket;
  readonly #src: Readable;
  readonly #chunked: boolean;
  readonly #length: number;
  readonly #progress: ContentProgress;
  #settled = false;

  static #onData(this: Readable, piece: unknown): void {
    (this as Pumped)[kPump]!.#data(piece);
  }

  static #onEnd(this: Readable): void {
    (this as Pumped)[kPump]!.#ended();
  }

  static #onError(this: Readable, err: unknown): void {
    (this as Pumped)[kPump]!.#finish({ failure: err, cut: false });
  }

  static #onClose(this: Readable): void {
    const p = (this as Pumped)[kPump]!;
    // Closed without 'end' or 'error': destroyed by someone (the outbox, when the client left).
    if (!p.#settled) p.#finish({ failure: p.#s.destroyed ? null : prematureClose(), cut: false });
  }

  static #onDrain(this: Socket): void {
    const p = (this as Pumped)[kPump];
    (this as Pumped)[kPump] = undefined;
    if (p !== undefined && !p.#settled) p.#src.resume();
  }

  constructor(s: Socket, src: Readable, mode: FrameMode, length: number, progress: ContentProgress, sink: ContentSink) {
    this.#sink = sink;
    this.#s = s;
    this.#src = src;
    this.#chunked = mode === FRAME.CHUNKED;
    this.#length = length;
    this.#progress = progress;
    progress.left = mode === FRAME.LENGTH ? length : -1;
    if (src.errored !== null) {
      this.#finish({ failure: src.errored, cut: false });
      return;
    }
    if (src.readableEnded) {
      this.#ended();
      return;
    }
    if (src.destroyed) {
      this.#finish({ failure: s.destroyed ? null : prematureClose(), cut: false });
      return;
    }
    (src as Pumped)[kPump] = this;
    src.on('data', ReadablePump.#onData);
    src.on('end', ReadablePump.#onEnd);
    src.on('error', ReadablePump.#onError);
    src.on('close', ReadablePump.#onClose);
    src.resume();
  }

  #data(piece: unknown): void {
    if (this.#settled) return;
    const s = this.#s;
    if (s.destroyed) {
      this.#stop({ failure: null, cut: false });
      return;
    }
    let buf: Uint8Array;
    try {
      buf = bytesOf(piece);
    } catch (err) {
      this.#stop({ failure: err, cut: false });
      return;
    }
    const n = buf.byteLength;
    if (n === 0) return;
    const progress = this.#progress;
    const left = progress.left;
    if (left >= 0 && n > left) {
      if (left > 0) s.write(buf.subarray(0, left));
      progress.left = 0;
      this.#stop(overran(this.#length));
      return;
    }
    if (left > 0) progress.left = left - n;
    let ok: boolean;
    if (this.#chunked) {
      // The chunk's size line leaves in one write with it.
      s.cork();
      s.write(`${n.toString(16)}\r\n`, 'latin1');
      s.write(buf);
      ok = s.write('\r\n', 'latin1');
      s.uncork();
    } else {
      ok = s.write(buf);
    }
    if (!ok && !s.destroyed) {
      this.#src.pause();
      (s as Pumped)[kPump] = this;
      s.once('drain', ReadablePump.#onDrain);
    }
  }

  #ended(): void {
    if (this.#settled) return;
    this.#finish(sourceEnded(this.#s, this.#progress.left, this.#length, this.#chunked));
  }

  /** Writing stops before the source ended: it is destroyed, as `for await` would on leaving early. */
  #stop(end: ContentEnd): void {
    this.#finish(end);
    this.#src.destroy();
  }

  #finish(end: ContentEnd): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#progress.source = null;
    this.#progress.left = -1;
    // As a resolved promise would: in a microtask, never inside a stream's event.
    const sink = this.#sink;
    queueMicrotask(() => sink.contentEnded(end));
  }
}

/** The content wrote more than its Content-Length: cut after the promised bytes. */
function overran(length: number): ContentEnd {
  return {
    failure: new Error(
      `The response body ran over its Content-Length of ${length} bytes; the connection was closed after them`,
    ),
    cut: true,
  };
}

/** The source ended with `left` bytes of its Content-Length owed (or -1): the chunked terminator written if all is well. */
function sourceEnded(s: Socket, left: number, length: number, chunked: boolean): ContentEnd {
  if (s.destroyed) return { failure: null, cut: false };
  if (left > 0)
    return {
      failure: new Error(
        `The response body ended ${left} bytes short of its Content-Length of ${length}; the connection was closed`,
      ),
      cut: true,
    };
  if (chunked) s.write('0\r\n\r\n', 'latin1');
  return { failure: null, cut: false };
}

/** What `for await` over a Readable throws when the stream closed without ending. */
function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/**
 * What a body stream is read through: a web ReadableStream through a Node Readable, since
 * destroying that when the client leaves cancels the stream's reader, where a `for await` pending
 * on the web stream itself would wait for its next chunk forever (and its cancel() would never run).
 */
export function readable(content: BodyStream): Readable | AsyncIterable<unknown> {
  return isWebStream(content)
    ? Readable.fromWeb(content as never, { objectMode: true, highWaterMark: 1 })
    : (content as Readable | AsyncIterable<unknown>);
}

/** A piece of a body stream as bytes: strings as UTF-8; anything else cannot be sent. */
export function bytesOf(piece: unknown): Uint8Array {
  if (typeof piece === 'string') return Buffer.from(piece, 'utf8');
  if (piece instanceof Uint8Array) return piece;
  throw new TypeError(`A response body stream yielded ${typeof piece}: only strings and bytes can be sent`);
}

function* slices(b: Uint8Array): Generator<Uint8Array> {
  for (let o = 0; o < b.byteLength; o += SLICE) yield b.subarray(o, o + SLICE);
}

/** Resolves on the writer's next 'drain', or when it closes (a socket, or Node's response). */
export function drained(s: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      s.removeListener('drain', done);
      s.removeListener('close', done);
      resolve();
    };
    s.once('drain', done);
    s.once('close', done);
  });
}
