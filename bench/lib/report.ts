/**
 * Renders one run of `npm run bench` as bench/RESULTS.md: machine, versions, the issue-8 targets
 * met or missed, then every measurement behind them.
 */
import type { MemoryRow } from '../memory.js';
import {
  DISTURBED,
  disturbed,
  fmtInt,
  fmtMs,
  fmtPct,
  fmtX,
  med,
  median,
  perRound,
  ratio,
  spread,
  usable,
  type RunData,
} from './stats.js';
import type { ScenarioId } from './scenarios.js';
import type { WrkResult } from './wrk.js';

/** Differences under this are noise on this machine (measured with the reference harness these peers come from; bench/README.md). */
const NOISE = 0.05;
interface Verdict {
  target: string;
  measured: string;
  rounds: string;
  met: boolean | null;
  /** The wrk runs behind it: [disturbed, all, some server had no undisturbed run]. */
  runs?: [number, number, boolean];
}

function verdictText(v: Verdict, closeness: number): string {
  if (v.met === null) return v.measured.startsWith('n/a') ? 'not measured' : 'measured, no bar';
  const notes: string[] = [];
  if (Math.abs(closeness - 1) <= NOISE) notes.push('within noise');
  if (v.runs !== undefined && v.runs[0] > 0) notes.push(`${v.runs[0]} of ${v.runs[1]} runs disturbed and left out`);
  if (v.runs?.[2] === true) notes.push('**every round of one side disturbed: measured under load**');
  return `**${v.met ? 'met' : 'missed'}**${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

function runsOf(data: RunData, pairs: Array<[string, ScenarioId]>): [number, number, boolean] {
  const ms = data.measurements.filter((m) => pairs.some(([srv, id]) => m.server === srv && m.scenario === id));
  const allDisturbed = pairs.some(([srv, id]) => usable(data, srv, id).some((m) => disturbed(m.result)));
  return [ms.filter((m) => disturbed(m.result)).length, ms.length, allDisturbed];
}

/** The scenarios issue 8's targets are about; the upload and WebSocket ones belong to issue 18. */
const ISSUE8 = new Set<ScenarioId>(['root', 'user', 'pipe', 'echo', 'stack', 'c1000']);

const ours = (data: RunData, id: ScenarioId): string => data.scenarios.find((s) => s.id === id)!.servers[0]!;
const has = (data: RunData, server: string, id: ScenarioId): boolean =>
  data.measurements.some((m) => m.server === server && m.scenario === id);

/** A target "ours ≥ want × peer" in req/s (msg/s for WebSockets), and how close it came (for "within noise"). */
function ratioRow(data: RunData, id: ScenarioId, peer: string, want: number, label: string): [Verdict, number] {
  const me = ours(data, id);
  if (!has(data, me, id) || !has(data, peer, id)) {
    return [{ target: label, measured: 'n/a', rounds: '', met: null }, 1];
  }
  const r = ratio(data, [me, id], [peer, id]);
  return [
    {
      target: label,
      measured: `${fmtX(r.value)} (${fmtInt(med(data, me, id, (x) => x.rps))} vs ${fmtInt(med(data, peer, id, (x) => x.rps))} ${data.scenarios.find((x) => x.id === id)?.via === 'ws' ? 'msg/s' : 'req/s'})`,
      rounds: r.rounds.map((x) => fmtX(x)).join(' / '),
      met: r.value >= want,
      runs: runsOf(data, [
        [me, id],
        [peer, id],
      ]),
    },
    r.value / want,
  ];
}

function targets(data: RunData): string[] {
  const rows: Array<[Verdict, number]> = [];
  const ratioTarget = (id: ScenarioId, peer: string, want: number, label: string): void => {
    rows.push(ratioRow(data, id, peer, want, label));
  };
  ratioTarget('root', 'fastify', 1.3, '`GET /` text ≥ 1.3× fastify');
  ratioTarget('user', 'fastify', 1.3, '`GET /user/:id` JSON ≥ 1.3× fastify');
  ratioTarget('pipe', 'fastify', 5, '`GET /` pipelined ≥ 5× fastify');
  ratioTarget('echo', 'fastify-echo-schema', 1.3, '`POST /echo` 1 KiB validated ≥ 1.3× fastify + JSON schema');
  ratioTarget('stack', 'koa-stack', 2, 'Koa-style stack ≥ 2× Koa + @koa/router + @koa/bodyparser');
  for (const s of data.scenarios.filter((x) => ISSUE8.has(x.id))) {
    const me = s.servers[0]!;
    const label = `p99 ≤ fastify's: ${s.label}`;
    if (!has(data, me, s.id) || !has(data, s.fastify, s.id)) {
      rows.push([{ target: label, measured: 'n/a', rounds: '', met: null }, 1]);
      continue;
    }
    const a = med(data, me, s.id, (r) => r.p99Us);
    const b = med(data, s.fastify, s.id, (r) => r.p99Us);
    const ra = perRound(data, me, s.id, (r) => r.p99Us);
    const rb = perRound(data, s.fastify, s.id, (r) => r.p99Us);
    rows.push([
      {
        target: label,
        measured: `${fmtMs(a)} vs ${fmtMs(b)} ms (${fmtX(a / b)})`,
        rounds: ra.map((x, i) => `${fmtMs(x)}/${fmtMs(rb[i] ?? NaN)}`).join(', '),
        met: a <= b,
        runs: runsOf(data, [
          [me, s.id],
          [s.fastify, s.id],
        ]),
      },
      a / b,
    ]);
  }
  const mem = memorySummary(data.memory);
  if (mem === null)
    rows.push([{ target: 'idle keep-alive memory ≤ 0.5× node:http', measured: 'n/a', rounds: '', met: null }, 1]);
  else {
    const r = mem.shallot / mem['node-http'];
    rows.push([
      {
        target: 'idle keep-alive memory ≤ 0.5× node:http',
        measured: `${fmtX(r)} (${(mem.shallot / 1024).toFixed(2)} vs ${(mem['node-http'] / 1024).toFixed(2)} KiB/conn)`,
        rounds: mem.rounds.map((x) => fmtX(x)).join(' / '),
        met: r <= 0.5,
      },
      r / 0.5,
    ]);
  }
  if (has(data, 'shallot', 'c1000') && has(data, 'shallot', 'root')) {
    const r = ratio(data, ['shallot', 'c1000'], ['shallot', 'root']);
    const f = ratio(data, ['fastify', 'c1000'], ['fastify', 'root']);
    rows.push([
      {
        target: 'throughput with 1,000 connections no worse than with 50',
        measured: `${fmtX(r.value)} of the -c50 req/s (fastify: ${fmtX(f.value)})`,
        rounds: r.rounds.map((x) => fmtX(x)).join(' / '),
        met: r.value >= 1,
        runs: runsOf(data, [
          ['shallot', 'c1000'],
          ['shallot', 'root'],
        ]),
      },
      r.value,
    ]);
  } else
    rows.push([
      { target: 'throughput with 1,000 connections no worse than with 50', measured: 'n/a', rounds: '', met: null },
      1,
    ]);

  const out = [
    '| target | measured (median of undisturbed rounds) | each round (all) | verdict |',
    '| --- | --- | --- | --- |',
  ];
  for (const [v, c] of rows) out.push(`| ${v.target} | ${v.measured} | ${v.rounds} | ${verdictText(v, c)} |`);
  const met = rows.filter(([v]) => v.met === true).length;
  const missed = rows.filter(([v]) => v.met === false).length;
  out.push(
    '',
    `${met} met, ${missed} missed, ${rows.length - met - missed} not measured. "Within noise": the measured value is within ${NOISE * 100}% of the target, so the verdict could flip on a rerun. "Disturbed": in that many of the wrk runs behind the row, other processes on this shared machine took over ${DISTURBED}% of the server's core, or the server was under 90% CPU while wrk was too (wrk starved; columns "server CPU" and "others on core" below), and those runs are left out of the medians (load from elsewhere only ever slows a run down); "each round" still shows every round.`,
  );
  return out;
}

