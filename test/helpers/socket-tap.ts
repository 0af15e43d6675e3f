/**
 * Sees every byte a socket is asked to write: wraps the socket's own `write` and `end`, so the
 * tap sits outside the code under test (the response oracle and the response fuzzer use it on the
 * socket the engine is given, real or in-memory).
 */
import type { Socket } from 'node:net';
import { Buffer } from 'node:buffer';

/** Calls `onWrite` with the bytes of every `write()` and `end(chunk)` on `socket`, before they go. */
export function tapWrites(socket: Socket, onWrite: (bytes: Buffer) => void): void {
  const tap = (chunk: unknown, encoding: unknown): void => {
    if (typeof chunk === 'string')
      onWrite(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    else if (chunk instanceof Uint8Array) onWrite(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  };
  const write = socket.write;
  socket.write = function (this: Socket, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    tap(chunk, encoding);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, encoding, cb);
  } as Socket['write'];
  const end = socket.end;
  socket.end = function (this: Socket, chunk?: unknown, encoding?: unknown, cb?: unknown): Socket {
    tap(chunk, encoding);
    return (end as (...a: unknown[]) => Socket).call(this, chunk, encoding, cb);
  } as Socket['end'];
}
