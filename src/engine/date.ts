/**
 * The `Date` response header, formatted once per second instead of once per response
 * (`toUTCString()` costs about as much as the rest of a small response's head).
 */
let cached = '';
let timer: NodeJS.Timeout | null = null;

function refresh(): void {
  const now = Date.now();
  cached = new Date(now).toUTCString();
  // Fire just after the next second boundary; unref'd so an idle process can exit.
  timer = setTimeout(refresh, 1000 - (now % 1000));
  timer.unref();
}

/** The current IMF-fixdate, e.g. `'Wed, 25 Nov 2026 19:09:20 GMT'`. */
export function httpDate(): string {
  if (timer === null) refresh();
  return cached;
}