/** A row "ours ÷ peer ≥ want" measured in some other way than wrk (memory, cold start). */
function plainRow(
  label: string,
  value: number,
  measured: string,
  rounds: number[],
  want: number,
  atMost: boolean,
): [Verdict, number] {
  if (!Number.isFinite(value)) return [{ target: label, measured: 'n/a', rounds: '', met: null }, 1];
  return [
    {
      target: label,
      measured: `${fmtX(value)} (${measured})`,
      rounds: rounds.map((x) => fmtX(x)).join(' / '),
      met: atMost ? value <= want : value >= want,
    },
    value / want,
  ];
}

const missing = (label: string): [Verdict, number] => [{ target: label, measured: 'n/a', rounds: '', met: null }, 1];

/** MB/s out (response bytes as wrk counts them, heads included), median of undisturbed rounds. */
const mbOut = (data: RunData, server: string, id: ScenarioId): string =>
  fmtInt(med(data, server, id, (r) => (r.rps * r.bytesPerResponse) / 1e6));

/**
 * Issue 18's nine targets, in the issue's order. Targets with several parts get a row each. "RSS
 * flat" has no bound in the issue: its row shows the upload server's RSS at the start and the end of
 * each measured run and its peak, without a verdict. Not yet in the bench: SSE (target 7).
 */
