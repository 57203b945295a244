-- wrk script: POST create_orders with a unique order number per request.
--
-- Environment (set by bench/run.py):
--   BENCH_TOKEN     API key (sent as "Authorization: Token <key>")
--   BENCH_RUN_ID    prefix making numbers unique across runs (e.g. "W1732-3i-16c")
--   BENCH_ITEMS     items per order (products 1..BENCH_PRODUCTS of the demo data, 100.00 each)
--   BENCH_PRODUCTS  how many products the items cycle over (default 3)
--   BENCH_SPREAD    1: each order takes the next BENCH_ITEMS products of the BENCH_PRODUCTS
--                   (distinct orders on distinct products, as far as the pool allows)
--   BENCH_CHANNEL   channel id (default 1)
--   BENCH_THINK_MS  mean think time between a connection's requests (exponential); 0 = closed loop
--   BENCH_THREAD_RATE  requests/s per wrk thread at fixed times (open loop: a late answer does not
--                   delay the requests scheduled after it, as long as a connection is free); 0 = off
--
-- Each thread numbers its requests <run id>-<thread id>-<counter>, so no two requests share a
-- number. done() prints one line "BENCH_RESULT {json}" with the status counts of every thread
-- and the latency percentiles, which run.py parses; a run with any non-201 is flagged invalid.

local run_id = os.getenv("BENCH_RUN_ID") or tostring(os.time())
local token = os.getenv("BENCH_TOKEN") or ""
local items = tonumber(os.getenv("BENCH_ITEMS") or "3")
local channel = os.getenv("BENCH_CHANNEL") or "1"
local think_ms = tonumber(os.getenv("BENCH_THINK_MS") or "0")
local products = tonumber(os.getenv("BENCH_PRODUCTS") or "3")
local spread = os.getenv("BENCH_SPREAD") == "1"
local thread_rate = tonumber(os.getenv("BENCH_THREAD_RATE") or "0")

local threads = {}
local thread_count = 0

function setup(thread)
   thread_count = thread_count + 1
   thread:set("tid", thread_count)
   table.insert(threads, thread)
end

local function order_body_parts(first)
   local item_list = {}
   for i = 1, items do
      item_list[i] = string.format('{"product": %d, "price": "100.00"}', (first + i - 1) % products + 1)
   end
   local head = '{"order": {"number": "'
   local tail = '", "status": "approved", "date_placed": "2025-01-01T10:00:00Z", "customer": 1, '
      .. '"shipping_address": 1, "billing_address": 1, "currency": "try", '
      .. string.format('"amount": "%d.00"}, ', items * 100)
      .. '"order_item": [' .. table.concat(item_list, ", ") .. "]}"
   return head, tail
end

function init(args)
   counter = 0
   created = 0
   other = 0
   other_statuses = {}
   sample = ""
   body_head, body_tail = order_body_parts(0)
   prefix = run_id .. "-" .. tid .. "-"
   math.randomseed(tid * 7919 + os.time())
   wrk.method = "POST"
   wrk.path = "/api/v1/channel/" .. channel .. "/create_orders/"
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Authorization"] = "Token " .. token
end

function request()
   counter = counter + 1
   if spread then
      -- Threads start far apart in the pool, so their orders rarely share a product.
      body_head, body_tail = order_body_parts((tid * 7919 + counter) * items)
   end
   return wrk.format(nil, nil, nil, body_head .. prefix .. counter .. body_tail)
end

function response(status, headers, body)
   if status == 201 then
      created = created + 1
   else
      other = other + 1
      other_statuses[status] = (other_statuses[status] or 0) + 1
      if sample == "" and body then
         sample = string.sub(body, 1, 400)
      end
   end
end

if thread_rate > 0 then
   -- The thread's requests go at fixed times, interval apart: each answer's connection takes the
   -- next free time (at once when the schedule is behind, catching up).
   local ffi = require("ffi")
   ffi.cdef([[
      typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
      int clock_gettime(int clock_id, bench_timespec *tp);
   ]])
   local now_ts = ffi.new("bench_timespec")
   local interval_ms = 1000 / thread_rate
   local function now_ms()
      ffi.C.clock_gettime(1, now_ts) -- CLOCK_MONOTONIC
      return tonumber(now_ts.tv_sec) * 1000 + tonumber(now_ts.tv_nsec) / 1e6
   end
   local next_at = nil
   function delay()
      local now = now_ms()
      next_at = (next_at or now) + interval_ms
      return math.max(0, math.floor(next_at - now))
   end
elseif think_ms > 0 then
   -- Exponential think time: arrivals close to a Poisson process at a rate below the peak.
   function delay()
      return math.floor(-math.log(1 - math.random()) * think_ms)
   end
end

local function json_string(s)
   s = string.gsub(s, '[%c"\\]', function(c)
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. s .. '"'
end

function done(summary, latency, requests)
   local total_created, total_other, statuses, first_sample = 0, 0, {}, ""
   for _, thread in ipairs(threads) do
      total_created = total_created + thread:get("created")
      total_other = total_other + thread:get("other")
      for status, count in pairs(thread:get("other_statuses")) do
         statuses[status] = (statuses[status] or 0) + count
      end
      if first_sample == "" then
         first_sample = thread:get("sample")
      end
   end
   local parts = {}
   for status, count in pairs(statuses) do
      table.insert(parts, string.format('"%d": %d', status, count))
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"duration_us": %d, "requests": %d, "created": %d, "non_201": %d, '
         .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
         .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, '
         .. '"non_201_statuses": %s, "sample": %s}\n',
      summary.duration, summary.requests, total_created, total_other,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      "{" .. table.concat(parts, ", ") .. "}", json_string(first_sample)))
end
