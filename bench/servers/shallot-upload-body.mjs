// Scenario "upload 10 MiB", shallot's convenience path (docs/uploads.md): `body({ multipart })`
// with disk storage writes each file into a per-request temp directory under UPLOAD_DIR as it
// streams and removes it when the response closes. Answers the same { file, size, note } as
// ./shallot-upload.mjs, size from the stored file's record. Built package: `npm run build`.
import { tmpdir } from 'node:os';
import { App } from '../../dist/index.js';
import { body } from '../../dist/middleware/index.js';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';
const DIR = process.env.UPLOAD_DIR || tmpdir();

const app = new App({ logger: false });
app.get('/', () => 'Hello, World!');
app.post('/upload', body({ multipart: { dir: DIR, limits: { fileSize: 16 * 1024 * 1024 } } }), (ctx) => {
  const [f] = ctx.request.files?.file ?? [];
  return { file: f?.filename ?? null, size: f?.size ?? 0, note: ctx.request.body?.note ?? null };
});
app.listen(PORT, HOST);
