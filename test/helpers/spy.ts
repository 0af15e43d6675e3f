/**
 * Spies on a server-side socket's write path from inside a handler (`ctx.socket`), to prove how
 * many writes — syscalls, for a `net.Socket` — a batch of responses took. A corked batch reaches
 * the stream implementation as one `_writev` call; an uncorked response is one `_write` each.
 */
import type { Duplex } from 'node:stream';

/** What the socket's stream implementation was asked to write, call by call. */
export interface WriteSpy {
  /** One entry per `_write`/`_writev` call: the bytes handed over in that call. */
  calls: Buffer[];
  /** How many `pause()` and `resume()` calls the socket saw (reading backpressure). */
  pauses: number;
  resumes: number;
}

type Impl = {
  _write(chunk: Buffer | string, enc: BufferEncoding, cb: (err?: Error | null) => void): void;
  _writev?(chunks: { chunk: Buffer | string; encoding: BufferEncoding }[], cb: (err?: Error | null) => void): void;
};

const spied = new WeakMap<object, WriteSpy>();

/**
 * Installs (once per socket) a spy on `socket`'s `_write`, `_writev`, `pause` and `resume`, and
 * returns its record. Call it from the first handler that runs on the connection, before any
 * response was written.
 */
export function spyOnSocket(socket: Duplex): WriteSpy {
  const existing = spied.get(socket);
  if (existing !== undefined) return existing;
  const spy: WriteSpy = { calls: [], pauses: 0, resumes: 0 };
  spied.set(socket, spy);
  const impl = socket as unknown as Impl;
  const write = impl._write.bind(socket);
  impl._write = (chunk, enc, cb) => {
    // The connection writes most responses as latin1 strings (see Connection#flush).
    spy.calls.push(typeof chunk === 'string' ? Buffer.from(chunk, enc) : Buffer.from(chunk));
    write(chunk, enc, cb);
  };
  if (typeof impl._writev === 'function') {
    const writev = impl._writev.bind(socket);
    impl._writev = (chunks, cb) => {
      spy.calls.push(
        Buffer.concat(chunks.map((c) => (typeof c.chunk === 'string' ? Buffer.from(c.chunk, c.encoding) : c.chunk))),
      );
      writev(chunks, cb);
    };
  }
  const pause = socket.pause.bind(socket);
  socket.pause = () => {
    spy.pauses++;
    return pause();
  };
  const resume = socket.resume.bind(socket);
  socket.resume = () => {
    spy.resumes++;
    return resume();
  };
  return spy;
}
