-- wrk script: each request takes the next (reservation id, session JWT) pair from PAIRS_FILE.
-- Requests are built once in init(); each thread starts at its own offset.
local pairs_file = os.getenv("PAIRS_FILE")
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local requests, n, i = {}, 0, 0

function init(args)
  for line in io.lines(pairs_file) do
    local id, token = line:match("^(%S+)\t(%S+)$")
    if id then
      n = n + 1
      requests[n] = wrk.format("GET", "/reservations/" .. id .. "/daily-token", { ["Authorization"] = "Bearer " .. token })
    end
  end
  assert(n > 0, "no pairs in " .. tostring(pairs_file))
  i = ((tid or 0) * 97) % n
end

function request()
  i = i % n + 1
  return requests[i]
end
