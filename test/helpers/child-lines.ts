/**
 * A child process whose stdout lines a test waits on: every wait is on a line it prints or on its
 * exit, never on time.
 */
import { spawn, type ChildProcessWithoutNullStreams, type SpawnOptionsWithoutStdio } from 'node:child_process';
import net from 'node:net';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LineChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the first stdout line (from `from`, a line index) matching `re`; rejects if the process exits without one. */
  line(re: RegExp, from?: number): Promise<RegExpExecArray>;
  /** Lines printed so far (the next line's index, for `line(re, from)`). */
  count(): number;
  readonly exited: Promise<Exit>;
  /** Everything written on stdout and stderr so far, for failure messages. */
  output(): string;
}

export function spawnLines(command: string, args: string[], options: SpawnOptionsWithoutStdio): LineChild {
  const child = spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let partial = '';
  const lines: string[] = [];
  let waiters: (() => void)[] = [];
  let gone = false;
  const wake = (): void => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    partial += c.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    wake();
  });
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      gone = true;
      wake();
      resolve({ code, signal });
    });
  });
  const line = (re: RegExp, from = 0): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        for (let i = from; i < lines.length; i++) {
          const m = re.exec(lines[i]!);
          if (m !== null) return resolve(m);
        }
        if (gone) reject(new Error(`the process exited without printing ${re}; its output:\n${out}`));
        else waiters.push(check);
      };
      check();
    });
  return { child, line, count: () => lines.length, exited, output: () => out };
}

/** A port that was free a moment ago: bind to 0, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
