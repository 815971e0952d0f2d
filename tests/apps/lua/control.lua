-- Coroutines, error handling with pcall/xpcall/error, goto, varargs and
-- recursion.

-- A generator, and a producer/consumer pair.
local function range(n)
	return coroutine.wrap(function()
		for i = 1, n do coroutine.yield(i) end
	end)
end
local sum = 0
for i in range(100) do sum = sum + i end
print(sum)

local producer = coroutine.create(function(a, b)
	print("start", a, b)
	local c = coroutine.yield(a + b)
	print("got", c)
	local d, e = coroutine.yield(c * 2)
	print("got", d, e)
	return "done", d + e
end)
print(coroutine.resume(producer, 1, 2))
print(coroutine.status(producer))
print(coroutine.resume(producer, 10))
print(coroutine.resume(producer, 3, 4))
print(coroutine.status(producer), coroutine.resume(producer))
print(coroutine.isyieldable(), select(2, coroutine.running()))

-- Permutations through nested coroutines.
local function permgen(a, n)
	n = n or #a
	if n <= 1 then coroutine.yield(a) else
		for i = 1, n do
			a[n], a[i] = a[i], a[n]
			permgen(a, n - 1)
			a[n], a[i] = a[i], a[n]
		end
	end
end
local count = 0
for p in coroutine.wrap(function() permgen({ "a", "b", "c", "d" }) end) do
	count = count + 1
	if count <= 3 then print(table.concat(p)) end
end
print(count)

-- An error inside a coroutine ends it.
local bad = coroutine.create(function() error("inside") end)
print(coroutine.resume(bad))
print(coroutine.status(bad))
local closable = coroutine.create(function() coroutine.yield() end)
coroutine.resume(closable)
print(coroutine.close(closable), coroutine.status(closable))

-- Errors: strings with positions, tables, levels, xpcall handlers.
print(pcall(error, "plain"))
print(pcall(error, "no position", 0))
local ok, e = pcall(function() error({ code = 7 }) end)
print(ok, type(e), e.code)
print(pcall(function() local x = nil; return x.field end))
print(pcall(function() return 1 + {} end))
print(pcall(function() return #5 end))
print(select(2, pcall(string.rep)))
print(xpcall(function() error("deep") end, function(m) return "handled: " .. m end))
print(xpcall(function(a, b) return a // b end, print, 7, 2))
print(pcall(function() return 1 // 0 end))
print(pcall(function() return 1 % 0 end))
local function thrower(level) error("level " .. level, level) end
local function caller() thrower(2) end
print(pcall(caller))
print(pcall(setmetatable, 1, {}))
print(tostring(assert(42, "unused")), pcall(assert, false, "assertion"))

-- goto: continue in a loop, and breaking out of nested loops.
local odd = {}
for i = 1, 10 do
	if i % 2 == 0 then goto continue end
	odd[#odd + 1] = i
	::continue::
end
print(table.concat(odd, " "))
for i = 1, 5 do
	for j = 1, 5 do
		if i * j == 12 then
			print("found", i, j)
			goto done
		end
	end
end
::done::
do
	local n = 0
	::again::
	n = n + 1
	if n < 5 then goto again end
	print("looped", n)
end

-- Varargs and recursion.
local function count_args(...) return select("#", ...), ... end
print(count_args(nil, nil, 3))
print(select(-1, "a", "b", "c"), select(2, "a", "b", "c"))
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(25))
local function ack(m, n)
	if m == 0 then return n + 1 end
	if n == 0 then return ack(m - 1, 1) end
	return ack(m - 1, ack(m, n - 1))
end
print(ack(2, 3), ack(3, 3))
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print(depth(10000))
print(pcall(function() local function inf(n) return 1 + inf(n + 1) end return inf(1) end))
local function tail(n, acc) if n == 0 then return acc end return tail(n - 1, acc + 1) end
print(tail(1000000, 0))
print(load("return 2 ^ 10")(), load("syntax error here"))
