/**
 * One bounded wrk run against 127.0.0.1, with the server's CPU use over the same interval.
 *
 * wrk runs under `taskset -c <load cpu>` with one thread and the script ./wrk.lua, which prints
 * one `WRKRESULT k=v …` line: wrk's own percentiles and the raw ones (its coordinated-omission
 * correction undone; see the comment in wrk.lua), errors, and wrk's own CPU time.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLK_TCK, cpuTicks, memKb, othersPct, run, sampleCore, type CoreSample } from './proc.js';

const LUA = fileURLToPath(new URL('./wrk.lua', import.meta.url));

/** What to send. */
export interface Load {
  path: string;
  method: 'GET' | 'POST';
  /** Request body file (POST), sent with `contentType`. */
  bodyFile: string | null;
  contentType: string | null;
  /** Requests per batch (1: no pipelining). */
  depth: number;
  conns: number;
  /** One extra request field, "Name: value" (the Range request), or null. */
  header?: string | null;
  /** Over HTTPS (wrk's own TLS, certificate not verified). */
  secure?: boolean;
}

export interface WrkResult {
  requests: number;
  durationUs: number;
  rps: number;
  bytesPerResponse: number;
  /** wrk's own p99: coordinated-omission "corrected", so inflated by a few pauses (wrong when pipelined). */
  wrkP99Us: number;
  /** Raw percentiles: what was measured. With pipelining, one sample per batch. -1 when unknown. */
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
  /** Raw samples recovered; equals requests / depth when the correction was undone exactly. */
  samples: number;
  errors: number;
  errorDetail: string;
  /** Server CPU over wrk's measured duration, % of one core. */
  srvCpuPct: number;
  /** Server CPU time per response, µs. Steadier than req/s on a shared machine. */
  srvUsPerReq: number;
  /** wrk's CPU (its post-run bookkeeping excluded), % of one core: ≥ 90% means load-generator bound. */
  wrkCpuPct: number;
  /**
   * % of the run during which the server's core ran something other than the server or idle:
   * other processes on this shared machine. ~0 when the server had its core to itself.
   */
  srvCoreOthersPct: number;
  /** The same for wrk's core (sampled over the middle of the run): a starved wrk makes any server look slow. */
  wrkCoreOthersPct: number;
  /**
   * The server's RSS (KiB) when the run started and when it ended, and its peak since the server
   * started (VmHWM: the warm-up included). Absent in runs recorded before these were added.
   */
  srvRssStartKb?: number;
  srvRssEndKb?: number;
  srvRssPeakKb?: number;
}

const num = (kv: Map<string, string>, k: string): number => Number(kv.get(k) ?? NaN);

/** Parses "5s" / "500ms" / "1m" into seconds. */
export function seconds(d: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(d);
  if (m === null) throw new Error(`bad duration '${d}' (use e.g. 5s, 500ms, 1m)`);
  const v = Number(m[1]);
  return m[2] === 'ms' ? v / 1000 : m[2] === 'm' ? v * 60 : v;
}

/**
 * Runs wrk for `duration` against port `port` while reading the server's CPU ticks.
 * @throws when wrk prints no result line (its output is saved to `outFile` either way).
 */
