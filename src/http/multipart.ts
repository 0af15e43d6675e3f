/**
 * `ctx.request.parts()`: a `multipart/form-data` body as an async iterable of parts, streamed.
 * The parsing is busboy's (the parser behind multer: limits counted while it scans, no buffering
 * of file data); this module feeds it the request body and turns its events into parts.
 *
 * Rules (tested in test/middleware/multipart*.test.ts):
 * - Nothing is buffered beyond the chunk being parsed: feeding busboy pauses while it asks for
 *   drain (a file stream whose consumer does not read) and while a part waits to be taken, so the
 *   request stream fills, the engine stops reading the socket, and backpressure reaches the client.
 * - A file stream the consumer did not read when it asks for the next part is drained (discarded).
 *   Leaving the loop early (break, throw) detaches every listener, destroys busboy and the current
 *   file stream, and closes the connection after the answer when the body was not read to its end.
 * - Limits (see {@link MultipartLimits}, defaults {@link MULTIPART_DEFAULTS}) are counted as bytes
 *   and parts arrive: a file crosses `fileSize` at the chunk that crosses it; `files`, `fields` and
 *   `parts` at the header of the part over them. `fieldSize` is busboy's: a field value keeps at
 *   most `fieldSize` bytes, the rest of the part is discarded as it arrives, and the 413 comes at
 *   that part's end. Over any limit: 413 `ERR_MULTIPART_LIMIT`, its detail naming the limit and the
 *   part's field name. Per part, busboy reads at most 16 KiB of header (a longer header is
 *   malformed: 400) and keeps the first 2000 header fields.
 * - A missing or invalid boundary is 400 `ERR_MULTIPART_BOUNDARY`, before a byte is read; a body
 *   that does not parse or ends before its closing boundary is 400 `ERR_MULTIPART_MALFORMED`; a
 *   Content-Type other than `multipart/form-data` is 415 `ERR_UNSUPPORTED_MEDIA_TYPE`; a file whose
 *   type `accept` refuses (type-is patterns, e.g. `image/*`) is 415 `ERR_MULTIPART_FILE_TYPE`.
 * - The first error wins: the iterator throws it, and the current file stream is destroyed with it
 *   (so a `pipeline()` reading that stream rejects with the same HttpError). A body the client cut
 *   short is its own error (its status and code when it has them, else 400 `ERR_BODY_ABORTED`).
 * - A body with a Content-Encoding is refused with 415 `ERR_UNSUPPORTED_CONTENT_ENCODING` (browsers
 *   and curl send uploads uncompressed, and a compressed part is still a file of its own type).
 */
import type busboy from 'busboy';
import { busboyOf, typeisOf } from './deferred-modules.js';
import type { Readable } from 'node:stream';
import { errorFor } from './errors.js';
import type { HttpError } from './http-error.js';
import { ignore } from '../engine/ignore.js';

/** The limits of a multipart body; each is counted while the body streams. */
export interface MultipartLimits {
  /** Most bytes in one file. */
  fileSize: number;
  /** Most file parts. */
  files: number;
  /** Most non-file parts. */
  fields: number;
  /** Most bytes in one field's value. */
  fieldSize: number;
  /** Most parts, files and fields together. */
  parts: number;
}

/** The defaults of {@link MultipartLimits}. */
export const MULTIPART_DEFAULTS: Readonly<MultipartLimits> = Object.freeze({
  fileSize: 10 * 1024 * 1024,
  files: 10,
  fields: 100,
  fieldSize: 64 * 1024,
  parts: 1000,
});

/** Options of `ctx.request.parts()`. */
export interface PartsOptions {
  /** Limits over {@link MULTIPART_DEFAULTS}. */
  limits?: Partial<MultipartLimits>;
  /** Media types a file part may have (type-is patterns: `image/*`, `application/pdf`); default any. */
  accept?: readonly string[];
}

/** A non-file part. */
export interface FieldPart {
  readonly kind: 'field';
  /** The `name` of its Content-Disposition (`''` when none). */
  readonly name: string;
  readonly value: string;
  /** Its Content-Type (`text/plain` when none was given). */
  readonly type: string;
  readonly encoding: string;
}

