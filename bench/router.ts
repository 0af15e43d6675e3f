/**
 * Route lookup benchmark: our RadixTree against find-my-way 9 and @koa/router 15 on one route table
 * modelled on GitHub's REST v3 API (static, param and wildcard routes), with the same request paths.
 *
 * Run: `npm run bench:router`. Prints a markdown table of median lookups per second over several
 * timed rounds after a warm-up, each router measured in its own child processes (three, interleaved
 * with the others', best median kept). Only `performance.now()` is used, so numbers are indicative:
 * compare rows of one run, not runs on different machines.
 *
 * A second table measures the whole `Router` middleware (`router.routes()`: lookup, params, the
 * composed route chain, the handler's return value set as the body) for `GET /` against
 * `GET /user/42`, called directly on a minimal stand-in context: `app.inject` would bury the
 * difference under the engine's own cost, which the server harness of issue 8 measures.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Router as KoaRouter } from '@koa/router';
import findMyWay from 'find-my-way';
import { RadixTree } from '../src/router/radix-tree.js';
import { Router } from '../src/router/router.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

// `METHODS path`; `*name` is a tail that may hold slashes (a git ref, a file path).
const TABLE = `
GET / ; GET /emojis ; GET /events ; GET /feeds ; GET /meta ; GET /octocat ; GET /rate_limit ; GET /zen ; GET /versions
GET,PATCH /user ; GET,POST,DELETE /user/emails ; GET /user/followers ; GET /user/following
GET,PUT,DELETE /user/following/:username ; GET,POST /user/keys ; GET,DELETE /user/keys/:key_id
GET,POST /user/gpg_keys ; GET,DELETE /user/gpg_keys/:gpg_key_id ; GET /user/orgs ; GET,POST /user/repos
GET /user/starred ; GET,PUT,DELETE /user/starred/:owner/:repo ; GET /user/subscriptions ; GET /user/teams
GET /user/issues ; GET /user/installations ; GET /user/installations/:installation_id/repositories
GET /user/blocks ; GET,PUT,DELETE /user/blocks/:username ; GET /user/:account_id
GET /users ; GET /users/:username ; GET /users/:username/events ; GET /users/:username/events/public
GET /users/:username/orgs ; GET /users/:username/repos ; GET /users/:username/starred ; GET /users/:username/projects
GET /organizations ; GET,PATCH,DELETE /orgs/:org ; GET /orgs/:org/events ; GET,POST /orgs/:org/hooks
GET,PATCH,DELETE /orgs/:org/hooks/:hook_id ; POST /orgs/:org/hooks/:hook_id/pings ; GET /orgs/:org/issues
GET /orgs/:org/members ; GET,DELETE /orgs/:org/members/:username ; GET,PUT,DELETE /orgs/:org/memberships/:username
GET /orgs/:org/outside_collaborators ; GET /orgs/:org/public_members ; GET,PUT /orgs/:org/public_members/:username
GET,POST /orgs/:org/repos ; GET,POST /orgs/:org/teams ; GET,PATCH,DELETE /orgs/:org/teams/:team_slug
GET /orgs/:org/teams/:team_slug/members ; GET,PUT /orgs/:org/teams/:team_slug/memberships/:username
GET /orgs/:org/teams/:team_slug/repos ; GET,PUT /orgs/:org/teams/:team_slug/repos/:owner/:repo
GET /repositories ; GET,PATCH,DELETE /repos/:owner/:repo ; GET /repos/:owner/:repo/activity
GET /repos/:owner/:repo/assignees ; GET /repos/:owner/:repo/assignees/:assignee ; GET /repos/:owner/:repo/branches
GET /repos/:owner/:repo/branches/:branch ; GET,PUT,DELETE /repos/:owner/:repo/branches/:branch/protection
POST /repos/:owner/:repo/branches/:branch/rename ; GET /repos/:owner/:repo/collaborators
GET,PUT,DELETE /repos/:owner/:repo/collaborators/:username ; GET /repos/:owner/:repo/collaborators/:username/permission
GET /repos/:owner/:repo/comments ; GET,PATCH,DELETE /repos/:owner/:repo/comments/:comment_id
GET /repos/:owner/:repo/commits ; GET /repos/:owner/:repo/commits/:ref ; GET /repos/:owner/:repo/commits/:ref/status
GET /repos/:owner/:repo/commits/:ref/statuses ; GET /repos/:owner/:repo/commits/:ref/check-runs
GET,POST /repos/:owner/:repo/commits/:commit_sha/comments ; GET /repos/:owner/:repo/compare/*basehead
GET,PUT,DELETE /repos/:owner/:repo/contents/*path ; GET /repos/:owner/:repo/contributors
GET /repos/:owner/:repo/events ; GET,POST /repos/:owner/:repo/forks ; POST /repos/:owner/:repo/git/blobs
GET /repos/:owner/:repo/git/ref/*ref ; POST /repos/:owner/:repo/git/refs ; PATCH,DELETE /repos/:owner/:repo/git/refs/*ref
GET /repos/:owner/:repo/git/trees/:tree_sha ; GET,POST /repos/:owner/:repo/hooks
GET,PATCH,DELETE /repos/:owner/:repo/hooks/:hook_id ; POST /repos/:owner/:repo/hooks/:hook_id/tests
GET,POST /repos/:owner/:repo/issues ; GET /repos/:owner/:repo/issues/comments
GET,PATCH,DELETE /repos/:owner/:repo/issues/comments/:comment_id ; GET /repos/:owner/:repo/issues/events
GET /repos/:owner/:repo/issues/events/:event_id ; GET,PATCH /repos/:owner/:repo/issues/:issue_number
GET,POST /repos/:owner/:repo/issues/:issue_number/comments ; GET /repos/:owner/:repo/issues/:issue_number/events
GET,POST,PUT,DELETE /repos/:owner/:repo/issues/:issue_number/labels
DELETE /repos/:owner/:repo/issues/:issue_number/labels/:name ; PUT,DELETE /repos/:owner/:repo/issues/:issue_number/lock
GET,POST /repos/:owner/:repo/issues/:issue_number/reactions ; GET /repos/:owner/:repo/issues/:issue_number/timeline
GET,POST /repos/:owner/:repo/keys ; GET,DELETE /repos/:owner/:repo/keys/:key_id ; GET,POST /repos/:owner/:repo/labels
GET,PATCH,DELETE /repos/:owner/:repo/labels/:name ; GET /repos/:owner/:repo/languages ; POST /repos/:owner/:repo/merges
GET,POST /repos/:owner/:repo/milestones ; GET,PATCH,DELETE /repos/:owner/:repo/milestones/:milestone_number
GET /repos/:owner/:repo/milestones/:milestone_number/labels ; GET,PUT /repos/:owner/:repo/notifications
GET,POST /repos/:owner/:repo/pages ; GET /repos/:owner/:repo/pages/builds ; GET /repos/:owner/:repo/pages/builds/latest
GET /repos/:owner/:repo/pages/builds/:build_id ; GET,POST /repos/:owner/:repo/pulls ; GET /repos/:owner/:repo/pulls/comments
GET /repos/:owner/:repo/pulls/comments/:comment_id ; GET,PATCH /repos/:owner/:repo/pulls/:pull_number
GET,POST /repos/:owner/:repo/pulls/:pull_number/comments ; GET /repos/:owner/:repo/pulls/:pull_number/commits
GET /repos/:owner/:repo/pulls/:pull_number/files ; GET,PUT /repos/:owner/:repo/pulls/:pull_number/merge
GET,POST /repos/:owner/:repo/pulls/:pull_number/requested_reviewers ; GET,POST /repos/:owner/:repo/pulls/:pull_number/reviews
GET,PUT,DELETE /repos/:owner/:repo/pulls/:pull_number/reviews/:review_id
GET /repos/:owner/:repo/pulls/:pull_number/reviews/:review_id/comments
POST /repos/:owner/:repo/pulls/:pull_number/reviews/:review_id/events ; GET /repos/:owner/:repo/readme
GET /repos/:owner/:repo/readme/*dir ; GET,POST /repos/:owner/:repo/releases ; GET /repos/:owner/:repo/releases/latest
GET /repos/:owner/:repo/releases/tags/:tag ; GET,PATCH,DELETE /repos/:owner/:repo/releases/:release_id
GET /repos/:owner/:repo/releases/:release_id/assets ; GET /repos/:owner/:repo/releases/assets/:asset_id
POST /repos/:owner/:repo/statuses/:sha ; GET /repos/:owner/:repo/subscribers ; GET,PUT,DELETE /repos/:owner/:repo/subscription
GET /repos/:owner/:repo/tags ; GET /repos/:owner/:repo/tarball/*ref ; GET /repos/:owner/:repo/zipball/*ref
GET /repos/:owner/:repo/teams ; GET,PUT /repos/:owner/:repo/topics ; POST /repos/:owner/:repo/transfer
GET,POST /gists ; GET /gists/public ; GET /gists/starred ; GET,PATCH,DELETE /gists/:gist_id
GET,POST /gists/:gist_id/comments ; GET /gists/:gist_id/comments/:comment_id ; GET /gists/:gist_id/commits
GET,POST /gists/:gist_id/forks ; GET,PUT,DELETE /gists/:gist_id/star ; GET /gists/:gist_id/:sha
GET,PUT /notifications ; GET,PATCH /notifications/threads/:thread_id ; GET /notifications/threads/:thread_id/subscription
GET /search/code ; GET /search/commits ; GET /search/issues ; GET /search/labels ; GET /search/repositories
`;

interface Route {
  readonly method: Method;
  readonly path: string;
}

const ROUTES: Route[] = TABLE.split(/\s*[;\n]\s*/)
  .filter((entry) => entry !== '')
  .flatMap((entry) => {
    const [methods = '', path = ''] = entry.split(' ');
    return methods.split(',').map((method) => ({ method: method as Method, path }));
  });