export async function runWrk(opts: {
  port: number;
  load: Load;
  duration: string;
  serverCpu: number;
  loadCpu: number;
  serverPid: number;
  outFile: string;
}): Promise<WrkResult> {
  const { load } = opts;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WRK_CONNS: String(load.conns),
    WRK_DEPTH: String(load.depth),
    WRK_METHOD: load.method,
  };
  if (load.bodyFile !== null) {
    env['WRK_BODY_FILE'] = load.bodyFile;
    env['WRK_CTYPE'] = load.contentType ?? 'application/json';
  }
  if (load.header != null) env['WRK_HEADER'] = load.header;
  const url = `${load.secure === true ? 'https' : 'http'}://127.0.0.1:${opts.port}${load.path}`;
  const args = [
    '-c',
    String(opts.loadCpu),
    'wrk',
    '-t1',
    `-c${load.conns}`,
    `-d${opts.duration}`,
    '--timeout',
    '5s',
    '--latency',
    '-s',
    LUA,
    url,
  ];
  const c0 = cpuTicks(opts.serverPid);
  const s0 = sampleCore(opts.serverCpu, opts.serverPid);
  const mem0 = memKb(opts.serverPid);
  // wrk's core is sampled from 0.3 s in to 0.3 s before its end (wrk is gone afterwards).
  const dur = seconds(opts.duration);
  const wrkCore: CoreSample[] = [];
  const timers: NodeJS.Timeout[] = [];
  const onSpawn = (pid: number): void => {
    for (const at of [0.3, Math.max(0.6, dur - 0.3)])
      timers.push(setTimeout(() => wrkCore.push(sampleCore(opts.loadCpu, pid)), at * 1000));
  };
  // Bounded twice: wrk's own -d, and a kill 30 s past it (wrk's post-processing included).
  const res = await run('taskset', args, { env, timeoutMs: (dur + 30) * 1000, onSpawn });
  for (const t of timers) clearTimeout(t);
  const c1 = cpuTicks(opts.serverPid);
  const s1 = sampleCore(opts.serverCpu, opts.serverPid);
  const mem1 = memKb(opts.serverPid);
  writeFileSync(
    opts.outFile,
    `$ WRK_CONNS=${env['WRK_CONNS']} WRK_DEPTH=${env['WRK_DEPTH']} WRK_METHOD=${load.method}${load.header != null ? ` WRK_HEADER='${load.header}'` : ''}${load.bodyFile !== null ? ` WRK_BODY_FILE=${load.bodyFile} WRK_CTYPE='${env['WRK_CTYPE']}'` : ''} taskset ${args.join(' ')}\n${res.stdout}${res.stderr}`,
  );
  const line = res.stdout.split('\n').find((l) => l.startsWith('WRKRESULT '));
  if (line === undefined)
    throw new Error(
      `wrk gave no result (exit ${res.code}${res.timedOut ? ', killed after its time limit' : ''}); see ${opts.outFile}`,
    );
  const kv = new Map(
    line
      .slice(10)
      .trim()
      .split(' ')
      .map((p) => p.split('=') as [string, string]),
  );
  const requests = num(kv, 'requests');
  const durationUs = num(kv, 'duration_us');
  const secs = durationUs / 1e6;
  const srvCpuS = (c1 - c0) / CLK_TCK;
  const errs = ['connect', 'read', 'write', 'status', 'timeout'].map((k) => [k, num(kv, `err_${k}`)] as const);
  return {
    requests,
    durationUs,
    rps: requests / secs,
    bytesPerResponse: num(kv, 'bytes') / Math.max(1, requests),
    wrkP99Us: num(kv, 'wrk_p99_us'),
    p50Us: num(kv, 'raw_p50_us'),
    p90Us: num(kv, 'raw_p90_us'),
    p99Us: num(kv, 'raw_p99_us'),
    maxUs: num(kv, 'raw_max_us'),
    samples: num(kv, 'raw_samples'),
    errors: errs.reduce((a, [, v]) => a + v, 0),
    errorDetail: errs
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
    srvCpuPct: (srvCpuS / secs) * 100,
    srvUsPerReq: (srvCpuS * 1e6) / Math.max(1, requests),
    wrkCpuPct: (num(kv, 'wrk_cpu_s') / secs) * 100,
    srvCoreOthersPct: othersPct(s0, s1),
    wrkCoreOthersPct: othersPct(wrkCore[0], wrkCore[1]),
    srvRssStartKb: mem0.rss,
    srvRssEndKb: mem1.rss,
    srvRssPeakKb: mem1.hwm,
  };
}
