/**
 * Correctness checks run on every server before it is measured, so that a fast wrong answer can
 * never pass for speed: a curl smoke test of each route it serves, a pipelining check (many
 * requests in one write, every response back, in order, with the right body), and for WebSocket
 * servers an echo check.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { WebSocket } from 'ws';
import { run } from './proc.js';

/**
 * One request and what must come back. `expect` is compared as JSON when `json` is set, else as
 * text; `'*'` accepts any body (the status is still checked).
 */
export interface Probe {
  method: 'GET' | 'POST';
  path: string;
  /** Sent with `contentType` (default application/json). */
  body?: string | Buffer;
  contentType?: string;
  /** Extra request fields (e.g. Range). */
  headers?: Record<string, string>;
  status: number;
  expect: string;
  json?: boolean;
}

function matches(probe: Probe, status: number, body: string): boolean {
  if (status !== probe.status) return false;
  if (probe.expect === '*') return true;
  if (probe.json !== true) return body === probe.expect;
  try {
    return isDeepStrictEqual(JSON.parse(body), JSON.parse(probe.expect));
  } catch {
    return false;
  }
}

const short = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

/**
 * Runs each probe with curl; returns the failures (empty: all passed). `secure`: over HTTPS, the
 * run's self-signed certificate accepted (`-k`).
 */