function issue18(data: RunData): string[] {
  const rows: Array<[Verdict, number]> = [];
  // 1. The raw-socket limit.
  rows.push(
    ratioRow(data, 'root', 'limit', 0.8, '1. `GET /` ≥ 0.80× the raw-socket limit (`node:net`, canned response)'),
  );
  rows.push(ratioRow(data, 'user', 'limit', 0.75, '1. `GET /user/:id` JSON ≥ 0.75× the raw-socket limit'));
  {
    const label = "1. shallot's share of the limit at -c1000 ≥ its share at -c50";
    const me = 'shallot';
    if ([me, 'limit'].every((x) => has(data, x, 'c1000') && has(data, x, 'root'))) {
      const hi = ratio(data, [me, 'c1000'], ['limit', 'c1000']);
      const lo = ratio(data, [me, 'root'], ['limit', 'root']);
      const v = hi.value / lo.value;
      rows.push([
        {
          target: label,
          measured: `${fmtX(v)} (share ${fmtX(hi.value)} at -c1000 vs ${fmtX(lo.value)} at -c50; the limit itself: ${fmtX(ratio(data, ['limit', 'c1000'], ['limit', 'root']).value)} of its -c50 req/s)`,
          rounds: hi.rounds.map((x, i) => fmtX(x / (lo.rounds[i] ?? NaN))).join(' / '),
          met: v >= 1,
          runs: runsOf(data, [
            [me, 'c1000'],
            ['limit', 'c1000'],
            [me, 'root'],
            ['limit', 'root'],
          ]),
        },
        v,
      ]);
    } else rows.push(missing(label));
  }
  // 2. Validated JSON echo.
  rows.push(
    ratioRow(data, 'echo', 'fastify-echo-schema', 2, '2. `POST /echo` 1 KiB validated ≥ 2× fastify + JSON schema'),
  );
  // 3. HTTPS.
  rows.push(ratioRow(data, 'tls', 'fastify-tls', 1.3, '3. `GET /` over TLS, keep-alive ≥ 1.3× fastify on node:https'));
  // 4. Files (req/s; the MB/s ratio is the same when both send the same bytes, shown beside).
  for (const [id, what] of [
    ['file64k', '64 KiB file'],
    ['file10m', '10 MiB file'],
    ['range', '`Range: bytes=0-65535` of the 10 MiB file'],
  ] as const) {
    for (const [peer, name] of [
      ['fastify-static', '@fastify/static'],
      ['koa-static', 'koa-static'],
    ] as const) {
      if (!data.scenarios.find((x) => x.id === id)?.servers.includes(peer)) continue;
      const row = ratioRow(data, id, peer, 1.5, `4. static ${what} ≥ 1.5× ${name}`);
      const me = ours(data, id);
      if (row[0].met !== null) row[0].measured += `; ${mbOut(data, me, id)} vs ${mbOut(data, peer, id)} MB/s out`;
      rows.push(row);
    }
  }
  if (data.scenarios.some((x) => x.id === 'range'))
    rows.push([
      {
        target: '4. Range with koa-static',
        measured: 'n/a: koa-static (koa-send 5) has no Range support',
        rounds: '',
        met: null,
      },
      1,
    ]);
  // 5. Uploads; 6. WebSockets.
  rows.push(
    ratioRow(
      data,
      'upload',
      'fastify-upload',
      1.3,
      '5. 10 MiB multipart upload streamed to disk ≥ 1.3× @fastify/multipart',
    ),
  );
  const upRow = rows.length;
  rows.push(
    ratioRow(data, 'ws', 'ws-bare', 0.95, '6. WebSocket echo, 1 KiB: overhead over bare `ws` ≤ 5% (msg/s ≥ 0.95×)'),
  );
  rows.push(ratioRow(data, 'ws', 'fastify-websocket', 1, '6. WebSocket echo, 1 KiB: ≥ @fastify/websocket'));
  // 7. SSE.
  const sseRows = data.sse ?? [];
  const sseS = sseRows.filter((r) => r.kind === 'shallot');
  const sseF = sseRows.filter((r) => r.kind === 'fastify');
  const n = sseS[0]?.clients ?? 10000;
  const sseLabel = `7. SSE: ${n.toLocaleString('en-US')} open clients, RSS per client ≤ 0.5× Fastify's (same stream on reply.raw)`;
  if (sseS.length === 0 || sseF.length === 0) rows.push(missing(sseLabel));
  else {
    const a = median(sseS.map((r) => r.rssPerClient));
    const b = median(sseF.map((r) => r.rssPerClient));
    rows.push(
      plainRow(
        sseLabel,
        a / b,
        `${(a / 1024).toFixed(2)} vs ${(b / 1024).toFixed(2)} KiB/client`,
        sseS.map((r, i) => r.rssPerClient / (sseF[i]?.rssPerClient ?? NaN)),
        0.5,
        true,
      ),
    );
    rows.push([
      {
        target: `7. SSE: broadcast of one event to all ${n.toLocaleString('en-US')} clients (request to /broadcast → received on every socket)`,
        measured: `shallot ${median(sseS.map((r) => r.broadcastMs)).toFixed(1)} ms, fastify ${median(sseF.map((r) => r.broadcastMs)).toFixed(1)} ms`,
        rounds: sseS
          .map((r, i) => `${r.broadcastMs.toFixed(0)}/${sseF[i]?.broadcastMs.toFixed(0) ?? 'n/a'}`)
          .join(', '),
        met: null,
      },
      1,
    ]);
  }
  // 8. Idle memory against bare net.
  const mem = memorySummary(data.memory);
  const memLabel = '8. idle keep-alive memory ≤ 1.1× bare `node:net` per connection';
  if (mem === null || mem['net'] === undefined) rows.push(missing(memLabel));
  else
    rows.push(
      plainRow(
        memLabel,
        mem.shallot / mem['net'],
        `${(mem.shallot / 1024).toFixed(2)} vs ${(mem['net'] / 1024).toFixed(2)} KiB/conn`,
        mem.roundsNet,
        1.1,
        true,
      ),
    );
  // 9. Cold start.
  const coldLabel = "9. cold start (spawn → first response to `GET /`) ≤ 1.2× node:http's";
  const cs = data.coldstart?.find((r) => r.kind === 'shallot');
  const cn = data.coldstart?.find((r) => r.kind === 'node-http');
  if (cs === undefined || cn === undefined) rows.push(missing(coldLabel));
  else
    rows.push(
      plainRow(
        coldLabel,
        cs.median / cn.median,
        `${cs.median.toFixed(1)} vs ${cn.median.toFixed(1)} ms, medians of ${cs.ms.length} spawns each`,
        [],
        1.2,
        true,
      ),
    );

  const out = [
    '| target | measured (median of undisturbed rounds) | each round (all) | verdict |',
    '| --- | --- | --- | --- |',
  ];
  for (const [i, [v, c]] of rows.entries()) {
    out.push(`| ${v.target} | ${v.measured} | ${v.rounds} | ${verdictText(v, c)} |`);
    const me = ours(data, 'upload');
    if (i === upRow - 1 && has(data, me, 'upload')) {
      const per = data.measurements
        .filter((m) => m.server === me && m.scenario === 'upload')
        .sort((a, b) => a.round - b.round)
        .map(
          (m) =>
            `${mib(m.result.srvRssStartKb ?? NaN)} → ${mib(m.result.srvRssEndKb ?? NaN)} (${mib(m.result.srvRssPeakKb ?? NaN)})`,
        );
      out.push(
        `| 5. upload: RSS flat | ${me}: RSS MiB at the start → end of the measured run (peak since start) | ${per.join(' / ')} | measured, no verdict (no bound given) |`,
      );
    }
  }
  const met = rows.filter(([v]) => v.met === true).length;
  const missed = rows.filter(([v]) => v.met === false).length;
  out.push(
    '',
    `${met} met, ${missed} missed, ${rows.length - met - missed} not measured. Same rules as the issue-8 table (medians of undisturbed rounds, "within noise" at ${NOISE * 100}%). The limit (target 1) is \`bench/servers/limit-net.mjs\`, measured in the same rounds as shallot; the memory row (target 8) is from bench/memory.ts, the cold-start row (target 9) from bench/coldstart.ts (medians of interleaved spawns; no rounds).`,
  );
  return out;
}