/** A file part: read `stream` to its end (or leave it, and it is discarded when the next part is asked for). */
export interface FilePart {
  readonly kind: 'file';
  readonly name: string;
  /** The client's file name (its base name only), `''` when none was given. */
  readonly filename: string;
  /** Its Content-Type (`application/octet-stream` when none was given). */
  readonly type: string;
  readonly encoding: string;
  readonly stream: Readable;
}

/** One part of a `multipart/form-data` body. */
export type Part = FieldPart | FilePart;

/** A file of a multipart body that `body({ multipart })` stored: on disk (`path`) or in memory (`buffer`). */
export interface UploadedFile {
  /** The field name of its part. */
  readonly fieldName: string;
  /** The client's file name (base name only), `''` when none was given. */
  readonly filename: string;
  /** Its Content-Type as the client sent it. */
  readonly type: string;
  readonly encoding: string;
  /** Its size in bytes. */
  readonly size: number;
  /** Where it is on disk (storage `'disk'`): removed when the response finishes or the client leaves. */
  readonly path?: string;
  /** Its bytes (storage `'memory'`). */
  readonly buffer?: Buffer;
}

/** The files of a request by field name (a prototype-less object). */
export type UploadedFiles = Record<string, UploadedFile[]>;

/** What the parts reader needs of a request: its header fields, its body stream, and a way to close the connection. */
export interface MultipartSource {
  get(field: string): string;
  readonly req: Readable;
  /** Asks for `Connection: close` on the answer (the rest of an unread body is not worth receiving). */
  closeConnection(): void;
}

const MULTIPART = ['multipart/form-data'];
/** File stream → the error its reader failed with (see {@link partsFailure}). */
const failures = new WeakMap<Readable, Error>();

/**
 * The error the parts reader failed with while `stream` (a file part's) was being read, or null.
 * A stream that busboy itself destroyed (the body ended inside the file) errors with busboy's own
 * plain Error; this is the HttpError the reader made of it, the one to answer with.
 *
 * @example catch (err) { throw partsFailure(part.stream) ?? err }
 */
export function partsFailure(stream: Readable): Error | null {
  return failures.get(stream) ?? null;
}
/** RFC 2046 §5.1.1: 1 to 70 bchars, not ending with a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/**
 * The parts of a `multipart/form-data` body, in order; see the module rules. Iterate it once.
 *
 * @throws {HttpError} 400 `ERR_MULTIPART_BOUNDARY`, `ERR_MULTIPART_MALFORMED`, `ERR_BODY_ABORTED`;
 *   413 `ERR_MULTIPART_LIMIT`; 415 `ERR_UNSUPPORTED_MEDIA_TYPE`, `ERR_MULTIPART_FILE_TYPE` (from the iterator)
 * @example
 * for await (const part of ctx.request.parts({ limits: { fileSize: 5e6 } }))
 *   if (part.kind === 'file') await pipeline(part.stream, fs.createWriteStream(dest))
 */
export async function* parts(
  source: MultipartSource,
  options: PartsOptions = {},
): AsyncGenerator<Part, void, undefined> {
  const reader = new PartsReader(source, options);
  try {
    for (;;) {
      const part = await reader.take();
      if (part === null) return;
      yield part;
      reader.release(part);
    }
  } finally {
    reader.close();
  }
}

/** The state of one parts iteration: busboy, the body feeding it, and the parts not yet taken. */
class PartsReader {
  readonly #source: MultipartSource;
  readonly #limits: MultipartLimits;
  readonly #accept: readonly string[] | null;
  readonly #body: Readable;
  readonly #bb: busboy.Busboy;
  readonly #queue: Part[] = [];
  #waiter: { resolve: (p: Part | null) => void; reject: (e: Error) => void } | null = null;
  #error: HttpError | Error | null = null;
  #finished = false;
  #bodyEnded = false;
  #file: Readable | null = null;
  #files = 0;
  #fields = 0;
  #closed = false;

