/**
 * The stream shapes a response body may take, as the engine writes them: a Node Readable, a web
 * ReadableStream or any async iterable of strings and bytes.
 */
import { Readable } from 'node:stream';
import { ignore } from './ignore.js';

/** What the outbox streams: a Node Readable, a web ReadableStream or an async iterable. */
export type BodyStream = Readable | ReadableStream | AsyncIterable<unknown>;

/**
 * A web ReadableStream (not a Node Readable, which has `getReader` on no version but is checked first).
 *
 * @example isWebStream(new Blob(['x']).stream()) // true
 */
export function isWebStream(v: unknown): v is ReadableStream {
  return (
    !(v instanceof Readable) &&
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ReadableStream).getReader === 'function'
  );
}

/**
 * Destroys (Node) or cancels (web) a stream body that will not be written, so it lets go of what it
 * holds (a file descriptor, an upstream connection). A late 'error' from it is swallowed.
 *
 * @example releaseBody(fs.createReadStream(file))
 */
export function releaseBody(body: unknown): void {
  if (body === null || typeof body !== 'object') return;
  const b = body as {
    destroy?: () => void;
    cancel?: () => Promise<void>;
    locked?: boolean;
    once?: (e: string, f: () => void) => void;
  };
  if (typeof b.destroy === 'function') {
    b.once?.('error', ignore);
    b.destroy();
  } else if (typeof b.cancel === 'function' && b.locked === false) {
    b.cancel().catch(ignore);
  }
}