function memorySummary(
  rows: MemoryRow[] | null,
): ({ rounds: number[]; roundsNet: number[] } & Record<string, number>) | null {
  if (rows === null || rows.length === 0) return null;
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const out: { rounds: number[]; roundsNet: number[] } & Record<string, number> = Object.assign(
    { rounds: [] as number[], roundsNet: [] as number[] },
    Object.fromEntries(kinds.map((k) => [k, median(rows.filter((r) => r.kind === k).map((r) => r.rssPerConn))])),
  );
  for (const round of [...new Set(rows.map((r) => r.round))]) {
    const s = rows.find((r) => r.round === round && r.kind === 'shallot');
    const n = rows.find((r) => r.round === round && r.kind === 'node-http');
    if (s !== undefined && n !== undefined) out.rounds.push(s.rssPerConn / n.rssPerConn);
    const b = rows.find((r) => r.round === round && r.kind === 'net');
    if (s !== undefined && b !== undefined) out.roundsNet.push(s.rssPerConn / b.rssPerConn);
  }
  return out;
}

const mib = (kb: number): string => (Number.isFinite(kb) ? (kb / 1024).toFixed(0) : 'n/a');

function scenarioTables(data: RunData): string[] {
  const out: string[] = [];
  for (const s of data.scenarios) {
    const me = s.servers[0]!;
    const ws = s.via === 'ws';
    // The upload adds MB/s (request bodies in), both add the server's RSS; WebSocket rows count
    // messages, and have no wrk p99 (the load generator keeps every sample, uncorrected).
    const mbps = s.bodyBytes !== undefined;
    // Static files: MB/s out (response bytes as wrk counts them, heads included).
    const mbo = s.mbOut === true;
    const rss = s.rss === true;
    out.push(`### ${s.label}`, '');
    out.push(
      `| server | ${ws ? 'msg/s' : 'req/s'} | ${mbps ? 'MB/s in | ' : ''}${mbo ? 'MB/s out | ' : ''}ours ÷ this | p99 ms (raw) | p50 ms | ${ws ? '' : "wrk's p99 ms | "}server CPU | µs CPU/${ws ? 'msg' : 'req'} | ${ws ? 'load gen' : 'wrk'} CPU | others on core: server / ${ws ? 'load gen' : 'wrk'} | errors | bytes/resp | ${rss ? 'server RSS MiB: start → end (peak) | ' : ''}rounds used |`,
    );
    const cols = 13 + (mbps ? 1 : 0) + (mbo ? 1 : 0) + (rss ? 1 : 0) - (ws ? 1 : 0);
    out.push(`| --- |${' ---: |'.repeat(cols - 1)}`);
    for (const srv of s.servers) {
      if (!has(data, srv, s.id)) {
        out.push(`| ${srv} | not measured |${' |'.repeat(cols - 2)}`);
        continue;
      }
      const m = (pick: (r: WrkResult) => number): number => med(data, srv, s.id, pick);
      const errs = data.measurements
        .filter((x) => x.server === srv && x.scenario === s.id)
        .reduce((a, x) => a + x.result.errors, 0);
      const wrkCpu = m((r) => r.wrkCpuPct);
      const all = data.measurements.filter((x) => x.server === srv && x.scenario === s.id);
      const dist = all.filter((x) => disturbed(x.result)).length;
      const used = usable(data, srv, s.id).length;
      const wrkP99 = m((r) => r.wrkP99Us);
      const rssCell = `${mib(m((r) => r.srvRssStartKb ?? NaN))} → ${mib(m((r) => r.srvRssEndKb ?? NaN))} (${mib(m((r) => r.srvRssPeakKb ?? NaN))})`;
      out.push(
        `| ${srv} | ${fmtInt(m((r) => r.rps))}${wrkCpu >= 90 ? ' †' : ''} | ${mbps ? `${fmtInt(m((r) => (r.rps * s.bodyBytes!) / 1e6))} | ` : ''}${mbo ? `${fmtInt(m((r) => (r.rps * r.bytesPerResponse) / 1e6))} | ` : ''}${srv === me ? '—' : fmtX(ratio(data, [me, s.id], [srv, s.id]).value)} | ${fmtMs(m((r) => r.p99Us))} | ${fmtMs(m((r) => r.p50Us))} | ${ws ? '' : `${s.pipelined ? `(${wrkP99 === 0 ? '0' : fmtMs(wrkP99)})` : fmtMs(wrkP99)} | `}${fmtPct(m((r) => r.srvCpuPct))} | ${m((r) => r.srvUsPerReq).toFixed(1)} | ${fmtPct(wrkCpu)} | ${fmtPct(m((r) => r.srvCoreOthersPct))} / ${fmtPct(m((r) => r.wrkCoreOthersPct))} | ${errs} | ${Math.round(m((r) => r.bytesPerResponse))} | ${rss ? `${rssCell} | ` : ''}${dist === all.length ? `${used} (all disturbed ⚠)` : `${used} of ${all.length}`} |`,
      );
    }
    out.push('');
  }
  return out;
}