  constructor(source: MultipartSource, options: PartsOptions) {
    this.#source = source;
    this.#limits = { ...MULTIPART_DEFAULTS, ...options.limits };
    this.#accept = options.accept ?? null;
    const contentType = source.get('content-type');
    if (typeisOf().is(contentType, MULTIPART) === false || contentType === '') {
      throw errorFor('ERR_UNSUPPORTED_MEDIA_TYPE', `Expected multipart/form-data, got: ${contentType.slice(0, 100)}`);
    }
    const boundary = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
    const b = boundary === null ? '' : (boundary[1] ?? boundary[2] ?? '');
    if (!BOUNDARY.test(b)) {
      throw errorFor(
        'ERR_MULTIPART_BOUNDARY',
        b === ''
          ? 'A multipart/form-data body needs a boundary parameter'
          : 'The multipart boundary is not 1 to 70 allowed characters',
      );
    }
    const coding = source.get('content-encoding').trim().toLowerCase();
    if (coding !== '' && coding !== 'identity') {
      throw errorFor('ERR_UNSUPPORTED_CONTENT_ENCODING', `A multipart body is not decoded: ${coding.slice(0, 64)}`, {
        headers: { 'accept-encoding': 'identity' },
      });
    }
    const l = this.#limits;
    try {
      this.#bb = busboyOf()({
        headers: { 'content-type': contentType },
        // Browsers, curl and fetch send file names as raw UTF-8 (RFC 7578 §4.2), not latin1.
        defParamCharset: 'utf8',
        // files, fields and parts are counted here, where the part's name is known for the 413.
        // busboy reports a limit when it is reached, not passed: one byte more is the first over it.
        limits: { fileSize: l.fileSize + 1, fieldSize: l.fieldSize + 1 },
      });
    } catch (err) {
      throw errorFor('ERR_MULTIPART_BOUNDARY', `The multipart Content-Type does not parse`, { cause: err });
    }
    this.#body = source.req;
    this.#bb.on('file', this.#onFile);
    this.#bb.on('field', this.#onField);
    this.#bb.on('error', this.#onParseError);
    this.#bb.on('finish', this.#onFinish);
    this.#bb.on('drain', this.#feed);
    this.#body.on('data', this.#onData);
    this.#body.on('end', this.#onEnd);
    this.#body.on('error', this.#onBodyError);
    this.#body.on('close', this.#onBodyClose);
  }

  /** The next part, `null` after the last; rejects with the first error. */
  take(): Promise<Part | null> {
    if (this.#error !== null) return Promise.reject(this.#error);
    const p = this.#queue.shift();
    if (p !== undefined) {
      this.#feed();
      return Promise.resolve(p);
    }
    if (this.#finished) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      this.#feed();
    });
  }

  /** The consumer asks for the part after `part`: a file stream it left unread is drained. */
  release(part: Part): void {
    if (part.kind === 'file' && !part.stream.readableEnded && !part.stream.destroyed) part.stream.resume();
  }

  /** Detaches everything; the iteration is over (finished, failed or left). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const body = this.#body;
    body.off('data', this.#onData);
    body.off('end', this.#onEnd);
    body.off('close', this.#onBodyClose);
    this.#bb.off('file', this.#onFile);
    this.#bb.off('field', this.#onField);
    this.#bb.off('finish', this.#onFinish);
    this.#bb.off('drain', this.#feed);
    // busboy and the body may still report their own teardown: heard, and ignored.
    this.#bb.on('error', ignore);
    if (!this.#finished) {
      const reason = this.#error ?? errorFor('ERR_BODY_ABORTED', 'The parts were left before the last one');
      const file = this.#file;
      this.#file = null;
      if (file !== null && !file.readableEnded) file.destroy(reason);
      this.#bb.destroy();
      if (!this.#bodyEnded) {
        this.#source.closeConnection();
        body.destroy();
      }
    }
    body.off('error', this.#onBodyError);
    if (!body.destroyed) body.once('error', ignore);
    this.#queue.length = 0;
  }

  /** Feeds busboy again unless it waits for a consumer: a part not taken, or busboy asking for drain. */
  #feed = (): void => {
    if (this.#closed || this.#error !== null) return;
    if (this.#queue.length === 0 && !this.#bb.writableNeedDrain && this.#body.isPaused()) this.#body.resume();
  };

  #onData = (chunk: Buffer): void => {
    if (this.#error !== null) return;
    if (!this.#bb.write(chunk) || this.#queue.length > 0) this.#body.pause();
  };

  #onEnd = (): void => {
    this.#bodyEnded = true;
    if (this.#error === null) this.#bb.end();
  };

  #onFile = (name: string | undefined, stream: Readable, info: busboy.FileInfo): void => {
    const field = name ?? '';
    if (++this.#files > this.#limits.files) return this.#overLimit(stream, 'files', 'file', field);
    if (this.#files + this.#fields > this.#limits.parts) return this.#overLimit(stream, 'parts', 'file', field);
    const accept = this.#accept;
    if (accept !== null && typeisOf().is(info.mimeType, accept as string[]) === false) {
      stream.resume();
      return this.#fail(
        errorFor(
          'ERR_MULTIPART_FILE_TYPE',
          `File "${field.slice(0, 100)}" has type ${info.mimeType.slice(0, 100)}, not one of ${accept.join(', ')}`,
        ),
      );
    }
    this.#file = stream;
    // The stream is the consumer's, who may never listen for the error it is destroyed with. An
    // error of busboy's own (the body ended inside this file) is the form's: malformed.
    stream.on('error', (err) => {
      if (err !== this.#error) this.#onParseError(err);
    });
    stream.once('limit', () =>
      this.#fail(
        errorFor(
          'ERR_MULTIPART_LIMIT',
          `File "${field.slice(0, 100)}" exceeds the fileSize limit of ${this.#limits.fileSize} bytes`,
        ),
      ),
    );
    stream.once('end', () => {
      if (this.#file === stream) this.#file = null;
    });
    this.#push({
      kind: 'file',
      name: field,
      filename: info.filename ?? '',
      type: info.mimeType,
      encoding: info.encoding,
      stream,
    });
  };

  #onField = (name: string | undefined, value: string, info: busboy.FieldInfo): void => {
    const field = name ?? '';
    if (++this.#fields > this.#limits.fields) return this.#overLimit(null, 'fields', 'field', field);
    if (this.#files + this.#fields > this.#limits.parts) return this.#overLimit(null, 'parts', 'field', field);
    if (info.valueTruncated) {
      return this.#fail(
        errorFor(
          'ERR_MULTIPART_LIMIT',
          `Field "${field.slice(0, 100)}" exceeds the fieldSize limit of ${this.#limits.fieldSize} bytes`,
        ),
      );
    }
    this.#push({ kind: 'field', name: field, value, type: info.mimeType, encoding: info.encoding });
  };

  #overLimit(stream: Readable | null, limit: 'files' | 'fields' | 'parts', kind: Part['kind'], field: string): void {
    stream?.resume();
    const n = this.#limits[limit];
    this.#fail(
      errorFor('ERR_MULTIPART_LIMIT', `The ${kind} "${field.slice(0, 100)}" is over the ${limit} limit of ${n}`),
    );
  }

  #push(part: Part): void {
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      w.resolve(part);
    } else {
      this.#queue.push(part);
    }
  }

  #onFinish = (): void => {
    this.#finished = true;
    const w = this.#waiter;
    if (w !== null && this.#queue.length === 0) {
      this.#waiter = null;
      w.resolve(null);
    }
  };

  #onParseError = (err: unknown): void => {
    this.#fail(
      errorFor('ERR_MULTIPART_MALFORMED', `The multipart body does not parse: ${(err as Error).message}`, {
        cause: err,
      }),
    );
  };

  #onBodyError = (err: Error): void => {
    const status = (err as { status?: unknown }).status;
    this.#fail(
      typeof status === 'number'
        ? err
        : errorFor('ERR_BODY_ABORTED', 'The request body ended before it was complete', { cause: err }),
    );
  };

  #onBodyClose = (): void => {
    if (!this.#bodyEnded) this.#onBodyError(new Error('The request body closed before its end'));
  };

  /** Records the first error; the current file stream and the waiting consumer get it. */
  #fail(err: Error): void {
    if (this.#error !== null || this.#closed) return;
    this.#error = err;
    if (this.#file !== null) failures.set(this.#file, err);
    this.#body.pause();
    if (!this.#bodyEnded) this.#source.closeConnection();
    const file = this.#file;
    this.#file = null;
    if (file !== null && !file.readableEnded) file.destroy(err);
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      w.reject(err);
    }
  }
}