/** Realistic values for each param, so param lengths and characters look like real traffic. */
function sample(name: string): string {
  if (name === 'owner' || name === 'username' || name === 'org') return 'octocat';
  if (name === 'repo') return 'hello-world';
  if (name.endsWith('sha') || name === 'ref') return '6dcb09b5b57875f334f61aebed695e2e4193db5e';
  if (name === 'path' || name === 'dir') return 'src/router/radix-tree.ts';
  if (name === 'basehead') return 'main...feature/router';
  if (name.endsWith('_id') || name.endsWith('_number')) return '1347';
  return 'some-name';
}

function concrete(path: string): string {
  return path.replace(/[:*](\w+)/g, (_, name: string) => sample(name));
}

// Every route once, plus misses (unknown paths, a wrong method, a too-short path) at about 1 in 8.
const MISSES: Route[] = [
  { method: 'GET', path: '/repos/octocat/hello-world/unknown' },
  { method: 'GET', path: '/nope' },
  { method: 'POST', path: '/zen' },
  { method: 'GET', path: '/orgs/octocat/teams/core/nope/x' },
  { method: 'GET', path: '/users/octocat/events/orgs' },
  { method: 'DELETE', path: '/gists/public' },
  { method: 'GET', path: '/search' },
  { method: 'GET', path: '/repos/octocat/hello-world/pulls/1347/reviews/1/nope' },
];
const REQUESTS: Route[] = [];
for (const [i, route] of ROUTES.entries()) {
  REQUESTS.push({ method: route.method, path: concrete(route.path) });
  if (i % 7 === 6) REQUESTS.push(MISSES[((i / 7) % MISSES.length) | 0]!);
}

