/**
 * examples/cluster.ts, started as a program from the sources (the compiled one, on dist/, is what
 * `npm run test:e2e` runs behind nginx): one worker per WORKERS, a rolling restart on SIGHUP that
 * answers every request meanwhile, a crashed worker replaced, and a graceful stop on SIGTERM.
 * Each wait is on a line the primary prints, a response, or the exit.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { get, rawRequest } from '../helpers/raw-client.js';
import { freePort, spawnLines, type LineChild } from '../helpers/child-lines.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const started: LineChild[] = [];

afterEach(() => {
  for (const c of started) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  started.length = 0;
});

async function startCluster(workers: number): Promise<{ cluster: LineChild; port: number }> {
  const port = await freePort();
  const cluster = spawnLines(process.execPath, ['--import', 'tsx', 'examples/cluster.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WORKERS: String(workers), READINESS_DELAY: '0' },
  });
  started.push(cluster);
  await cluster.line(/"msg":"workers ready"/);
  return { cluster, port };
}

/** One request on a new connection: its status and JSON body, or the socket error's code. */
async function request(port: number, path: string): Promise<{ status: number; pid?: number } | { error: string }> {
  try {
    const { responses } = await rawRequest(port, get(path, 'Connection: close\r\n'));
    const res = responses[0];
    if (res === undefined) return { error: 'no response' };
    return { status: res.status, pid: res.json<{ pid: number }>().pid };
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}

/** The pids answering `GET /`, asking until `n` distinct ones answered (the primary hands connections round-robin). */
async function pids(port: number, n: number): Promise<Set<number>> {
  const seen = new Set<number>();
  for (let i = 0; i < 50 && seen.size < n; i++) {
    const r = await request(port, '/');
    if ('pid' in r && r.pid !== undefined) seen.add(r.pid);
  }
  return seen;
}

describe('examples/cluster.ts', () => {
  it('should replace every worker on SIGHUP, one at a time, failing no request meanwhile, and exit 0 on SIGTERM', async () => {
    const { cluster, port } = await startCluster(2);
    const before = await pids(port, 2);
    expect(before.size).toBe(2);

    const inFlight = Array.from({ length: 4 }, () => request(port, '/slow?ms=300'));
    const from = cluster.count();
    cluster.child.kill('SIGHUP');
    let done = false;
    void cluster.line(/"msg":"rolling restart done"/, from).then(() => (done = true));
    const during: Awaited<ReturnType<typeof request>>[] = [];
    while (!done) during.push(await request(port, '/'));
    const failed = [...during, ...(await Promise.all(inFlight))].filter((r) => !('status' in r) || r.status !== 200);
    expect(failed, cluster.output()).toEqual([]);
    expect(during.length).toBeGreaterThan(0);

    const after = await pids(port, 2);
    expect(after.size).toBe(2);
    expect([...after].filter((p) => before.has(p))).toEqual([]);

    cluster.child.kill('SIGTERM');
    expect(await cluster.exited, cluster.output()).toEqual({ code: 0, signal: null });
    await cluster.line(/"msg":"stopped"/);
  });

  it('should replace a worker that exits on its own', async () => {
    const { cluster, port } = await startCluster(1);
    const [pid] = await pids(port, 1);
    const from = cluster.count();
    process.kill(pid!, 'SIGKILL');
    await cluster.line(/"msg":"worker exited unexpectedly"/, from);
    await cluster.line(/"msg":"worker listening"/, from);
    const [next] = await pids(port, 1);
    expect(next).not.toBe(pid);
    cluster.child.kill('SIGTERM');
    expect(await cluster.exited, cluster.output()).toEqual({ code: 0, signal: null });
  });
});
