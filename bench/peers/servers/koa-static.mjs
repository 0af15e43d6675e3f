// Scenarios "static files" (issue 18, target 4), Koa's side: koa-static (koa-send) with its defaults,
// root STATIC_DIR. koa-send has no Range support (a Range request gets the whole file, 200), so
// koa-static is measured on the whole-file scenarios only.
import Koa from 'koa';
import serve from 'koa-static';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const app = new Koa();
app.use(serve(process.env.STATIC_DIR));
app.listen(PORT, HOST);
