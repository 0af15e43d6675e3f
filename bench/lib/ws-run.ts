/**
 * One bounded run of the WebSocket echo load generator (./ws-load.ts) against 127.0.0.1, with the
 * server's CPU use over the same interval: the WebSocket counterpart of ./wrk.ts, returning the
 * same record so that the report treats both alike (a "request" is one echoed message).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLK_TCK, cpuTicks, memKb, othersPct, run, sampleCore, type CoreSample } from './proc.js';
import { seconds, type WrkResult } from './wrk.js';

const LOADER = fileURLToPath(new URL('./ws-load.ts', import.meta.url));

/** What to send: `conns` connections, each one `size`-byte binary message at a time. */
export interface WsLoad {
  path: string;
  conns: number;
  size: number;
}

/**
 * Runs the load generator (node, with this process's loader flags so that it runs as TypeScript)
 * under `taskset -c loadCpu` for `duration`.
 * @throws when it prints no result line (its output is saved to `outFile` either way).
 */
export async function runWsLoad(opts: {
  port: number;
  load: WsLoad;
  duration: string;
  serverCpu: number;
  loadCpu: number;
  serverPid: number;
  outFile: string;
}): Promise<WrkResult> {
  const { load } = opts;
  const dur = seconds(opts.duration);
  const args = [
    '-c',
    String(opts.loadCpu),
    process.execPath,
    ...process.execArgv,
    LOADER,
    '--port',
    String(opts.port),
    '--path',
    load.path,
    '--conns',
    String(load.conns),
    '--seconds',
    String(dur),
    '--size',
    String(load.size),
  ];
  const c0 = cpuTicks(opts.serverPid);
  const s0 = sampleCore(opts.serverCpu, opts.serverPid);
  const mem0 = memKb(opts.serverPid);
  // The loader's core is sampled over the middle of the run, as wrk's is (./wrk.ts).
  const loadCore: CoreSample[] = [];
  const timers: NodeJS.Timeout[] = [];
  const onSpawn = (pid: number): void => {
    for (const at of [0.5, Math.max(0.8, dur - 0.1)])
      timers.push(setTimeout(() => loadCore.push(sampleCore(opts.loadCpu, pid)), at * 1000));
  };
  // Bounded twice: the loader's own --seconds, and a kill 30 s past it.
  const res = await run('taskset', args, { timeoutMs: (dur + 30) * 1000, onSpawn });
  for (const t of timers) clearTimeout(t);
  const c1 = cpuTicks(opts.serverPid);
  const s1 = sampleCore(opts.serverCpu, opts.serverPid);
  const mem1 = memKb(opts.serverPid);
  writeFileSync(opts.outFile, `$ taskset ${args.join(' ')}\n${res.stdout}${res.stderr}`);
  const line = res.stdout.split('\n').find((l) => l.startsWith('WSRESULT '));
  if (line === undefined)
    throw new Error(
      `ws-load gave no result (exit ${res.code}${res.timedOut ? ', killed after its time limit' : ''}): ${res.stderr.trim().split('\n').at(-1) ?? ''}; see ${opts.outFile}`,
    );
  const kv = new Map(
    line
      .slice(9)
      .trim()
      .split(' ')
      .map((p) => p.split('=') as [string, string]),
  );
  const num = (k: string): number => Number(kv.get(k) ?? NaN);
  const messages = num('messages');
  const durationUs = num('duration_us');
  const secs = durationUs / 1e6;
  const srvCpuS = (c1 - c0) / CLK_TCK;
  const errors = num('errors');
  return {
    requests: messages,
    durationUs,
    rps: messages / secs,
    // The server's frame: 2-byte header, 2-byte extended length up to 64 KiB, the payload.
    bytesPerResponse: load.size + (load.size < 126 ? 2 : load.size < 65536 ? 4 : 10),
    // No coordinated-omission correction here: one sample per message, as measured.
    wrkP99Us: num('p99_us'),
    p50Us: num('p50_us'),
    p90Us: num('p90_us'),
    p99Us: num('p99_us'),
    maxUs: num('max_us'),
    samples: messages,
    errors,
    errorDetail: errors > 0 ? (kv.get('error_detail') ?? '') : '',
    srvCpuPct: (srvCpuS / secs) * 100,
    srvUsPerReq: (srvCpuS * 1e6) / Math.max(1, messages),
    wrkCpuPct: (num('cpu_s') / secs) * 100,
    srvCoreOthersPct: othersPct(s0, s1),
    wrkCoreOthersPct: othersPct(loadCore[0], loadCore[1]),
    srvRssStartKb: mem0.rss,
    srvRssEndKb: mem1.rss,
    srvRssPeakKb: mem1.hwm,
  };
}