/** Every ratio of the run in one place: by throughput, and by server CPU per request. */
function ratiosTable(data: RunData): string[] {
  const out = ['| scenario | ours | req/s: ours ÷ peer | CPU per request: peer ÷ ours |', '| --- | --- | --- | --- |'];
  for (const s of data.scenarios) {
    const me = s.servers[0]!;
    if (!has(data, me, s.id)) continue;
    const peers = s.servers.slice(1).filter((p) => has(data, p, s.id));
    const by = (pick: (r: WrkResult) => number, flip: boolean): string =>
      peers
        .map(
          (p) =>
            `${p} ${fmtX(flip ? ratio(data, [p, s.id], [me, s.id], pick).value : ratio(data, [me, s.id], [p, s.id], pick).value)}`,
        )
        .join(' · ');
    out.push(`| ${s.label} | ${me} | ${by((r) => r.rps, false)} | ${by((r) => r.srvUsPerReq, true)} |`);
  }
  return out;
}

function spreadTable(data: RunData): string[] {
  const out = [
    '| scenario | server | req/s per round | spread | raw p99 ms per round | samples ÷ expected |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const s of data.scenarios) {
    for (const srv of s.servers) {
      if (!has(data, srv, s.id)) continue;
      const rps = perRound(data, srv, s.id, (r) => r.rps);
      const p99 = perRound(data, srv, s.id, (r) => r.p99Us);
      // Raw samples should equal requests (requests / depth when pipelined): proof that the
      // coordinated-omission correction was undone exactly (pipelined: ± the batches in flight).
      const depth = s.pipelined ? Number(data.settings['PIPELINE']) : 1;
      const check = perRound(data, srv, s.id, (r) => r.samples / (r.requests / depth));
      const sp = spread(rps);
      const dist = perRound(data, srv, s.id, (r) => (disturbed(r) ? 1 : 0));
      const mark = (x: string, i: number): string => (dist[i] === 1 ? `${x}*` : x);
      out.push(
        `| ${s.label} | ${srv} | ${rps.map(fmtInt).map(mark).join(' / ')} | ${Number.isFinite(sp) ? `${sp.toFixed(1)}%` : '—'} | ${p99.map(fmtMs).join(' / ')} | ${check.map((x) => x.toFixed(3)).join(' / ')} |`,
      );
    }
  }
  return out;
}

