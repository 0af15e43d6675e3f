/**
 * Where a request's body bytes wait between the parser and whoever reads them.
 *
 * Contract: the connection calls `push(chunk)` for each body event and `end(trailers)` once; it
 * asks `full` to decide whether to stop reading the socket (backpressure). A consumer attaches a
 * Readable with `attach()` (lazily, so a GET allocates no stream), and each `_read()` of that
 * Readable calls `wanted()`, which is where the connection resumes reading and sends
 * `100 Continue`. After the response is sent, `discard()` drops whatever is still arriving.
 *
 * A consumer that wants the whole body as one Buffer calls `collect(limit)` instead (body
 * parsers do): no Readable, no async iterator, and for the common small body — already complete
 * when the handler asks — no promise either. A Readable stream costs ~15 µs per request here
 * (its state, the iterator's listeners, `eos`, nextTicks); collecting costs one concat at most.
 *
 * Small chunks are coalesced: a body sent as many tiny chunks (1-byte chunked encoding, or a
 * trickle of 1-byte TCP segments) would otherwise cost a Buffer object per chunk — about 100 heap
 * bytes per body byte — against a limit that counts only the bytes, and a stream reader a 'data'
 * event per chunk. A chunk under {@link SMALL} bytes is copied into a {@link COALESCE}-byte buffer
 * (for `collect()`, not the body's first: a body that came as one chunk is kept as it is), which is
 * stored once full, at the end, when a stream reader asks for more, or — for a stream reader that
 * is waiting — when the connection has read all it has (`settle()`), so no byte waits longer than
 * it would have. Every stored chunk is then large, the first, or one per read.
 */
import type { Readable } from 'node:stream';
import { Buffer } from 'node:buffer';

/** Hooks the connection gives a body source. */
export interface BodyOwner {
  /** The consumer of `body` wants data: resume reading the socket, send `100 Continue` if it is owed. */
  bodyWanted(body: BodySource): void;
}

const EMPTY = Buffer.alloc(0);
/** A chunk under this many bytes is coalesced (see the module contract). */
const SMALL = 1024;
/** The size of the buffer small chunks are coalesced into. */
const COALESCE = 16 * 1024;

/** Buffered, back-pressured request body bytes; see the module contract. */
export class BodySource {
  chunks: Buffer[] = [];
  bytes = 0;
  received = 0;
  ended = false;
  discarding = false;
  trailers: string[] | null = null;
  error: Error | null = null;
  readable: Readable | null = null;
  /** The byte limit of a running `collect()`, or -1 when none runs. */
  collectLimit = -1;
  /** The coalescing buffer and how much of it is filled (see the module contract). */
  #small: Buffer | null = null;
  #smallLen = 0;
  /** The stream reader asked for more (`_read`) and nothing was pushed since: the next bytes go to it at once. */
  #asked = false;
  #resolve: ((bytes: Buffer | null) => void) | null = null;
  #reject: ((err: Error) => void) | null = null;
  constructor(
    readonly owner: BodyOwner | null,
    readonly highWaterMark: number,
  ) {}

  /**
   * True while the unread bytes are over the high-water mark: the connection stops reading. Not
   * while collecting: the collector wants every byte, and its limit bounds them instead.
   */
  get full(): boolean {
    return this.bytes >= this.highWaterMark && !this.discarding && this.collectLimit < 0;
  }

  /**
   * Takes the whole body as one Buffer: the Buffer itself when it is already complete, else a
   * promise of it. `null` (or a promise of `null`) when it grew past `limit` bytes: the bytes
   * are dropped and the rest of the body is discarded as it arrives. Throws (or rejects with)
   * the error that cut the body short. Call it once, and not after `attach()`.
   */
  collect(limit: number): Buffer | null | Promise<Buffer | null> {
    if (this.bytes > limit) return this.#overLimit();
    if (!this.ended && this.error === null) {
      this.collectLimit = limit;
      // Resumes reading and sends 100 Continue; may push (even end) the body synchronously.
      this.owner?.bodyWanted(this);
    }
    if (this.error !== null) throw this.error;
    if (this.discarding) return null;
    if (this.ended) return this.#take();
    return new Promise<Buffer | null>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  #take(): Buffer {
    this.#seal();
    const c = this.chunks;
    const out = c.length === 1 ? c[0]! : c.length === 0 ? EMPTY : Buffer.concat(c, this.bytes);
    this.chunks = [];
    this.bytes = 0;
    return out;
  }

