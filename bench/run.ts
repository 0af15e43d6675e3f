/**
 * `npm run bench`: builds shallot, then in one run on this 2-core machine runs the parser
 * benchmark, the router benchmark, the server benchmark (shallot against node:http, Fastify, Koa
 * and Hono with wrk, the scenarios of issue 8) and the idle-connection memory benchmark, and
 * writes bench/RESULTS.md. Method and how to read it: bench/README.md, sections "Server" and
 * "How to run".
 *
 *   npm run bench                        full run (about 11 min)
 *   npm run bench -- --quick             1 round of 2 s per scenario (about 5 min), to try things
 *   npm run bench -- --only server,memory   some parts only (writes bench/results/<stamp>/ only)
 *   npm run bench -- --render bench/results/<stamp>/raw.json   re-render that run's RESULTS.md
 *
 * Knobs (environment): DURATION=5s WARMUP=2s ROUNDS=3 CONNS=50 CONNS_HIGH=1000 PIPELINE=16
 * CONNS_UPLOAD=8 WS_CONNS=50 SERVER_CPU=0 LOAD_CPU=1 BASE_PORT=3300 PARSER_RUNS=3 MEMORY_CONNS=5000
 * MEMORY_ROUNDS=3 UPLOAD_DIR=bench/results/<stamp>/uploads CONNS_FILE_LARGE=8 COLD_RUNS=15 SSE_CLIENTS=10000
 * SSE_ROUNDS=2. Parts for --only: parser, router, server, tls, files, memory, sse, coldstart.
 * The peers run from bench/peers (./lib/peers.ts). Every load run is bounded and targets 127.0.0.1; every child
 * is killed by PID when its turn ends or the driver exits (./lib/proc.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipelineCheck, smoke } from './lib/checks.js';
import { PEER_PACKAGES, preparePeers, versions } from './lib/peers.js';
import { ensureFdLimit, loadAverage, run, startServer, stopServer } from './lib/proc.js';
import { renderResults } from './lib/report.js';
import { SERVERS, STATIC_FILES, scenarios, staticContent, type ServerDef } from './lib/scenarios.js';
import type { RunData } from './lib/stats.js';
import { runWrk, type Load, type WrkResult } from './lib/wrk.js';
import { runWsLoad } from './lib/ws-run.js';
import type { ColdRow } from './coldstart.js';
import type { MemoryRow } from './memory.js';
import type { SseRow } from './sse.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const onlyAt = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
const ALL_PARTS = ['parser', 'router', 'server', 'tls', 'files', 'memory', 'sse', 'coldstart'];
const PARTS =
  onlyAt === -1
    ? ALL_PARTS
    : (argv[onlyAt]!.includes('=') ? argv[onlyAt]!.split('=')[1]! : argv[onlyAt + 1]!).split(',');
if (PARTS.some((p) => !ALL_PARTS.includes(p))) throw new Error(`--only takes a comma list of ${ALL_PARTS.join(', ')}`);

const env = (k: string, full: string, quick = full): string => process.env[k] ?? (QUICK ? quick : full);
const S = {
  DURATION: env('DURATION', '5s', '2s'),
  WARMUP: env('WARMUP', '2s', '1s'),
  ROUNDS: Number(env('ROUNDS', '3', '1')),
  CONNS: Number(env('CONNS', '50')),
  CONNS_HIGH: Number(env('CONNS_HIGH', '1000')),
  PIPELINE: Number(env('PIPELINE', '16')),
  CONNS_UPLOAD: Number(env('CONNS_UPLOAD', '8')),
  WS_CONNS: Number(env('WS_CONNS', '50')),
  SERVER_CPU: Number(env('SERVER_CPU', '0')),
  LOAD_CPU: Number(env('LOAD_CPU', '1')),
  BASE_PORT: Number(env('BASE_PORT', '3300')),
  PARSER_RUNS: Number(env('PARSER_RUNS', '3', '1')),
  MEMORY_CONNS: Number(env('MEMORY_CONNS', '5000')),
  MEMORY_ROUNDS: Number(env('MEMORY_ROUNDS', '3', '1')),
  CONNS_FILE_LARGE: Number(env('CONNS_FILE_LARGE', '8')),
  COLD_RUNS: Number(env('COLD_RUNS', '15', '5')),
  SSE_CLIENTS: Number(env('SSE_CLIENTS', '10000')),
  SSE_ROUNDS: Number(env('SSE_ROUNDS', '2', '1')),
};
const STAMP = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const OUT = join(ROOT, 'bench/results', STAMP);
// Where the upload servers write their temp files: on the project's disk (not a tmpfs), empty
// between servers (checked).
const UPLOAD_DIR = resolve(process.env['UPLOAD_DIR'] ?? join(OUT, 'uploads'));
// The static files (STATIC_FILES) and the self-signed TLS pair, made once per run in its folder.
const STATIC_DIR = join(OUT, 'static');
const TLS_KEY = join(OUT, 'tls-key.pem');
const TLS_CERT = join(OUT, 'tls-cert.pem');

const say = (s: string): void => console.log(s);
const loud = (s: string): void => console.error(`\n!!! ${s}\n`);
const sh = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    return ((e as { stdout?: string }).stdout ?? '').trim() || '?';
  }
};

function machine(): Record<string, string> {
  const lscpu = sh('lscpu', []);
  const field = (k: string): string => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(lscpu)?.[1] ?? '?';
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  // Each porcelain line is `XY path`; sh() trims the output, and with it the first line's blank X.
  const dirty = sh('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src'])
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^\S{1,2}\s+/, ''));
  return {
    CPU: `${field('Model name')} (family ${field('CPU family')} model ${field('Model')}), ${field('Hypervisor vendor')} guest`,
    cores: `${sh('nproc', [])} (${field('Thread\\(s\\) per core')} thread per core)`,
    memory: `${(memKb / 2 ** 20).toFixed(1)} GiB`,
    kernel: sh('uname', ['-r']),
    node: process.version,
    wrk: sh('wrk', ['-v']).split('\n')[0]!,
    shallot: `${sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])}${dirty.length > 0 ? ` + uncommitted changes in ${dirty.join(', ')} (built as found in the work tree)` : ''}`,
  };
}

/** Runs a TypeScript bench script pinned to the server core; returns its stdout, or null (loudly). */
async function micro(name: string, script: string, args: string[], data: RunData): Promise<string | null> {
  say(`\n== ${name} benchmark (core ${S.SERVER_CPU}) ==`);
  const r = await run(
    'taskset',
    ['-c', String(S.SERVER_CPU), process.execPath, ...process.execArgv, join(ROOT, script), ...args],
    { cwd: ROOT, timeoutMs: 900_000, echo: true },
  );
  if (r.code === 0) return r.stdout.trim();
  data.failures.push(`${name} benchmark failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  loud(data.failures.at(-1)!);
  return null;
}

function serverPath(def: ServerDef, peers: string): { file: string; cwd: string } {
  if (def.where === 'project') return { file: join(ROOT, def.file), cwd: ROOT };
  return { file: join(peers, def.file), cwd: peers };
}

async function serverBench(data: RunData): Promise<void> {
  const peers = await preparePeers(ROOT, say);
  Object.assign(data.versions, versions(peers, PEER_PACKAGES));
  const bodies = new Map<string, string>();
  for (const sc of data.scenarios) {
    if (sc.body === null) continue;
    const f = join(OUT, `body-${sc.id}.${typeof sc.body === 'string' ? 'json' : 'bin'}`);
    writeFileSync(f, typeof sc.body === 'string' ? sc.body : sc.body());
    bodies.set(sc.id, f);
  }
  mkdirSync(UPLOAD_DIR, { recursive: true });
  const parts = data.scenarios.filter((sc) => PARTS.includes(sc.part ?? 'server'));
  if (parts.some((sc) => sc.part === 'files')) {
    mkdirSync(STATIC_DIR, { recursive: true });
    for (const f of Object.values(STATIC_FILES))
      writeFileSync(join(STATIC_DIR, f.name), staticContent(f.bytes), 'latin1');
  }
  if (parts.some((sc) => sc.part === 'tls')) {
    // A throwaway self-signed P-256 pair, valid one day, for this run only.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        TLS_KEY,
        '-out',
        TLS_CERT,
      ],
      { stdio: 'ignore' },
    );
  }
  for (let round = 1; round <= S.ROUNDS; round++) {
    for (const [i, def] of SERVERS.entries()) {
      const mine = parts.filter((sc) => sc.servers.includes(def.name));
      if (mine.length === 0) continue;
      const port = S.BASE_PORT + i;
      const { file, cwd } = serverPath(def, peers);
      data.loadDuring.push(Number(loadAverage().split(' ')[0]));
      let child;
      try {
        child = await startServer({
          name: def.name,
          file,
          cwd,
          port,
          cpu: String(S.SERVER_CPU),
          logFile: join(OUT, 'logs', `${def.name}.log`),
          env: { UPLOAD_DIR, STATIC_DIR, TLS_KEY, TLS_CERT },
        });
      } catch (e) {
        data.checks.push({
          round,
          server: def.name,
          outcome: `FAILED to start: ${(e as Error).message.split('\n')[0]}`,
        });
        data.failures.push(
          `round ${round}, ${def.name}: did not start, not measured (${(e as Error).message.split('\n')[0]})`,
        );
        loud(data.failures.at(-1)!);
        continue;
      }
      try {
        const secure = def.tls === true;
        const fails = await smoke(port, def.probes(), secure);
        if (def.pipeline().length > 0) {
          const pipe = await pipelineCheck(port, def.pipeline(), 5000, secure);
          if (pipe !== null) fails.push(`pipelining (${def.pipeline().length} in one write): ${pipe}`);
        }
        if (def.check !== undefined) fails.push(...(await def.check(port)));
        const outcome = fails.length === 0 ? 'ok' : `FAILED: ${fails.join('; ')}`;
        data.checks.push({ round, server: def.name, outcome });
        say(`[round ${round}/${S.ROUNDS}] ${def.name} (pid ${child.pid}, port ${port}): checks ${outcome}`);
        if (fails.length > 0) {
          data.failures.push(
            `round ${round}, ${def.name}: correctness check failed, not measured — ${fails.join('; ')}`,
          );
          loud(data.failures.at(-1)!);
          continue;
        }
        for (const sc of mine) {
          const conns = sc.conns ?? (sc.highConns ? S.CONNS_HIGH : S.CONNS);
          const load: Load = {
            path: sc.path,
            method: sc.method,
            bodyFile: bodies.get(sc.id) ?? null,
            contentType: sc.body === null ? null : (sc.contentType ?? 'application/json'),
            depth: sc.pipelined ? S.PIPELINE : 1,
            conns,
            header: sc.headers === undefined ? null : Object.entries(sc.headers).map(([k, v]) => `${k}: ${v}`)[0]!,
            secure,
          };
          const base = { port, serverCpu: S.SERVER_CPU, loadCpu: S.LOAD_CPU, serverPid: child.pid! };
          const measure = (duration: string, outFile: string): Promise<WrkResult> =>
            sc.via === 'ws'
              ? runWsLoad({ ...base, load: { path: sc.path, conns, size: sc.wsSize ?? 1024 }, duration, outFile })
              : runWrk({ ...base, load, duration, outFile });
          try {
            await measure(S.WARMUP, join(OUT, 'wrk', `r${round}-${def.name}-${sc.id}-warmup.txt`));
            const result = await measure(S.DURATION, join(OUT, 'wrk', `r${round}-${def.name}-${sc.id}.txt`));
            data.measurements.push({ round, server: def.name, scenario: sc.id, result });
            const r = result;
            const unit = sc.via === 'ws' ? 'msg/s' : 'req/s';
            const extra =
              (sc.bodyBytes !== undefined ? `  ${((r.rps * sc.bodyBytes) / 1e6).toFixed(0)} MB/s` : '') +
              (sc.mbOut === true ? `  ${((r.rps * r.bytesPerResponse) / 1e6).toFixed(0)} MB/s out` : '') +
              (sc.rss === true
                ? `  rss ${mib(r.srvRssStartKb)}→${mib(r.srvRssEndKb)} MiB (peak ${mib(r.srvRssPeakKb)})`
                : '');
            say(
              `    ${sc.label.padEnd(34)} ${Math.round(r.rps).toLocaleString('en-US').padStart(10)} ${unit}${extra}  p99 ${(r.p99Us / 1000).toFixed(2).padStart(6)} ms  cpu srv ${Math.round(r.srvCpuPct)}% wrk ${Math.round(r.wrkCpuPct)}%  others on core srv ${Math.round(r.srvCoreOthersPct)}% wrk ${Math.round(r.wrkCoreOthersPct)}%${r.errors > 0 ? `  ERRORS ${r.errorDetail}` : ''}`,
            );
            if (r.errors > 0)
              data.failures.push(`round ${round}, ${def.name}, ${sc.label}: wrk counted errors (${r.errorDetail})`);
          } catch (e) {
            data.failures.push(`round ${round}, ${def.name}, ${sc.label}: ${(e as Error).message}`);
            loud(data.failures.at(-1)!);
          }
        }
      } finally {
        const uploads = mine.some((sc) => sc.id === 'upload');
        if (uploads) await uploadsSettled();
        await stopServer(child);
        if (uploads) uploadsLeft(round, def.name, data);
      }
    }
  }
}

const mib = (kb: number | undefined): string => (kb === undefined ? '?' : (kb / 1024).toFixed(0));

/**
 * Waits (up to 3 s) for UPLOAD_DIR to empty: servers remove temp files asynchronously, after the
 * answer (body({ multipart }) when the response closes) or after a request wrk cut off at its end.
 */
async function uploadsSettled(): Promise<void> {
  for (let i = 0; i < 60 && readdirSync(UPLOAD_DIR).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
}

/**
 * After an upload server stops: every temp file it made must be gone (each is removed before its
 * answer, or when its request fails), so anything left is a loud failure; then the folder is emptied.
 */
function uploadsLeft(round: number, server: string, data: RunData): void {
  const left = readdirSync(UPLOAD_DIR);
  if (left.length === 0) return;
  data.failures.push(
    `round ${round}, ${server}: left ${left.length} temp file(s) in ${UPLOAD_DIR} (${left.slice(0, 3).join(', ')}${left.length > 3 ? ', …' : ''})`,
  );
  loud(data.failures.at(-1)!);
  for (const f of left) rmSync(join(UPLOAD_DIR, f), { recursive: true, force: true });
}

async function memoryBench(data: RunData): Promise<void> {
  say(`\n== memory per idle connection (${S.MEMORY_CONNS} connections, ${S.MEMORY_ROUNDS} round(s)) ==`);
  const r = await run(
    process.execPath,
    [
      ...process.execArgv,
      join(ROOT, 'bench/memory.ts'),
      '--json',
      '--conns',
      String(S.MEMORY_CONNS),
      '--rounds',
      String(S.MEMORY_ROUNDS),
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        SERVER_CPU: String(S.SERVER_CPU),
        LOAD_CPU: String(S.LOAD_CPU),
        BENCH_LOG_DIR: join(OUT, 'logs'),
      },
      timeoutMs: 600_000,
    },
  );
  const rows = rowsOf<MemoryRow>('memory', r, data);
  if (rows !== null) data.memory = rows;
}

async function sseBench(data: RunData): Promise<void> {
  say(`\n== SSE: ${S.SSE_CLIENTS} open clients per server, ${S.SSE_ROUNDS} round(s) ==`);
  const r = await run(
    'taskset',
    [
      '-c',
      String(S.LOAD_CPU),
      process.execPath,
      ...process.execArgv,
      join(ROOT, 'bench/sse.ts'),
      '--json',
      '--clients',
      String(S.SSE_CLIENTS),
      '--rounds',
      String(S.SSE_ROUNDS),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, SERVER_CPU: String(S.SERVER_CPU), BENCH_LOG_DIR: join(OUT, 'logs') },
      timeoutMs: 600_000,
    },
  );
  const rows = rowsOf<SseRow>('SSE', r, data);
  if (rows !== null) data.sse = rows;
}

async function coldBench(data: RunData): Promise<void> {
  say(`\n== cold start: spawn → first response, ${S.COLD_RUNS} runs each, interleaved ==`);
  const r = await run(
    'taskset',
    [
      '-c',
      String(S.LOAD_CPU),
      process.execPath,
      ...process.execArgv,
      join(ROOT, 'bench/coldstart.ts'),
      '--json',
      '--runs',
      String(S.COLD_RUNS),
    ],
    { cwd: ROOT, env: { ...process.env, SERVER_CPU: String(S.SERVER_CPU) }, timeoutMs: 300_000 },
  );
  const rows = rowsOf<ColdRow>('cold-start', r, data);
  if (rows !== null) data.coldstart = rows;
}

/**
 * The rows a sub-benchmark run with `--json` printed as its last stdout line (its progress, on
 * stderr, is echoed); null, recorded as a failure, when it failed or printed none.
 */
function rowsOf<T>(
  name: string,
  r: { code: number | null; stdout: string; stderr: string },
  data: RunData,
): T[] | null {
  process.stdout.write(r.stderr);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.code === 0 && line.startsWith('[')) return JSON.parse(line) as T[];
  data.failures.push(`${name} benchmark failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' ')}`);
  loud(data.failures.at(-1)!);
  return null;
}

async function main(): Promise<number> {
  ensureFdLimit(Math.max(S.CONNS, S.CONNS_HIGH, S.WS_CONNS, S.MEMORY_CONNS, S.SSE_CLIENTS) + 1024, say);
  const t0 = Date.now();
  for (const d of ['wrk', 'logs']) mkdirSync(join(OUT, d), { recursive: true });
  const data: RunData = {
    command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
    quick: QUICK,
    parts: PARTS,
    startedAt: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    seconds: 0,
    settings: S,
    machine: machine(),
    versions: {
      shallot: (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
      ...versions(ROOT, ['zod', 'pino']),
    },
    loadBefore: loadAverage(),
    loadAfter: '',
    loadDuring: [],
    scenarios: scenarios(S.PIPELINE, S.CONNS, S.CONNS_HIGH, S.CONNS_UPLOAD, S.WS_CONNS, S.CONNS_FILE_LARGE),
    measurements: [],
    checks: [],
    failures: [],
    parser: null,
    router: null,
    memory: null,
    coldstart: null,
    sse: null,
  };
  say(`npm run bench: parts ${PARTS.join(', ')}; results in ${OUT}; load average ${data.loadBefore}`);
  if (!argv.includes('--skip-build')) {
    say('\n== npm run build ==');
    const b = await run('npm', ['run', 'build'], { cwd: ROOT, timeoutMs: 300_000, echo: true });
    if (b.code !== 0) throw new Error('npm run build failed: nothing measured');
  }
  if (PARTS.includes('parser'))
    data.parser = await micro('parser', 'bench/parser.ts', ['--runs', String(S.PARSER_RUNS)], data);
  if (PARTS.includes('router')) data.router = await micro('router', 'bench/router.ts', [], data);
  if (PARTS.some((p) => p === 'server' || p === 'tls' || p === 'files')) {
    say(`\n== server benchmark: ${S.ROUNDS} round(s), ${S.WARMUP} warm-up + ${S.DURATION} per scenario ==`);
    try {
      await serverBench(data);
    } catch (e) {
      data.failures.push(`server benchmark stopped: ${(e as Error).message}`);
      loud(data.failures.at(-1)!);
    }
  }
  if (PARTS.includes('memory')) await memoryBench(data);
  if (PARTS.includes('sse')) await sseBench(data);
  if (PARTS.includes('coldstart')) await coldBench(data);
  data.loadAfter = loadAverage();
  data.seconds = (Date.now() - t0) / 1000;
  const md = renderResults(data);
  writeFileSync(join(OUT, 'RESULTS.md'), md);
  writeFileSync(join(OUT, 'raw.json'), JSON.stringify(data, null, 1));
  if (onlyAt === -1) writeFileSync(join(ROOT, 'bench/RESULTS.md'), md);
  say(
    `\nwrote ${onlyAt === -1 ? 'bench/RESULTS.md and ' : ''}${OUT}/ (RESULTS.md, raw.json, wrk/, logs/) in ${Math.round(data.seconds)} s; load average ${data.loadAfter}`,
  );
  if (data.failures.length > 0)
    loud(`${data.failures.length} failure(s):\n${data.failures.map((f) => `  - ${f}`).join('\n')}`);
  return data.failures.length > 0 ? 1 : 0;
}

const renderAt = argv.indexOf('--render');
if (renderAt !== -1) {
  // Re-render a finished run (after a change to the report), next to its raw data.
  const raw = resolve(argv[renderAt + 1]!);
  writeFileSync(join(raw, '../RESULTS.md'), renderResults(JSON.parse(readFileSync(raw, 'utf8')) as RunData));
  say(`wrote ${join(raw, '../RESULTS.md')}`);
} else {
  process.exitCode = await main();
}
