/**
 * Small socket helpers shared by the wire tests: connect to the test server, and wait for a
 * server-side condition by polling a bounded number of times (the server settles on its own
 * events; there is nothing to subscribe to from the test, and no fixed sleep decides anything).
 */
import net from 'node:net';

/** Opens a TCP connection to 127.0.0.1:`port`. */
export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Polls `cond` up to 400 times, 5 ms apart (~2 s at most); resolves to its last value. */
export async function until(cond: () => boolean): Promise<boolean> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return cond();
}
