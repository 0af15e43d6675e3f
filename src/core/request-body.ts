/**
 * Where a request's body bytes wait between the parser and whoever reads them.
 *
 * Contract: the connection calls `push(chunk)` for each body event and `end(trailers)` once; it
 * asks `full` to decide whether to stop reading the socket (backpressure). A consumer attaches a
 * Readable with `attach()` (lazily, so a GET allocates no stream), and each `_read()` of that
 * Readable calls `wanted()`, which is where the connection resumes reading and sends
 * `100 Continue`. After the response is sent, `discard()` drops whatever is still arriving.
 */
import type { Readable } from 'node:stream';

/** Hooks the connection gives a body source. */
export interface BodyOwner {
  /** The consumer wants data: resume reading the socket, send `100 Continue` if it is owed. */
  bodyWanted(): void;
}

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
  constructor(readonly owner: BodyOwner | null, readonly highWaterMark: number) {}

  /** True while the unread bytes are over the high-water mark: the connection stops reading. */
  get full(): boolean {
    return this.bytes >= this.highWaterMark && !this.discarding;
  }

  push(chunk: Buffer): void {
    this.received += chunk.length;
    if (this.discarding) return;
    const r = this.readable;
    if (r !== null) {
      r.push(chunk);
      this.bytes = r.readableLength;
      return;
    }
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  end(trailers: string[] | null): void {
    this.ended = true;
    this.trailers = trailers;
    if (this.readable !== null && !this.discarding) this.readable.push(null);
  }

  /** The client went away or the request failed mid-body: the reader sees an error, not a short body. */
  abort(err: Error): void {
    if (this.ended) return;
    this.error = err;
    if (this.readable !== null) this.readable.destroy(err);
  }

  /** Makes `r` the consumer: moves buffered bytes into it. */
  attach(r: Readable): void {
    this.readable = r;
    for (const c of this.chunks) r.push(c);
    this.chunks = [];
    this.bytes = r.readableLength;
    if (this.error !== null) r.destroy(this.error);
    else if (this.ended) r.push(null);
  }

  /** Called from the Readable's `_read()`. */
  wanted(): void {
    if (this.readable !== null) this.bytes = this.readable.readableLength;
    this.owner?.bodyWanted();
  }

  /** The response is done: drop unread bytes so the next pipelined request can be parsed. */
  discard(): void {
    this.discarding = true;
    this.chunks = [];
    this.bytes = 0;
  }
}