export async function smoke(port: number, probes: readonly Probe[], secure = false): Promise<string[]> {
  const fails: string[] = [];
  // Binary bodies go to curl as files (`--data-binary @file`); removed when the checks end.
  let dir: string | null = null;
  try {
    for (const [i, p] of probes.entries()) {
      const args = ['-s', '--max-time', '10', '-X', p.method, '-w', '\n%{http_code}'];
      if (secure) args.push('-k');
      for (const [k, v] of Object.entries(p.headers ?? {})) args.push('-H', `${k}: ${v}`);
      if (p.body !== undefined) {
        let data = p.body;
        if (Buffer.isBuffer(p.body)) {
          dir ??= mkdtempSync(join(tmpdir(), 'shallot-bench-probe-'));
          writeFileSync(join(dir, String(i)), p.body);
          data = `@${join(dir, String(i))}`;
        }
        args.push('-H', `content-type: ${p.contentType ?? 'application/json'}`, '--data-binary', data as string);
      }
      args.push(`${secure ? 'https' : 'http'}://127.0.0.1:${port}${p.path}`);
      const r = await run('curl', args, { timeoutMs: 12_000 });
      const nl = r.stdout.lastIndexOf('\n');
      const body = r.stdout.slice(0, nl);
      const status = Number(r.stdout.slice(nl + 1));
      if (!matches(p, status, body))
        fails.push(`${p.method} ${p.path}: got ${status} ${short(body)}, want ${p.status} ${short(p.expect)}`);
    }
  } finally {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
  return fails;
}

function raw(p: Probe): Buffer {
  const body = p.body ?? '';
  const len =
    p.body !== undefined
      ? `Content-Type: ${p.contentType ?? 'application/json'}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
      : '';
  const extra = Object.entries(p.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.concat([
    Buffer.from(`${p.method} ${p.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}${len}\r\n`, 'latin1'),
    Buffer.isBuffer(body) ? body : Buffer.from(body),
  ]);
}

interface Parsed {
  status: number;
  body: string;
}

/** Reads complete responses (Content-Length or chunked) off the front of `buf`. */
function parseResponses(buf: Buffer, out: Parsed[]): Buffer {
  for (;;) {
    const end = buf.indexOf('\r\n\r\n');
    if (end === -1) return buf;
    const head = buf.subarray(0, end).toString('latin1');
    const status = Number(head.slice(9, 12));
    const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
    let pos = end + 4;
    let body: Buffer;
    if (cl !== null) {
      const n = Number(cl[1]);
      if (buf.length < pos + n) return buf;
      body = buf.subarray(pos, pos + n);
      pos += n;
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      const parts: Buffer[] = [];
      for (;;) {
        const le = buf.indexOf('\r\n', pos);
        if (le === -1) return buf;
        const size = parseInt(buf.subarray(pos, le).toString('latin1'), 16);
        if (buf.length < le + 2 + size + 2) return buf;
        parts.push(buf.subarray(le + 2, le + 2 + size));
        pos = le + 4 + size;
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
    } else {
      body = Buffer.alloc(0);
    }
    out.push({ status, body: body.toString('utf8') });
    buf = buf.subarray(pos);
  }
}

/**
 * Writes all probes' requests in ONE write on one connection and checks that exactly that many
 * responses come back, in order. Returns the failure, or null. `secure`: over TLS (the run's
 * self-signed certificate accepted).
 */
export function pipelineCheck(
  port: number,
  probes: readonly Probe[],
  timeoutMs = 5000,
  secure = false,
): Promise<string | null> {
  return new Promise((resolve) => {
    let buf: Buffer = Buffer.alloc(0);
    const got: Parsed[] = [];
    let settled = false;
    const finish = (why: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (why !== null) return resolve(`${why} after ${got.length}/${probes.length} responses`);
      for (let i = 0; i < probes.length; i++) {
        const g = got[i]!;
        if (!matches(probes[i]!, g.status, g.body))
          return resolve(
            `response ${i + 1}/${probes.length}: got ${g.status} ${short(g.body)}, want ${probes[i]!.status} ${short(probes[i]!.expect)}`,
          );
      }
      resolve(null);
    };
    const send = (): void => void sock.write(Buffer.concat(probes.map(raw)));
    const sock = secure
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, send)
      : net.connect(port, '127.0.0.1', send);
    sock.on('data', (d: Buffer) => {
      buf = parseResponses(Buffer.concat([buf, d]), got);
      if (got.length > probes.length) finish('more responses than requests');
      else if (got.length === probes.length)
        setTimeout(() => finish(got.length === probes.length ? null : 'extra response'), 50);
    });
    sock.on('error', (e: NodeJS.ErrnoException) => finish(`socket error ${e.code ?? e.message}`));
    sock.on('close', () => finish('connection closed'));
    const timer = setTimeout(() => finish(`no complete answer in ${timeoutMs} ms`), timeoutMs);
  });
}

/**
 * Opens a WebSocket to `path` with the `ws` client and checks that a text message, a 1 KiB binary
 * message and a 64 KiB binary one come back intact, each with its type, in order. Returns the
 * failures (empty: all passed).
 */
export function wsEchoCheck(port: number, path: string, timeoutMs = 5000): Promise<string[]> {
  const sent: Array<[Buffer, boolean]> = [
    [Buffer.from('héllo, wörld'), false],
    [randomBytes(1024), true],
    [randomBytes(64 * 1024), true],
  ];
  return new Promise((resolve) => {
    const fails: string[] = [];
    let got = 0;
    let settled = false;
    const finish = (why?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (why !== undefined) fails.push(`WebSocket ${path}: ${why} after ${got}/${sent.length} echoes`);
      socket.terminate();
      resolve(fails);
    };
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false });
    socket.on('open', () => {
      for (const [data, binary] of sent) socket.send(data, { binary });
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const [want, binary] = sent[got]!;
      if (isBinary !== binary || !want.equals(data))
        fails.push(
          `WebSocket ${path}: echo ${got + 1} is ${isBinary ? 'binary' : 'text'} of ${data.length} bytes, want ${binary ? 'binary' : 'text'} of ${want.length}, the same bytes`,
        );
      if (++got === sent.length) finish();
    });
    socket.on('unexpected-response', (_req, res) => finish(`handshake answered ${res.statusCode}`));
    socket.on('error', (e) => finish(`error ${e.message}`));
    socket.on('close', (code) => finish(`closed (${code})`));
    const timer = setTimeout(() => finish(`no echo in ${timeoutMs} ms`), timeoutMs);
  });
}
