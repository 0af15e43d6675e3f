/**
 * shallot behind nginx, for real: nginx (test/e2e/nginx-shallot.conf, the config docs/production.md
 * shows) in front of two backends, each started as `npm run start:prod` starts one — the compiled
 * examples/cluster.ts on the built dist/, no tsx. Checks that `proxy: true` + `maxIpsCount: 1` give
 * the client's real address and protocol, then puts the proxy under load (wrk) while one backend
 * is stopped gracefully and restarted, the other restarted rolling (SIGHUP) and then killed
 * outright: no client request may fail. Needs `nginx` and `wrk` on the PATH; skipped with a message
 * otherwise. Every wait is on a line a process prints, a response or an exit.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnLines, type LineChild } from '../helpers/child-lines.js';
import { OPENSSL, testCertificate } from '../helpers/tls-cert.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONF = path.join(ROOT, 'test/e2e/nginx-shallot.conf');
/** The ports nginx-shallot.conf names. */
const PROXY = 18080;
const PROXY_TLS = 18443;
const BACKENDS = [18081, 18082] as const;
/** The backends' readinessDelay: readiness 503 this long before the drain. */
const READINESS_DELAY = 1000;

function has(binary: string, args: string[]): boolean {
  try {
    execFileSync(binary, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const missing = [
  has('nginx', ['-v']) ? null : 'nginx (apt-get install -y nginx)',
  has('wrk', ['--version']) || has('which', ['wrk']) ? null : 'wrk (apt-get install -y wrk)',
  OPENSSL ? null : 'openssl',
].filter((m): m is string => m !== null);
if (missing.length > 0) console.warn(`test:e2e skipped: ${missing.join(', ')} not found`);

/** A backend as the production start runs it: package.json's start:prod, one worker. */
function startBackend(port: number): LineChild {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [cmd, ...args] = pkg.scripts['start:prod']!.split(' ');
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', WORKERS: '1' };
  env['READINESS_DELAY'] = String(READINESS_DELAY);
  // Production: none of the test runner's environment that would silence or change the app.
  delete env['VITEST'];
  delete env['NODE_OPTIONS'];
  env['NODE_ENV'] = 'production';
  return spawnLines(cmd === 'node' ? process.execPath : cmd!, args, { cwd: ROOT, env });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** GET through the proxy from 127.0.0.2 (another loopback address than nginx's own to the backends). */
function getFrom(
  port: number,
  pathname: string,
  headers: Record<string, string>,
  tls: boolean,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path: pathname, headers, localAddress: '127.0.0.2', agent: false };
    const req = tls ? https.request({ ...options, rejectUnauthorized: false }) : http.request(options);
    req.once('error', reject);
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.end();
  });
}

/** Asks `GET path` on a backend directly until `accept(status)`; each answer is an event, not a timer. */
async function until(port: number, pathname: string, accept: (status: number) => boolean): Promise<number> {
  for (;;) {
    const r = await getFrom(port, pathname, { connection: 'close' }, false).catch(() => ({ status: 0, body: '' }));
    if (accept(r.status)) return r.status;
  }
}

const run = missing.length === 0 ? describe : describe.skip;

run('behind nginx (npm run test:e2e)', () => {
  let dir = '';
  let nginx: LineChild | null = null;
  const backends: (LineChild | null)[] = [null, null];
  const t0 = Date.now();
  const timeline: string[] = [];
  const mark = (what: string): void => {
    timeline.push(`${String(Date.now() - t0).padStart(6)} ms  ${what}`);
  };

  beforeAll(async () => {
    for (const p of [PROXY, PROXY_TLS, ...BACKENDS]) {
      if (!(await portFree(p))) throw new Error(`port ${p} (named in test/e2e/nginx-shallot.conf) is in use`);
    }
    // The production build: dist/ (npm run build) and the compiled examples on it (npm run build:examples).
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    execFileSync('npm', ['run', 'build:examples'], { cwd: ROOT, stdio: 'ignore' });
    dir = mkdtempSync(path.join(tmpdir(), 'shallot-nginx-'));
    // nginx's workers drop root's rights: the prefix must be readable and its temp dirs writable by them.
    chmodSync(dir, 0o755);
    mkdirSync(path.join(dir, 'tmp'), { mode: 0o777 });
    chmodSync(path.join(dir, 'tmp'), 0o777);
    const { key, cert } = testCertificate();
    writeFileSync(path.join(dir, 'cert.pem'), cert);
    writeFileSync(path.join(dir, 'key.pem'), key);
    writeFileSync(
      path.join(dir, 'nginx.conf'),
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log info;`,
        'events { worker_connections 1024; }',
        'http {',
        `  access_log ${dir}/access.log;`,
        `  client_body_temp_path ${dir}/tmp/body;`,
        `  proxy_temp_path ${dir}/tmp/proxy;`,
        `  fastcgi_temp_path ${dir}/tmp/fastcgi;`,
        `  uwsgi_temp_path ${dir}/tmp/uwsgi;`,
        `  scgi_temp_path ${dir}/tmp/scgi;`,
        `  include ${CONF};`,
        '}',
      ].join('\n'),
    );
    for (const [i, port] of BACKENDS.entries()) {
      backends[i] = startBackend(port);
      await backends[i]!.line(/"msg":"workers ready"/);
    }
    nginx = spawnLines('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { cwd: dir });
    // nginx prints nothing when it starts: its listening socket is the event to wait for.
    for (;;) {
      const r = await getFrom(PROXY, '/readyz', {}, false).catch(() => null);
      if (r !== null && r.status === 200) break;
      if (nginx.child.exitCode !== null) throw new Error(`nginx exited: ${nginx.output()}`);
    }
    mark('nginx and two backends up');
  });

  afterAll(async () => {
    nginx?.child.kill('SIGQUIT');
    if (nginx !== null) await nginx.exited;
    for (const b of backends)
      if (b !== null && b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGKILL');
    if (dir !== '') {
      const errors = readFileSync(path.join(dir, 'error.log'), 'utf8')
        .split('\n')
        .filter((l) => / \[(error|warn)\] /.test(l));
      console.log(`nginx error.log, warnings and errors (${errors.length}):\n${errors.slice(0, 20).join('\n')}`);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should give the app the client address nginx saw and the protocol it was reached by, not what the client claims', async () => {
    const spoof = { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' };
    const plain = await getFrom(PROXY, '/whoami', spoof, false);
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body)).toMatchObject({ ip: '127.0.0.2', protocol: 'http' });
    const secure = await getFrom(PROXY_TLS, '/whoami', { 'x-forwarded-for': '203.0.113.9' }, true);
    expect(secure.status).toBe(200);
    expect(JSON.parse(secure.body)).toMatchObject({ ip: '127.0.0.2', protocol: 'https' });
    // Directly, without nginx, the same spoofed headers are all the backend has: why only a proxy
    // you control may reach it.
    const direct = await getFrom(BACKENDS[0], '/whoami', spoof, false);
    expect(JSON.parse(direct.body)).toMatchObject({ ip: '203.0.113.9', protocol: 'https' });
  });

  it('should fail no client request while backends stop, restart and die under load', async () => {
    const wrk = spawn('wrk', ['-t1', '-c20', '-d10s', `http://127.0.0.1:${PROXY}/`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let report = '';
    wrk.stdout.on('data', (c: Buffer) => (report += c.toString()));
    wrk.stderr.on('data', (c: Buffer) => (report += c.toString()));
    const wrkDone = new Promise<number | null>((resolve) => wrk.once('exit', (code) => resolve(code)));
    const running = (): boolean => wrk.exitCode === null;
    mark('wrk -t1 -c20 -d10s started');
    // Traffic is flowing once a request of our own went through.
    expect((await getFrom(PROXY, '/', {}, false)).status).toBe(200);

    // 1. A graceful stop of backend A: readiness 503 first, requests still served, then the drain.
    const [portA, portB] = BACKENDS;
    const a = backends[0]!;
    a.child.kill('SIGTERM');
    mark('SIGTERM to backend A (:18081)');
    await until(portA, '/readyz', (s) => s === 503);
    mark('backend A: /readyz 503, still serving (GET / 200 directly)');
    expect((await getFrom(portA, '/', { connection: 'close' }, false)).status).toBe(200);
    expect(await a.exited).toEqual({ code: 0, signal: null });
    mark(`backend A drained and exited 0 (readinessDelay ${READINESS_DELAY} ms)`);
    expect(running()).toBe(true);

    // 2. A back, from the production start.
    backends[0] = startBackend(portA);
    await backends[0].line(/"msg":"workers ready"/);
    mark('backend A restarted and listening');

    // 3. A rolling restart of B's workers (SIGHUP to its primary).
    const b = backends[1]!;
    const from = b.count();
    b.child.kill('SIGHUP');
    mark('SIGHUP to backend B (:18082): rolling restart');
    await b.line(/"msg":"rolling restart done"/, from);
    mark('backend B: rolling restart done');
    expect(running()).toBe(true);

    // 4. B dies outright, primary and worker, with requests in flight.
    const workers = [...b.output().matchAll(/"worker":(\d+),"msg":"worker listening"/g)].map((m) => Number(m[1]));
    b.child.kill('SIGKILL');
    for (const pid of workers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    mark('SIGKILL to backend B (primary and workers)');
    expect(running()).toBe(true);
    await b.exited;
    await until(portB, '/', (s) => s === 0);
    mark('backend B gone (connections to :18082 refused)');

    expect(await wrkDone, report).toBe(0);
    mark('wrk done');
    const requests = Number(/(\d+) requests in/.exec(report)?.[1] ?? NaN);
    const socketErrors = /Socket errors: (.*)/.exec(report)?.[1] ?? 'none';
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(report)?.[1] ?? 0);
    console.log(
      [
        'behind nginx, under load:',
        ...timeline,
        `requests: ${requests}; non-2xx/3xx: ${non2xx}; socket errors: ${socketErrors}`,
        report.trim(),
      ].join('\n'),
    );
    expect(requests).toBeGreaterThan(0);
    expect(socketErrors).toBe('none');
    expect(non2xx).toBe(0);
  });
});
