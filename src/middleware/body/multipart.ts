/**
 * `body({ multipart })`: a `multipart/form-data` body read through `ctx.request.parts()` — fields
 * onto `ctx.request.body`, files onto `ctx.request.files` (on disk, or in memory).
 *
 * Rules (tested in test/middleware/multipart*.test.ts):
 * - Fields go on a prototype-less object, as urlencoded ones: one value is a string, a repeated
 *   name an array of them in order. So `validate({ body })` types and checks them the same way.
 * - Files go on `ctx.request.files`, a prototype-less object of field name → `UploadedFile[]`.
 * - Disk storage (the default): each request's files are written, as they stream, into one
 *   directory made with `mkdtemp` under `dir` (default `os.tmpdir()`), made only when a first file
 *   arrives. It is removed, with everything in it, when `ctx.res` closes — the response was sent or
 *   the client left — and at once when reading the body fails (over a limit, malformed, aborted):
 *   the error is thrown only after every file written so far is closed and removed.
 * - Memory storage keeps each file as a Buffer; its `fileSize` defaults to 1 MiB
 *   (`MULTIPART_MEMORY_FILE_SIZE`), so a request holds at most `files × fileSize` bytes.
 * - Limits, `accept` and the errors are `parts()`' (src/http/multipart.ts).
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { Buffer } from 'node:buffer';
import type { Context } from '../../http/context.js';
import { partsFailure, type PartsOptions, type UploadedFile, type UploadedFiles } from '../../http/multipart.js';

/** Options of `body({ multipart })`: `parts()`' limits and `accept`, and where files go. */
export interface MultipartOptions extends PartsOptions {
  /** `'disk'` (default): files in a temp directory; `'memory'`: files as Buffers. */
  storage?: 'disk' | 'memory';
  /** The directory temp directories are made in (disk storage). Default `os.tmpdir()`. */
  dir?: string;
}

/** The default `fileSize` of memory storage. */
export const MULTIPART_MEMORY_FILE_SIZE = 1024 * 1024;

/** The resolved options of one `body({ multipart })`. */
export interface MultipartConfig {
  readonly parts: PartsOptions;
  readonly memory: boolean;
  readonly dir: string | null;
}

/** Resolves {@link MultipartOptions}, once per `body()` call. */
export function resolveMultipart(options: MultipartOptions): MultipartConfig {
  const memory = options.storage === 'memory';
  const limits = { ...options.limits };
  if (memory) limits.fileSize ??= MULTIPART_MEMORY_FILE_SIZE;
  const parts: PartsOptions = { limits };
  if (options.accept !== undefined) parts.accept = options.accept;
  return { parts, memory, dir: options.dir ?? null };
}

/**
 * Reads a multipart body onto `ctx.request.body` and `ctx.request.files`; see the module rules.
 *
 * @throws {HttpError} what `ctx.request.parts()` throws, after removing what was written
 */
export async function readMultipart(ctx: Context<object, object, object>, config: MultipartConfig): Promise<void> {
  const req = ctx.request;
  const fields: Record<string, string | string[]> = Object.create(null);
  const files: UploadedFiles = Object.create(null);
  const store = config.memory ? null : new TempDir(config.dir ?? tmpdir());
  if (store !== null) ctx.res.once('close', store.remove);
  try {
    for await (const part of req.parts(config.parts)) {
      if (part.kind === 'field') {
        const had = fields[part.name];
        fields[part.name] =
          had === undefined ? part.value : Array.isArray(had) ? [...had, part.value] : [had, part.value];
        continue;
      }
      const base = { fieldName: part.name, filename: part.filename, type: part.type, encoding: part.encoding };
      let file: UploadedFile;
      try {
        file = store === null ? await inMemory(base, part.stream) : await store.write(base, part.stream);
      } catch (err) {
        throw partsFailure(part.stream) ?? err;
      }
      (files[part.name] ??= []).push(file);
    }
  } catch (err) {
    if (store !== null) await store.remove();
    throw err;
  }
  req.body = fields;
  req.files = files;
}

type FileBase = Omit<UploadedFile, 'size' | 'path' | 'buffer'>;

async function inMemory(base: FileBase, stream: Readable): Promise<UploadedFile> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
  }
  return { ...base, size, buffer: Buffer.concat(chunks, size) };
}

/** One request's temp directory: made on the first file, removed once (later writes are refused). */
class TempDir {
  readonly #parent: string;
  #dir: Promise<string> | null = null;
  #removed: Promise<void> | null = null;
  #count = 0;
  /** Write streams not yet closed: removal waits for them, so no descriptor outlives it. */
  readonly #open = new Set<ReturnType<typeof createWriteStream>>();

  constructor(parent: string) {
    this.#parent = parent;
  }

  async write(base: FileBase, stream: Readable): Promise<UploadedFile> {
    if (this.#removed !== null) throw new Error('The upload directory was removed');
    const dir = await (this.#dir ??= mkdtemp(path.join(this.#parent, 'shallot-upload-')));
    if (this.#removed !== null) {
      await this.#removed;
      throw new Error('The upload directory was removed');
    }
    // Numbered, not the client's name: a file name is data, never a path.
    const file = path.join(dir, String(++this.#count));
    const out = createWriteStream(file, { flags: 'wx' });
    this.#open.add(out);
    out.once('close', () => this.#open.delete(out));
    try {
      await pipeline(stream, out);
    } catch (err) {
      await closed(out);
      throw err;
    }
    return { ...base, size: out.bytesWritten, path: file };
  }

  /** Removes the directory (once, however often it is asked), after its files are closed. */
  remove = (): Promise<void> => (this.#removed ??= this.#remove());

  async #remove(): Promise<void> {
    for (const out of this.#open) out.destroy();
    await Promise.all([...this.#open].map(closed));
    if (this.#dir === null) return;
    const dir = await this.#dir.catch(() => null);
    if (dir !== null) await rm(dir, { recursive: true, force: true });
  }
}

/** Resolves once `out` closed (its descriptor released), whatever error it was destroyed with. */
function closed(out: ReturnType<typeof createWriteStream>): Promise<void> {
  return out.closed ? Promise.resolve() : new Promise((resolve) => out.once('close', () => resolve()));
}
