-- wrk script for the claim path (run by the flash_crowd example in its `wrk` mode):
--   wrk -s scripts/wrk-claims.lua URL -- RESIDENTS_FILE CLAIMS_PATH
-- RESIDENTS_FILE holds one signed-in resident a line, "token address". Every request is a new
-- claim (an Idempotency-Key of its own), by the next resident in turn, at the next of the three
-- tiers, from the resident's own address (the service trusts the load generator as its proxy).
-- The requests are put together from parts made once in `init`, and there is no `response`
-- function (wrk would build a Lua table of every answer's headers for it): the benchmark counts
-- the answers by status in the service. Both together cut wrk's CPU a claim by a third, which
-- the service, sharing the two cores, gets instead.

local tiers = { "single-2000-300", "single-5000-500", "single-8000-600" }
-- Per resident: its Authorization and X-Forwarded-For lines.
local residents = {}
-- Per tier: the headers after the key, the blank line and the body.
local tails = {}
local head, key_prefix
local sent = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  for line in io.lines(args[1]) do
    local token, address = line:match("^(%S+) (%S+)$")
    if token then
      residents[#residents + 1] = "Authorization: Bearer " .. token .. "\r\nX-Forwarded-For: " .. address .. "\r\n"
    end
  end
  head = "POST " .. args[2] .. " HTTP/1.1\r\nHost: " .. wrk.host .. ":" .. wrk.port .. "\r\n"
  for index, tier in ipairs(tiers) do
    local body = '{"offer":"' .. tier .. '","location":{"latitude":36.456,"longitude":115.985,"accuracy":20.0}}'
    tails[index] = "Content-Type: application/json\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
  end
  -- Keys carry the thread's number; each thread starts at another resident, so that one
  -- resident is not asked for by every thread at once (each has a rate limit of its own).
  key_prefix = "Idempotency-Key: wrk-claim-" .. thread_number .. "-"
  sent = (thread_number - 1) * math.floor(#residents / 2)
end

function request()
  sent = sent + 1
  local resident = residents[(sent % #residents) + 1]
  local tail = tails[(math.floor(sent / #residents) % #tiers) + 1]
  return head .. resident .. key_prefix .. sent .. "\r\n" .. tail
end
