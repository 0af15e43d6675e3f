/**
 * File uploads, both ways: `body({ multipart })` on the route that takes an avatar (files on disk
 * in a temp dir removed after the answer, fields checked with zod), and `ctx.request.parts()` on
 * a route that streams every file through a SHA-256 without storing a byte.
 *
 *   npx tsx examples/upload.ts   (http://localhost:8008)
 *   curl -F alt='Me, smiling' -F avatar=@photo.png localhost:8008/avatar
 *   curl -F a=@big.iso -F b=@notes.txt localhost:8008/checksums
 *   curl -F avatar=@notes.txt localhost:8008/avatar   → 415 ERR_MULTIPART_FILE_TYPE
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { App, HttpError } from '../src/index.js';
import { body, errorHandler, logger } from '../src/middleware/index.js';

const PORT = Number(process.env['PORT'] ?? 8008);
const HOST = process.env['HOST'] ?? 'localhost';

const AvatarFields = z.object({ alt: z.string().trim().max(200).default('') });

/** A fresh app (one per test). */
export function createApp(): App {
  const app = new App();
  app.use(errorHandler());
  app.use(logger());
  // JSON and forms everywhere; multipart only where a route enables it (docs/uploads.md).
  app.use(body());

  app.get('/', () => ({ avatar: 'POST /avatar', checksums: 'POST /checksums' }));

  app.post(
    '/avatar',
    body({ multipart: { accept: ['image/*'], limits: { files: 1, fileSize: 5 * 1024 * 1024, fields: 5 } } }),
    async (ctx) => {
      const { alt } = AvatarFields.parse(ctx.request.body);
      const file = ctx.request.files?.['avatar']?.[0];
      if (file?.path === undefined) throw new HttpError(400, 'An "avatar" file is required');
      // The file is ours until the answer is sent; keep it by moving or copying it before then.
      const bytes = await readFile(file.path);
      ctx.status = 201;
      return {
        alt,
        filename: file.filename,
        type: file.type,
        size: file.size,
        head: bytes.subarray(0, 4).toString('hex'),
      };
    },
  );

  app.post('/checksums', async (ctx) => {
    const sums: { field: string; filename: string; size: number; sha256: string }[] = [];
    for await (const part of ctx.request.parts({ limits: { fileSize: 1024 * 1024 * 1024, files: 20 } })) {
      if (part.kind !== 'file') continue;
      const hash = createHash('sha256');
      let size = 0;
      part.stream.on('data', (c: Buffer) => (size += c.length));
      await pipeline(part.stream, hash);
      sums.push({ field: part.name, filename: part.filename, size, sha256: hash.digest('hex') });
    }
    return sums;
  });
  return app;
}

export const app = createApp();

// Started directly, not when a test imports the app.
if (import.meta.url === `file://${process.argv[1]}`) {
  const server = app.listen({ port: PORT, host: HOST, signals: true }, () => {
    const { port } = server.address() as AddressInfo;
    app.log.info(`upload example on http://${HOST}:${port}`);
  });
}
