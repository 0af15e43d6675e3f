// Scenario "upload 10 MiB" (issue 18, target 5), shallot's side as a user would write it with the
// streaming API (docs/uploads.md): `ctx.request.parts()`, each file piped to a temp file with
// `pipeline()`, the file removed before the answer. Answers { file, size, note } where size is the
// bytes written to disk. Compare with ../peers/servers/fastify-upload.mjs (@fastify/multipart's
// `req.parts()`, the same steps). The file size limit is 16 MiB on both sides (shallot's default
// is 10 MiB, @fastify/multipart's 1 MiB). Temp files go to UPLOAD_DIR (the driver passes a folder
// of its run on the same disk as the project), else os.tmpdir(). Built package: `npm run build`.
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { App } from '../../dist/index.js';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';
const DIR = process.env.UPLOAD_DIR || tmpdir();
const LIMITS = { fileSize: 16 * 1024 * 1024 };

let seq = 0;
const app = new App({ logger: false });
app.get('/', () => 'Hello, World!');
app.post('/upload', async (ctx) => {
  const out = { file: null, size: 0, note: null };
  for await (const part of ctx.request.parts({ limits: LIMITS })) {
    if (part.kind === 'field') {
      if (part.name === 'note') out.note = part.value;
      continue;
    }
    const path = join(DIR, `shallot-${process.pid}-${++seq}`);
    const file = createWriteStream(path);
    try {
      await pipeline(part.stream, file);
    } finally {
      await unlink(path).catch(() => {});
    }
    out.file = part.filename;
    out.size += file.bytesWritten;
  }
  return out;
});
app.listen(PORT, HOST);
