-- The reporting half of a bench wrk script, loaded by bench.lua and reference.lua after their own code
-- (setup() is theirs, wrapped): counts the answers that are not 2xx, and done() prints one line
-- "BENCH_JSON {...}": requests, duration_us, rps, p50_ms, p90_ms, p99_ms, max_ms, mean_ms, non2xx,
-- socket_errors, samples of the bad answers, and 200 latency quantiles.

local threads = {}
local script_setup = setup

function setup(thread)
   table.insert(threads, thread)
   if script_setup then
      script_setup(thread)
   end
end

-- Per thread: the script runs in each thread's own Lua state, where done() reads them back.
non2xx, samples = 0, ""

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if #samples < 600 then
         samples = samples .. status .. " " .. string.sub(body or "", 1, 200) .. " | "
      end
   end
end

local function json_string(s)
   return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('[%c]', ' ') .. '"'
end

function done(summary, latency, requests)
   local bad, sample = 0, ""
   for _, thread in ipairs(threads) do
      bad = bad + (thread:get("non2xx") or 0)
      if #sample < 600 then
         sample = sample .. (thread:get("samples") or "")
      end
   end
   local e = summary.errors
   local seconds = summary.duration / 1e6
   -- 200 quantiles, each standing for 0.5% of the requests: run.py merges rounds of one scenario with them.
   local quantiles = {}
   for i = 1, 200 do
      quantiles[i] = string.format("%.3f", latency:percentile((i - 0.5) / 2) / 1000)
   end
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "rps": %.2f, "p50_ms": %.3f, "p90_ms": %.3f, ' ..
      '"p99_ms": %.3f, "max_ms": %.3f, "mean_ms": %.3f, "non2xx": %d, "socket_errors": %d, "samples": %s, ' ..
      '"quantiles_ms": [%s]}\n',
      summary.requests, summary.duration, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, latency.mean / 1000, bad,
      e.connect + e.read + e.write + e.timeout, json_string(sample), table.concat(quantiles, ", ")))
end