type Lookup = (method: Method, path: string) => boolean;

function ours(): Lookup {
  const tree = new RadixTree<string>();
  for (const r of ROUTES) tree.add(r.method, r.path, r.path);
  return (method, path) => tree.match(method, path) !== null;
}

function fmw(): Lookup {
  const router = findMyWay();
  // find-my-way names every tail '*'; the params differ only in that key.
  for (const r of ROUTES) router.on(r.method, r.path.replace(/\*\w+$/, '*'), () => undefined, r.path);
  return (method, path) => router.find(method, path) !== null;
}

function koa(): Lookup {
  const router = new KoaRouter();
  for (const r of ROUTES) router.register(r.path, [r.method], () => undefined);
  return (method, path) => router.match(path, method).route;
}

const CONTENDERS: Record<string, () => Lookup> = {
  'shallot RadixTree': ours,
  'find-my-way 9': fmw,
  '@koa/router 15': koa,
};

/** Lookups per second over `passes` passes through every request. */
function round(lookup: Lookup, passes: number): number {
  let hits = 0;
  const start = performance.now();
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < REQUESTS.length; i++) if (lookup(REQUESTS[i]!.method, REQUESTS[i]!.path)) hits++;
  }
  const seconds = (performance.now() - start) / 1000;
  if (hits === 0) throw new Error('no lookup matched'); // also keeps the loop's result observable
  return (passes * REQUESTS.length) / seconds;
}

