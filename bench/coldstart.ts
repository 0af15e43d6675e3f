/**
 * Cold start (issue 18, target 9): time from spawning the server process until the first response
 * to `GET /` has been read, shallot (bench/servers/cold-shallot.mjs, importing dist/) against a
 * node:http hello server (bench/servers/cold-node-http.mjs).
 *
 *   npx tsx bench/coldstart.ts [--runs 15] [--json]
 *
 * Each run: `taskset -c SERVER_CPU node <server>` is spawned (the clock starts right before
 * spawn()), and this process (on LOAD_CPU when the driver pins it) tries to connect every
 * millisecond until the port accepts, writes `GET /` and stops the clock when the whole response
 * (13-byte body) has been read; the server is then killed by PID and the next run waits for its
 * exit. The two servers alternate run by run, so load from elsewhere hits both alike; a row is the
 * median of its runs. The 1 ms retry bounds the error of a reading at about 1 ms.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { track } from './lib/proc.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
};
const RUNS = Number(arg('runs', process.env['COLD_RUNS'] ?? '15'));
const SERVER_CPU = process.env['SERVER_CPU'] ?? '0';
const PORT = Number(process.env['COLD_PORT'] ?? 3391);
const JSON_OUT = process.argv.includes('--json');
const say = (s: string): void => void (JSON_OUT ? process.stderr : process.stdout).write(`${s}\n`);

export const COLD_KINDS = {
  shallot: 'bench/servers/cold-shallot.mjs',
  'node-http': 'bench/servers/cold-node-http.mjs',
};
type Kind = keyof typeof COLD_KINDS;

export interface ColdRow {
  kind: string;
  /** ms from spawn to the first complete response, one per run, in run order. */
  ms: number[];
  median: number;
}

const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');

/** One attempt: the full response's bytes, or null when the port does not accept yet. */
function ask(): Promise<string | null> {
  return new Promise((resolve) => {
    const s = net.connect(PORT, '127.0.0.1');
    let got = '';
    s.once('connect', () => s.write(REQUEST));
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n') && got.endsWith('Hello, World!')) {
        s.destroy();
        resolve(got);
      }
    });
    s.once('error', () => resolve(null));
    s.once('close', () => resolve(got === '' ? null : got));
  });
}

async function once(kind: Kind): Promise<number> {
  const t0 = performance.now();
  const child = track(
    spawn('taskset', ['-c', SERVER_CPU, process.execPath, join(ROOT, COLD_KINDS[kind])], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', PORT: String(PORT) },
      stdio: 'ignore',
    }),
  );
  let exited = false;
  const gone = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  try {
    for (;;) {
      if (exited) throw new Error(`${kind} exited before answering`);
      if (performance.now() - t0 > 10_000) throw new Error(`${kind}: no answer within 10 s`);
      const r = await ask();
      if (r !== null) {
        const ms = performance.now() - t0;
        if (!r.startsWith('HTTP/1.1 200 ')) throw new Error(`${kind}: answered ${r.slice(0, 20)}`);
        return ms;
      }
      await new Promise((res) => setTimeout(res, 1));
    }
  } finally {
    if (!exited && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    await gone;
  }
}

async function main(): Promise<void> {
  const kinds = Object.keys(COLD_KINDS) as Kind[];
  const ms = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
  // One unmeasured run each first: the first spawn pays for the disk cache.
  for (const k of kinds) await once(k);
  for (let i = 0; i < RUNS; i++) {
    for (const k of i % 2 === 0 ? kinds : [...kinds].reverse()) ms.get(k)!.push(await once(k));
  }
  const med = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const rows: ColdRow[] = kinds.map((k) => ({ kind: k, ms: ms.get(k)!, median: med(ms.get(k)!) }));
  for (const r of rows)
    say(`${r.kind.padEnd(10)} median ${r.median.toFixed(1)} ms  (runs: ${r.ms.map((x) => x.toFixed(1)).join(' ')})`);
  if (JSON_OUT) process.stdout.write(`${JSON.stringify(rows)}\n`);
}

await main();