function memoryTable(data: RunData): string[] {
  const rows = data.memory;
  if (rows === null || rows.length === 0) return ['Not measured in this run.'];
  const ref = median(rows.filter((r) => r.kind === 'node-http').map((r) => r.rssPerConn));
  const kib = (b: number): string => (b / 1024).toFixed(2);
  const out = [
    `${rows[0]!.conns.toLocaleString('en-US')} idle keep-alive connections per server (each served one \`GET /\` first), full GC in the server before each reading; KiB per connection, median of ${new Set(rows.map((r) => r.round)).size} round(s).`,
    '',
  ];
  out.push(
    '| server | RSS / conn | per round | heap / conn | external / conn | RSS ÷ node:http |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const kind of [...new Set(rows.map((r) => r.kind))]) {
    const of = rows.filter((r) => r.kind === kind);
    const rss = median(of.map((r) => r.rssPerConn));
    out.push(
      `| ${kind === 'net' ? 'bare node:net' : kind === 'node-http' ? 'node:http' : kind} | ${kib(rss)} | ${of.map((r) => kib(r.rssPerConn)).join(' / ')} | ${kib(median(of.map((r) => r.heapPerConn)))} | ${kib(median(of.map((r) => r.externalPerConn)))} | ${fmtX(rss / ref)} |`,
    );
  }
  return out;
}

