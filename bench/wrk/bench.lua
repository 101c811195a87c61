-- wrk script for every scenario of bench/run.py.
--
--   wrk -t4 -c16 -d10s -s bench/wrk/bench.lua http://127.0.0.1:8799 -- MODE TARGET RUN_ID
--
-- BENCH_FIXTURES names the Lua table written by `bench/steps.py seed` (token, business, invoices, payments).
-- MODE   get      GET TARGET (a path), DayZero headers (Bearer + x-business-id)
--        zuora | dayzero | moov | mix    a payment of 0.01 (1 cent), one dialect or round-robin over the three
-- TARGET for payments: "random" (a random invoice of the seeded 1000, a random payment of the 1000 per
--        dialect) or the name of one of the seeded single invoices (every request on that invoice)
-- RUN_ID makes Idempotency-Keys unique across runs; thread id and a counter make them unique within one.
-- report.lua counts the non-2xx answers and prints the run's figures.

local F = dofile(os.getenv("BENCH_FIXTURES"))
local DIALECTS = { "zuora", "dayzero", "moov" }

local started = 0

function setup(thread)
   started = started + 1
   thread:set("tid", started)
end

function init(args)
   mode, target, run_id = args[1], args[2] or "random", args[3] or tostring(os.time())
   math.randomseed(os.time() * 1000 + tid * 7919)
   counter = 0
   auth = { ["Authorization"] = "Bearer " .. F.token }
   dayzero_get = { ["Authorization"] = "Bearer " .. F.token, ["x-business-id"] = F.business_id }
   if mode ~= "get" and target ~= "random" then
      single = F.single[target]
      assert(single, "no seeded single invoice named " .. target)
   end
end

local function pick_invoice()
   return single or F.invoices[math.random(#F.invoices)]
end

local function pick(list)
   return list[math.random(#list)]
end

local function headers(extra, key)
   local h = {
      ["Authorization"] = "Bearer " .. F.token,
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = key,
   }
   for k, v in pairs(extra) do
      h[k] = v
   end
   return h
end

function request()
   counter = counter + 1
   if mode == "get" then
      return wrk.format("GET", target, dayzero_get)
   end
   local dialect = mode
   if mode == "mix" then
      dialect = DIALECTS[(counter + tid) % 3 + 1]
   end
   local key = string.format("bench-%s-%d-%d", run_id, tid, counter)
   local invoice = pick_invoice()
   if dialect == "zuora" then
      local body = string.format('{"Amount": 0.01, "InvoiceId": "%s", "PaymentId": "%s"}',
         (invoice:gsub("-", "")), pick(F.payments.zuora))
      return wrk.format("POST", "/v1/object/invoice-payment", headers({}, key), body)
   elseif dialect == "dayzero" then
      local body = string.format('{"transaction_id": "%s", "amount": 1}', pick(F.payments.dayzero))
      return wrk.format("POST", "/api/v1/invoices/" .. invoice .. "/payments",
         headers({ ["x-business-id"] = F.business_id }, key), body)
   else
      -- Moov's account in the path is the merchant: the business's entity.
      local body = '{"amount": {"currency": "USD", "valueDecimal": "0.01"}}'
      return wrk.format("POST", "/accounts/" .. F.entity_id .. "/invoices/" .. invoice .. "/payments",
         headers({}, key), body)
   end
end

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")
