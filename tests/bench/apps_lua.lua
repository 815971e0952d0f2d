-- apps_lua.lua: the Lua workload of ./z bench apps (tests/bench/apps.sh).
-- usage: lua apps_lua.lua ROUNDS SCRIPT...: run every SCRIPT ROUNDS times,
-- in one process, each in a fresh environment; their output is the
-- workload's (the benchmark discards it).
local rounds = assert(math.tointeger(tonumber(arg[1])), "usage: apps_lua.lua ROUNDS SCRIPT...")
for _ = 1, rounds do
  for i = 2, #arg do
    local chunk = assert(loadfile(arg[i], "t", setmetatable({}, { __index = _G })))
    chunk()
  end
end
