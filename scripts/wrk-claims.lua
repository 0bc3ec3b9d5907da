-- wrk script for the claim path (run by the flash_crowd example in its `wrk` mode):
--   wrk -s scripts/wrk-claims.lua URL -- RESIDENTS_FILE CLAIMS_PATH
-- RESIDENTS_FILE holds one signed-in resident a line, "token address". Every request is a new
-- claim (an Idempotency-Key of its own), by the next resident in turn, at the next of the three
-- tiers, from the resident's own address (the service trusts the load generator as its proxy).
-- Each answer's status is counted; `done` prints the counts, one "status count" a line.

local tiers = { "single-2000-300", "single-5000-500", "single-8000-600" }
local residents = {}
local sent = 0
local threads = {}
statuses = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  for line in io.lines(args[1]) do
    local token, address = line:match("^(%S+) (%S+)$")
    if token then
      residents[#residents + 1] = { token, address }
    end
  end
  claims_path = args[2]
  -- Keys carry the thread's number; each thread starts at another resident, so that one
  -- resident is not asked for by every thread at once (each has a rate limit of its own).
  sent = (thread_number - 1) * math.floor(#residents / 2)
end

function request()
  sent = sent + 1
  local resident = residents[(sent % #residents) + 1]
  local tier = tiers[(math.floor(sent / #residents) % #tiers) + 1]
  local body = '{"offer":"' .. tier .. '","location":{"latitude":36.456,"longitude":115.985,"accuracy":20.0}}'
  return wrk.format("POST", claims_path, {
    ["Authorization"] = "Bearer " .. resident[1],
    ["X-Forwarded-For"] = resident[2],
    ["Idempotency-Key"] = string.format("wrk-%d-%012d", thread_number, sent),
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("status %d %d\n", status, count))
  end
end