const ROUNDS = 7;
const PROCESSES = 3;

interface Result {
  name: string;
  median: number;
  min: number;
  max: number;
}

function measure(name: string, lookup: Lookup): Result {
  // Size a round to about 200 ms, then warm up so the JIT has optimised before timing starts.
  const passes = Math.max(1, Math.round((0.2 * round(lookup, 20)) / REQUESTS.length));
  for (let w = 0; w < 3; w++) round(lookup, passes);
  const rates = Array.from({ length: ROUNDS }, () => round(lookup, passes)).sort((a, b) => a - b);
  return { name, median: rates[ROUNDS >> 1]!, min: rates[0]!, max: rates[ROUNDS - 1]! };
}

// ── Router dispatch: GET / against GET /user/42 through `router.routes()` ──────────────────────

/**
 * The members of a context the router touches, initialised in the constructor (one hidden class,
 * as the real Context). A fresh one per request, as the engine makes.
 */
class BenchContext {
  method: string;
  path: string;
  params: Record<string, string> = {};
  routePath: string | null = null;
  status = 404;
  body: unknown = undefined;
  headerSent = false;
  constructor(method: string, path: string) {
    this.method = method;
    this.path = path;
  }
}

const DISPATCH_PATHS = ['/', '/user/42'] as const;

interface DispatchResult {
  path: string;
  median: number;
  min: number;
  max: number;
}

function measureDispatch(): DispatchResult[] {
  // The production compose (no missing-await check), as a deployed app runs; read when the table is built.
  process.env['NODE_ENV'] = 'production';
  const router = new Router();
  for (const r of ROUTES) router.on(r.method, r.path, () => ({ ok: true }));
  const dispatch = router.routes() as unknown as (ctx: BenchContext, next: () => Promise<void>) => Promise<void>;
  const next = (): Promise<void> => Promise.resolve();
  const run = (path: string, n: number): number => {
    let sink = 0;
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      const ctx = new BenchContext('GET', path);
      void dispatch(ctx, next);
      if (ctx.body !== undefined) sink++;
    }
    const ns = ((performance.now() - start) * 1e6) / n;
    if (sink !== n) throw new Error(`GET ${path} was not routed`);
    return ns;
  };
  const n = 200_000;
  for (let w = 0; w < 5; w++) for (const p of DISPATCH_PATHS) run(p, n);
  // Alternate the two paths round by round, so drift on a noisy machine hits both alike.
  const samples = new Map<string, number[]>(DISPATCH_PATHS.map((p) => [p, []]));
  for (let r = 0; r < 2 * ROUNDS + 1; r++) for (const p of DISPATCH_PATHS) samples.get(p)!.push(run(p, n));
  return DISPATCH_PATHS.map((path) => {
    const ns = samples.get(path)!.sort((a, b) => a - b);
    return { path, median: ns[ns.length >> 1]!, min: ns[0]!, max: ns[ns.length - 1]! };
  });
}