export function renderResults(data: RunData): string {
  const L: string[] = [];
  const load = data.loadDuring;
  L.push('# Benchmark results', '');
  L.push(
    `Written by \`${data.command}\` (bench/run.ts) on ${data.startedAt}; the run took ${Math.floor(data.seconds / 60)} min ${Math.round(data.seconds % 60)} s${data.quick ? ' (**quick mode**: one short round, numbers are rough)' : ''}. Parts: ${data.parts.join(', ')}.`,
  );
  L.push(
    'Absolute numbers move from run to run on this shared 2-core machine; compare the ratios, which are measured in the same run. How to read every column: bench/README.md, section "Server".',
    '',
  );
  if (data.failures.length > 0)
    L.push(
      '**Failures in this run** (the servers concerned were not measured where it says so):',
      '',
      ...data.failures.map((f) => `- ${f}`),
      '',
    );
  L.push('## Machine', '', '| | |', '| --- | --- |');
  for (const [k, v] of Object.entries(data.machine)) L.push(`| ${k} | ${v} |`);
  L.push(
    `| load average (1/5/15 min) | before ${data.loadBefore}; after ${data.loadAfter}; 1-min value at each server start ${load.length > 0 ? `${Math.min(...load).toFixed(2)}–${Math.max(...load).toFixed(2)}` : 'n/a'} |`,
  );
  L.push(
    `| settings | ${Object.entries(data.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} |`,
    '',
  );
  L.push('## Versions', '', '| package | version |', '| --- | --- |');
  for (const [k, v] of Object.entries(data.versions)) L.push(`| ${k} | ${v} |`);
  L.push('', '## Issue 8 targets', '', ...targets(data), '');
  L.push('## Issue 18 targets', '', ...issue18(data), '');
  L.push('## Server benchmark', '');
  L.push(
    `Server on core ${data.settings['SERVER_CPU']}, wrk (\`-t1\`) on core ${data.settings['LOAD_CPU']}; per server and scenario a ${data.settings['WARMUP']} warm-up, then ${data.settings['DURATION']} measured; ${data.settings['ROUNDS']} interleaved round(s), medians over the undisturbed rounds ("rounds used"). p99 is raw (wrk's coordinated-omission correction undone); pipelined p99 is per batch of ${data.settings['PIPELINE']}, and wrk's own p99 there (in parentheses) is meaningless. † = wrk used ≥ 90% of its core (load-generator bound). A round is disturbed, and left out, when other processes took over ${DISTURBED}% of the server's core or neither the server nor wrk reached 90% CPU (wrk starved); wrk's core shows 7–12% "others" even in quiet runs. ⚠ = every round disturbed, so that row was measured under load.`,
    '',
  );
  L.push('### Ratios to the peers (same run)', '', ...ratiosTable(data), '');
  L.push(
    '"CPU per request" divides the server\'s CPU time (from /proc/<pid>/stat) by the responses it sent: above 1× means shallot spends less CPU per request. It moves less than req/s when other work on the machine takes the server\'s core or starves wrk (see "others on core").',
    '',
  );
  L.push(...scenarioTables(data));
  L.push(
    '### Rounds: req/s, raw p99 and the raw-sample check',
    '',
    '`*` = disturbed round (left out of the medians). "samples ÷ expected": raw latency samples recovered ÷ responses (÷ batches when pipelined); 1.000 proves wrk\'s correction was undone exactly.',
    '',
    ...spreadTable(data),
    '',
  );
  L.push('## Memory per idle keep-alive connection (bench/memory.ts)', '', ...memoryTable(data), '');
  L.push('## Parser (bench/parser.ts)', '', data.parser ?? 'Not run.', '');
  L.push('## Router (bench/router.ts)', '', data.router ?? 'Not run.', '');
  L.push(
    '## Checks before measuring',
    '',
    '| round | server | smoke test (curl) + pipelining check |',
    '| ---: | --- | --- |',
  );
  for (const c of data.checks) L.push(`| ${c.round} | ${c.server} | ${c.outcome} |`);
  L.push('');
  return L.join('\n');
}
