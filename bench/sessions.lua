-- wrk script: the session list of the seed's player with 50 sessions (GET /api/player/sessions,
-- the page's first request), signed in with the JWT in SESSIONS_FILE.
local f = assert(io.open(os.getenv("SESSIONS_FILE")))
local token = f:read("*l")
f:close()
wrk.method = "GET"
wrk.path = "/api/player/sessions"
wrk.headers["Authorization"] = "Bearer " .. token
