// Scenario "upload 10 MiB" (issue 18, target 5), Fastify's side: @fastify/multipart's
// `req.parts()`, each file piped to a temp file with `pipeline()`, the file removed before the
// answer — the same steps as ../../servers/shallot-upload.mjs, the same { file, size, note } answer
// and the same 16 MiB file size limit (@fastify/multipart's default is 1 MiB). Temp files go to
// UPLOAD_DIR, else os.tmpdir().
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Fastify from 'fastify';
import multipart from '@fastify/multipart';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';
const DIR = process.env.UPLOAD_DIR || tmpdir();

let seq = 0;
const app = Fastify({ logger: false });
await app.register(multipart, { limits: { fileSize: 16 * 1024 * 1024 } });
app.get('/', async () => 'Hello, World!');
app.post('/upload', async (req) => {
  const out = { file: null, size: 0, note: null };
  for await (const part of req.parts()) {
    if (part.type === 'field') {
      if (part.fieldname === 'note') out.note = part.value;
      continue;
    }
    const path = join(DIR, `fastify-${process.pid}-${++seq}`);
    const file = createWriteStream(path);
    try {
      await pipeline(part.file, file);
    } finally {
      await unlink(path).catch(() => {});
    }
    out.file = part.filename;
    out.size += file.bytesWritten;
  }
  return out;
});

await app.listen({ port: PORT, host: HOST });
