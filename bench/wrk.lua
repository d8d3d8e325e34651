-- Replays prepared requests (each signed with its own nonce) and checks every answer.
-- Arguments after `--`: the prepared-requests file and a marker every good answer contains.
-- The file is a count line, then for each request a byte-length line and the raw HTTP request.
local prepared, next_index, marker = {}, 0, ""
bad = 0

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local count = tonumber(file:read("*l"))
  for i = 1, count do
    local size = tonumber(file:read("*l"))
    prepared[i] = file:read(size)
  end
  file:close()
  marker = args[2]
end

function request()
  next_index = next_index + 1
  -- past the end the requests repeat: signed ones are then replays, refused, counted as bad
  return prepared[(next_index - 1) % #prepared + 1]
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, marker, 1, true) then
    bad = bad + 1
  end
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local bad_total = 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, "bad": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max, bad_total,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
