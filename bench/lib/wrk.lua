-- wrk script for `npm run bench` (bench/run.ts). One script for every scenario, configured
-- through the environment, because done() runs in wrk's main Lua state, where init(args) never
-- ran: only os.getenv reaches every state alike.
--
--   WRK_CONNS     the -c value: needed to undo wrk's latency correction (below). Required.
--   WRK_DEPTH     requests written back to back per connection (default 1: no pipelining)
--   WRK_METHOD    request method (default GET)
--   WRK_BODY_FILE file whose bytes are the request body (default: none)
--   WRK_CTYPE     Content-Type of that body
--   WRK_HEADER    one extra request field, "Name: value" (default: none), e.g. a Range request
--
-- Without pipelining no request() function is defined, so wrk stays in its static mode: the
-- request (method, headers, body) is formatted once and no Lua runs per request. With
-- WRK_DEPTH=N > 1, request() returns N copies in one string; wrk then writes the batch in one
-- go, counts every response in `requests`, and records ONE latency sample per batch (batch
-- written -> last response read).
--
-- done() prints one line, "WRKRESULT k=v k=v ...", which bench/lib/wrk.ts parses.

local conns = tonumber(os.getenv("WRK_CONNS") or "") or 0
local depth = tonumber(os.getenv("WRK_DEPTH") or "1") or 1

wrk.method = os.getenv("WRK_METHOD") or "GET"
local body_file = os.getenv("WRK_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = os.getenv("WRK_CTYPE") or "application/json"
end

local extra = os.getenv("WRK_HEADER")
if extra and extra ~= "" then
  local name, value = extra:match("^([^:]+):%s*(.*)$")
  assert(name, "WRK_HEADER must be 'Name: value'")
  wrk.headers[name] = value
end

if depth > 1 then
  local batch
  function init(_)
    -- wrk.format() with no arguments uses wrk.method/path/headers/body (Host is already set).
    batch = string.rep(wrk.format(), depth)
  end
  function request()
    return batch
  end
end

-- Undoing wrk's coordinated-omission correction ------------------------------------------------
--
-- Before calling done(), wrk "corrects" its latency histogram d (wrk.c, stats_correct): with
--   E = duration_us / floor(requests / connections)     (the mean per-connection interval)
-- every recorded value n > 2E adds its count again at n-E, n-2E, ... for as long as that is > E.
-- In a closed loop that turns a few GC pauses into a fat tail; with pipelining, E is DEPTH times
-- too small and the histogram drowns in invented samples. Each original sample o[n] therefore
-- shows up in d at n and at every n-kE > E, so, for every value v:
--   d[v] = o[v] + o[v+E] + o[v+2E] + ...   when v > E        =>   o[v] = d[v] - d[v+E]
--   d[v] = o[v]                            when v <= E
-- wrk's Lua API only shows non-empty buckets from the smallest *recorded* value (latency.min)
-- upwards, in order, and latency(i) costs O(value - min). Invented samples may sit below min,
-- but no original does, so o is fully known from the visible part. The original count N comes
-- from a telescoping sum: every original chain n, n-E, ... has exactly one member in
-- [a, a+E) with a = max(min, E+1), so N = (d's count over [min, a+E)).
-- The walk below reads buckets lazily and stops as soon as the highest wanted percentile is
-- known, i.e. after p99 + E, so a long tail (one slow GC) costs nothing.

local function interval(summary)
  if conns <= 0 then return nil end
  local per_conn = math.floor(summary.requests / conns)
  if per_conn <= 0 then return nil end -- wrk skips the correction in this case too
  local e = math.floor(summary.duration / per_conn)
  if e < 1 then return nil end
  return e
end

local function raw_percentiles(latency, E, wanted)
  local n = #latency
  if n == 0 then return nil end
  local vals, cnts, loaded = {}, {}, 0
  local function load(i) -- bucket i (1-based), read once
    while loaded < i and loaded < n do
      loaded = loaded + 1
      local v, c = latency(loaded)
      vals[loaded], cnts[loaded] = v, c
    end
    return vals[i]
  end
  local big = E or math.huge
  local a = math.max(latency.min, big + 1)
  local total, i = 0, 1
  while i <= n and load(i) < a + big do
    total = total + cnts[i]
    i = i + 1
  end
  if total <= 0 then return nil end
  local ranks, res, left = {}, { samples = total, max = latency.max }, #wanted
  for k, p in ipairs(wanted) do ranks[k] = math.max(1, math.ceil(p / 100 * total - 1e-9)) end
  local acc, j = 0, 1
  for b = 1, n do
    local v = load(b)
    local c = cnts[b]
    if E and v > E then
      local target = v + E
      while j <= n and load(j) < target do j = j + 1 end
      if j <= n and vals[j] == target then c = c - cnts[j] end
    end
    if c < 0 then return nil end -- not a wrk-corrected histogram: refuse to guess
    acc = acc + c
    for k, p in ipairs(wanted) do
      if res[p] == nil and acc >= ranks[k] then res[p] = v; left = left - 1 end
    end
    if left == 0 then break end
  end
  return res
end

function done(summary, latency, requests)
  local cpu_at_done = os.clock() -- CPU seconds of the whole wrk process, before this bookkeeping
  local E = interval(summary)
  local raw = raw_percentiles(latency, E, { 50, 90, 99 }) or {}
  local e = summary.errors
  io.write(string.format(
    "WRKRESULT depth=%d conns=%d requests=%d duration_us=%d bytes=%d " ..
    "wrk_p50_us=%d wrk_p99_us=%d raw_p50_us=%d raw_p90_us=%d raw_p99_us=%d raw_max_us=%d " ..
    "raw_samples=%d interval_us=%d err_connect=%d err_read=%d err_write=%d err_status=%d " ..
    "err_timeout=%d wrk_cpu_s=%.3f done_cpu_s=%.3f\n",
    depth, conns, summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99),
    raw[50] or -1, raw[90] or -1, raw[99] or -1, raw.max or -1, raw.samples or -1, E or 0,
    e.connect, e.read, e.write, e.status, e.timeout, cpu_at_done, os.clock() - cpu_at_done))
end
