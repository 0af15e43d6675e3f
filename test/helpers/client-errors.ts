/**
 * The errors an app reported other than the client's own socket failing: a client that resets the
 * connection mid-response reaches `app.on('error')` as its socket's error (`ECONNRESET`, `EPIPE`),
 * as in Koa, with `headerSent` set — whether the kernel reports a reset or a plain close first is
 * the network's timing, so a test that lets a client leave looks at everything else.
 */
const CLIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export function serverErrors(errors: unknown[]): unknown[] {
  return errors.filter((e) => !CLIENT_CODES.has((e as { code?: string }).code ?? ''));
}