  #overLimit(): null {
    this.discard();
    this.collectLimit = -1;
    const resolve = this.#resolve;
    this.#resolve = this.#reject = null;
    resolve?.(null);
    return null;
  }

  push(chunk: Buffer): void {
    this.received += chunk.length;
    if (this.discarding) return;
    if (chunk.length < SMALL && (this.readable !== null || this.#small !== null || this.chunks.length > 0)) {
      this.#coalesce(chunk);
    } else {
      this.#seal();
      this.#store(chunk);
    }
    if (this.collectLimit >= 0 && this.bytes > this.collectLimit) this.#overLimit();
  }

  #store(chunk: Buffer): void {
    const r = this.readable;
    if (r !== null) {
      this.#asked = false;
      r.push(chunk);
      this.bytes = r.readableLength + this.#smallLen;
      return;
    }
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  #coalesce(chunk: Buffer): void {
    let small = this.#small;
    if (small === null || this.#smallLen + chunk.length > COALESCE) {
      this.#seal();
      small = this.#small = Buffer.allocUnsafe(COALESCE);
    }
    chunk.copy(small, this.#smallLen);
    this.#smallLen += chunk.length;
    this.bytes += chunk.length;
  }

  /** Stores what the coalescing buffer holds as one chunk. */
  #seal(): void {
    const n = this.#smallLen;
    if (n === 0) return;
    const small = this.#small!;
    this.#smallLen = 0;
    this.bytes -= n;
    if (n === COALESCE) {
      this.#small = null;
      this.#store(small);
    } else {
      // The rest of the buffer is reused for the next small chunks; this chunk is a copy of its part.
      this.#store(Buffer.from(small.subarray(0, n)));
    }
  }

  /**
   * The connection has read everything it has for now: a stream reader that is waiting gets the
   * coalesced bytes (one that is behind takes them later, when it asks: see {@link wanted}).
   */
  settle(): void {
    const r = this.readable;
    if (this.#smallLen > 0 && r !== null && (this.#asked || r.readableLength === 0)) this.#seal();
  }

  end(trailers: string[] | null): void {
    this.#seal();
    this.ended = true;
    this.trailers = trailers;
    if (this.readable !== null && !this.discarding) this.readable.push(null);
    const resolve = this.#resolve;
    if (resolve !== null) {
      this.#resolve = this.#reject = null;
      resolve(this.#take());
    }
  }

  /** The client went away or the request failed mid-body: the reader sees an error, not a short body. */
  abort(err: Error): void {
    if (this.ended) return;
    this.error = err;
    if (this.readable !== null) this.readable.destroy(err);
    const reject = this.#reject;
    if (reject !== null) {
      this.#resolve = this.#reject = null;
      reject(err);
    }
  }

  /** Makes `r` the consumer: moves buffered bytes into it. */
  attach(r: Readable): void {
    this.#seal();
    this.readable = r;
    for (const c of this.chunks) r.push(c);
    this.chunks = [];
    this.bytes = r.readableLength;
    if (this.error !== null) r.destroy(this.error);
    else if (this.ended) r.push(null);
  }

  /** Called from the Readable's `_read()`. */
  wanted(): void {
    // A Readable calls _read() once until something is pushed: bytes that arrive after this must
    // reach it when the connection settles, however full its buffer looks.
    this.#asked = true;
    this.#seal();
    if (this.readable !== null) this.bytes = this.readable.readableLength;
    this.owner?.bodyWanted(this);
  }

  /** The response is done: drop unread bytes so the next pipelined request can be parsed. */
  discard(): void {
    this.discarding = true;
    this.chunks = [];
    this.bytes = 0;
    this.#small = null;
    this.#smallLen = 0;
  }
}
