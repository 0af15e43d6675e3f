/**
 * Child processes for `npm run bench`: servers pinned to one core, bounded commands, and CPU
 * accounting from /proc.
 *
 * Rule: every child is tracked by PID from spawn to exit, and anything still running when the
 * driver exits (normally, on an error, or on SIGINT/SIGTERM) is killed by that PID — never by name.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

const live = new Map<number, ChildProcess>();

function killLive(): void {
  for (const pid of live.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

process.on('exit', killLive);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killLive();
    process.exit(130);
  });
}

/** Records a child so that it is killed by PID if the driver exits first. */
export function track(child: ChildProcess): ChildProcess {
  const pid = child.pid;
  if (pid === undefined) return child;
  live.set(pid, child);
  child.once('exit', () => live.delete(pid));
  return child;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command to completion, killing it (by PID) after `timeoutMs`. Never throws on exit status. */
export function run(
  cmd: string,
  args: readonly string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs: number;
    echo?: boolean;
    onSpawn?: (pid: number) => void;
  },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      if (options.echo === true) process.stdout.write(s);
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      if (options.echo === true) process.stderr.write(s);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface ServerSpec {
  name: string;
  file: string;
  cwd: string;
  port: number;
  cpu: string;
  logFile: string;
  nodeArgs?: readonly string[];
  env?: Record<string, string>;
  /** Open an IPC channel (for bench/memory.ts's GC requests). */
  ipc?: boolean;
}

/**
 * Starts `node file` under `taskset -c cpu` (taskset execs node, so the PID is node's and every
 * thread it starts — GC and compiler helpers included — stays on that core), then waits for its port.
 * @throws when the port is taken, the server exits, or it does not listen within 10 s.
 */
export async function startServer(spec: ServerSpec): Promise<ChildProcess> {
  if (await portOpen(spec.port)) throw new Error(`port ${spec.port} is already in use: not starting ${spec.name}`);
  const log = openSync(spec.logFile, 'a');
  const stdio: StdioOptions = spec.ipc === true ? ['ignore', log, log, 'ipc'] : ['ignore', log, log];
  const child = track(
    spawn('taskset', ['-c', spec.cpu, process.execPath, ...(spec.nodeArgs ?? []), spec.file], {
      cwd: spec.cwd,
      env: { ...process.env, NODE_ENV: 'production', PORT: String(spec.port), ...spec.env },
      stdio,
    }),
  );
  closeSync(log);
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let i = 0; i < 100; i++) {
    if (exited) throw new Error(`${spec.name} exited at start; see ${spec.logFile}:\n${tail(spec.logFile)}`);
    if (await portOpen(spec.port)) return child;
    await sleep(100);
  }
  await stopServer(child);
  throw new Error(`${spec.name} did not listen on port ${spec.port} within 10 s; see ${spec.logFile}`);
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(
    () => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'),
    5000,
  );
  await gone;
  clearTimeout(timer);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

/** User + system CPU ticks of a whole process (all its threads), from /proc/<pid>/stat. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" closing the command name: state is the 1st, utime the 12th, stime the 13th.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** Resident set size now and at its peak (VmRSS, VmHWM), KiB, from /proc/<pid>/status; NaN once gone. */
export function memKb(pid: number): { rss: number; hwm: number } {
  try {
    const st = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(st)?.[1] ?? NaN);
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

/**
 * Nanoseconds of CPU all threads of `pid` have used, from /proc/<pid>/task/<tid>/schedstat (the
 * scheduler's own clock, not sampled ticks). NaN once the process is gone.
 */
export function runNs(pid: number): number {
  try {
    let sum = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        sum += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // a thread that just exited
      }
    }
    return sum;
  } catch {
    return NaN;
  }
}

/** Idle (+ iowait) time of one CPU in nanoseconds, from /proc/stat. */
export function idleNs(cpu: number): number {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${cpu} `));
  if (line === undefined) return NaN;
  const f = line.trim().split(/\s+/);
  return ((Number(f[4]) + Number(f[5])) / CLK_TCK) * 1e9;
}

/**
 * A snapshot for {@link othersPct}: wall clock, the CPU's idle time and the process's CPU time.
 * NaN fields once the process is gone.
 */
export interface CoreSample {
  at: bigint;
  idle: number;
  run: number;
}

export function sampleCore(cpu: number, pid: number): CoreSample {
  return { at: process.hrtime.bigint(), idle: idleNs(cpu), run: runNs(pid) };
}

/**
 * % of the interval between two samples during which `cpu` ran neither idle nor the process: other
 * processes (on this shared machine) or kernel work not charged to it. Near 0 when the process had
 * its core to itself.
 */
export function othersPct(a: CoreSample | undefined, b: CoreSample | undefined): number {
  if (a === undefined || b === undefined || b.at <= a.at) return NaN;
  const wall = Number(b.at - a.at);
  return Math.max(0, ((wall - (b.idle - a.idle) - (b.run - a.run)) / wall) * 100);
}

/** Clock ticks per second, the unit of /proc's CPU times. */
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The 1, 5 and 15 minute load averages. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** Soft limit on open files of this process (inherited by its children). */
export function fdLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? 1024);
}

/**
 * Makes sure this process (and so wrk and the servers it starts) may open `need` files. Node cannot
 * raise its own limit, so when it is too low the script is run again under `ulimit -n` and this
 * process exits with that run's status.
 */
export function ensureFdLimit(need: number, say: (s: string) => void): void {
  if (fdLimit() >= need) return;
  say(`open-files limit ${fdLimit()} is below ${need}: re-running under ulimit -S -n ${need}`);
  const r = spawnSync(
    'bash',
    ['-c', `ulimit -S -n ${need} && exec "$0" "$@"`, process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}