const only = process.argv[2];
if (only === 'dispatch') {
  process.stdout.write(JSON.stringify(measureDispatch()));
} else if (only !== undefined) {
  // Child mode: measure one router and report to the parent as JSON.
  const make = CONTENDERS[only];
  if (make === undefined) throw new Error(`unknown router ${only}`);
  process.stdout.write(JSON.stringify(measure(only, make())));
} else {
  // All routers must agree on which requests match, or the comparison is meaningless.
  const lookups = Object.values(CONTENDERS).map((make) => make());
  for (const { method, path } of REQUESTS) {
    const answers = lookups.map((lookup) => lookup(method, path));
    if (answers.some((a) => a !== answers[0]))
      throw new Error(`routers disagree on ${method} ${path}: ${answers.join(', ')}`);
  }
  // One process per router: a shared timing loop would see several lookup functions and go
  // polymorphic, penalising whichever router runs second.
  // On a shared machine a burst of load can land on one router's process only, so each router is
  // measured in PROCESSES processes, interleaved (A B C A B C …), and keeps its best median: noise
  // only ever slows a run down. min–max spans every round of every process.
  const runs = new Map<string, Result[]>(Object.keys(CONTENDERS).map((name) => [name, []]));
  for (let p = 0; p < PROCESSES; p++) {
    for (const name of Object.keys(CONTENDERS)) {
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), name], {
        encoding: 'utf8',
      });
      if (child.status !== 0) throw new Error(`measuring ${name} failed: ${child.stderr}`);
      runs.get(name)!.push(JSON.parse(child.stdout) as Result);
    }
  }
  const results = [...runs].map(([name, rs]): Result => ({
    name,
    median: Math.max(...rs.map((r) => r.median)),
    min: Math.min(...rs.map((r) => r.min)),
    max: Math.max(...rs.map((r) => r.max)),
  }));
  const best = Math.max(...results.map((r) => r.median));
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const misses = REQUESTS.filter((r) => !lookups[0]!(r.method, r.path)).length;
  console.log(
    `${ROUTES.length} routes, ${REQUESTS.length} request paths (${misses} misses), ${ROUNDS} rounds × ${PROCESSES} processes, Node ${process.version}\n`,
  );
  console.log('| router | lookups/s (best median) | min–max | ns/lookup | vs fastest |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    const ns = (1e9 / r.median).toFixed(0);
    console.log(
      `| ${r.name} | ${fmt(r.median)} | ${fmt(r.min)}–${fmt(r.max)} | ${ns} | ${(r.median / best).toFixed(2)}× |`,
    );
  }
  console.log('\nWork per lookup differs: find-my-way also strips a query string and percent-decodes params;');
  console.log('ours slices raw params and flags those needing decoding; @koa/router tests every route regex in turn');
  console.log('and returns the matching layers without extracting params.');
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), 'dispatch'], {
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`measuring dispatch failed: ${child.stderr}`);
  const dispatch = JSON.parse(child.stdout) as DispatchResult[];
  const base = dispatch[0]!.median;
  console.log(
    `\nRouter middleware dispatch (router.routes() on a stand-in context, same ${ROUTES.length}-route table):\n`,
  );
  console.log('| request | ns/dispatch (median) | min–max | vs GET / |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const d of dispatch) {
    const delta = ((d.median / base - 1) * 100).toFixed(1);
    console.log(
      `| GET ${d.path} | ${d.median.toFixed(0)} | ${d.min.toFixed(0)}–${d.max.toFixed(0)} | ${d === dispatch[0] ? '—' : `${Number(delta) >= 0 ? '+' : ''}${delta}%`} |`,
    );
  }
}
