/**
 * The data one `npm run bench` run collects, and the small statistics the report draws from it.
 * Rule: a ratio compares two servers measured in the same run (medians over its rounds), never
 * numbers from different runs.
 */
import type { ColdRow } from '../coldstart.js';
import type { MemoryRow } from '../memory.js';
import type { SseRow } from '../sse.js';
import type { ScenarioDef, ScenarioId } from './scenarios.js';
import type { WrkResult } from './wrk.js';

export interface Measurement {
  round: number;
  server: string;
  scenario: ScenarioId;
  result: WrkResult;
}

export interface CheckRecord {
  round: number;
  server: string;
  /** 'ok', or what failed. */
  outcome: string;
}

export interface RunData {
  command: string;
  quick: boolean;
  parts: string[];
  startedAt: string;
  seconds: number;
  settings: Record<string, string | number>;
  machine: Record<string, string>;
  versions: Record<string, string>;
  loadBefore: string;
  loadAfter: string;
  /** 1-minute load average at each server start. */
  loadDuring: number[];
  scenarios: ScenarioDef[];
  measurements: Measurement[];
  checks: CheckRecord[];
  /** Every loud failure: failed checks, wrk runs without a result, steps that threw. */
  failures: string[];
  parser: string | null;
  router: string | null;
  memory: MemoryRow[] | null;
  /** Cold start (bench/coldstart.ts); absent in runs recorded before it was added. */
  coldstart?: ColdRow[] | null;
  /** SSE clients (bench/sse.ts); absent in runs recorded before it was added. */
  sse?: SseRow[] | null;
}

/** Other processes took more than this % of the server's core: the run is disturbed. */
export const DISTURBED = 5;

/**
 * A run is disturbed when other processes took the server's core, or when the server was not
 * saturated although wrk was not either (wrk starved on its own core, so requests came slower).
 * wrk's core shows ~7–12% "others" even in quiet runs (interrupt and network work the kernel does
 * not charge to wrk), so that number alone is no sign.
 */
export const disturbed = (r: WrkResult): boolean =>
  r.srvCoreOthersPct > DISTURBED || (r.srvCpuPct < 90 && r.wrkCpuPct < 90);

/**
 * The runs of one server in one scenario that the medians use: the undisturbed ones — load from
 * other processes only ever slows a run down, so it measures them, not the server — or, when every
 * round was disturbed, all of them (the report says so).
 */
export function usable(data: RunData, server: string, scenario: ScenarioId): Measurement[] {
  const all = data.measurements.filter((m) => m.server === server && m.scenario === scenario);
  const quiet = all.filter((m) => !disturbed(m.result));
  return quiet.length > 0 ? quiet : all;
}

export function median(xs: readonly number[]): number {
  const a = xs.filter(Number.isFinite).sort((x, y) => x - y);
  if (a.length === 0) return NaN;
  const m = a.length >> 1;
  return a.length % 2 === 1 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

/** Per-round values of one field for one server in one scenario, in round order. */
export function perRound(
  data: RunData,
  server: string,
  scenario: ScenarioId,
  pick: (r: WrkResult) => number,
): number[] {
  return data.measurements
    .filter((m) => m.server === server && m.scenario === scenario)
    .sort((a, b) => a.round - b.round)
    .map((m) => pick(m.result));
}

/** Median over the {@link usable} runs. */
export function med(data: RunData, server: string, scenario: ScenarioId, pick: (r: WrkResult) => number): number {
  return median(usable(data, server, scenario).map((m) => pick(m.result)));
}

/** Ratio of medians (over usable runs), and the ratio within each round where both servers were measured. */
export function ratio(
  data: RunData,
  a: [string, ScenarioId],
  b: [string, ScenarioId],
  pick: (r: WrkResult) => number = (r) => r.rps,
): { value: number; rounds: number[] } {
  const value = med(data, a[0], a[1], pick) / med(data, b[0], b[1], pick);
  const rounds: number[] = [];
  const roundsSeen = [...new Set(data.measurements.map((m) => m.round))].sort((x, y) => x - y);
  for (const r of roundsSeen) {
    const x = data.measurements.find((m) => m.round === r && m.server === a[0] && m.scenario === a[1]);
    const y = data.measurements.find((m) => m.round === r && m.server === b[0] && m.scenario === b[1]);
    if (x !== undefined && y !== undefined) rounds.push(pick(x.result) / pick(y.result));
  }
  return { value, rounds };
}

export const fmtInt = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
export const fmtMs = (us: number): string => (Number.isFinite(us) && us >= 0 ? (us / 1000).toFixed(2) : 'n/a');
export const fmtX = (x: number, digits = 2): string => (Number.isFinite(x) ? `${x.toFixed(digits)}×` : 'n/a');
export const fmtPct = (x: number): string => (Number.isFinite(x) ? `${Math.round(x)}%` : 'n/a');
export const spread = (xs: readonly number[]): number => {
  const f = xs.filter(Number.isFinite);
  return f.length > 1 ? ((Math.max(...f) - Math.min(...f)) / median(f)) * 100 : NaN;
};
