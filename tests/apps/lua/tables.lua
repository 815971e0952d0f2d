-- Tables, closures, metatables and table.sort.

local t = { 10, 20, 30, nil, 50 }
print(#{ 1, 2, 3 }, select("#", table.unpack({ 1, 2, 3 })), t[5])

local list = {}
for i = 1, 10 do table.insert(list, i * i) end
table.insert(list, 1, 0)
print(table.remove(list), table.remove(list, 1), #list, table.concat(list, " "))
print(table.concat(table.move(list, 2, 4, 1, {}), ","))
print(table.unpack(table.pack(1, nil, 3), 1, 3))

-- Sorting: numbers, strings, records with a comparator, stability
-- not assumed (keys are unique).
local nums = { 5, 3, 9, 1, 7, 2, 8, 6, 4, 0, -3, 11 }
table.sort(nums)
print(table.concat(nums, " "))
table.sort(nums, function(a, b) return a > b end)
print(table.concat(nums, " "))
local people = {
	{ name = "Grace", born = 1906 }, { name = "Ada", born = 1815 },
	{ name = "Alan", born = 1912 }, { name = "Edsger", born = 1930 },
	{ name = "Barbara", born = 1939 }, { name = "Donald", born = 1938 },
}
table.sort(people, function(a, b) return a.born < b.born end)
for _, p in ipairs(people) do io.write(p.name, "(", p.born, ") ") end
print()
local words = {}
for w in ("pear apple fig banana cherry date elderberry"):gmatch("%a+") do words[#words + 1] = w end
table.sort(words)
print(table.concat(words, " "))

-- A pseudo-random permutation sorted back, to exercise the sort's paths.
local big, seed = {}, 12345
for i = 1, 2000 do
	seed = (seed * 1103515245 + 12345) % 2147483648
	big[i] = seed % 100000
end
table.sort(big)
local sorted = true
for i = 2, #big do sorted = sorted and big[i - 1] <= big[i] end
print(sorted, big[1], big[1000], big[2000])

-- Iteration order of pairs() is not defined: sort the keys.
local counts = {}
for c in ("mississippi"):gmatch(".") do counts[c] = (counts[c] or 0) + 1 end
local keys = {}
for k in pairs(counts) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do io.write(k, "=", counts[k], " ") end
print()

-- Closures: counters with their own state, and upvalues shared by two.
local function counter(step)
	local n = 0
	return function() n = n + step; return n end
end
local c1, c2 = counter(1), counter(10)
print(c1(), c1(), c2(), c1(), c2())
local function pair()
	local v = 0
	return function(x) v = x end, function() return v end
end
local set, get = pair()
set(42)
print(get())
local fns = {}
for i = 1, 3 do fns[i] = function() return i * 100 end end
print(fns[1](), fns[2](), fns[3]())

-- Metatables: a vector type with operators, __index, __newindex,
-- __call, __len, __tostring, __eq, __lt, __le, __concat, __close.
local Vec = {}
Vec.__index = Vec
local function vec(x, y) return setmetatable({ x = x, y = y }, Vec) end
Vec.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
Vec.__mul = function(a, k) return vec(a.x * k, a.y * k) end
Vec.__unm = function(a) return vec(-a.x, -a.y) end
Vec.__eq = function(a, b) return a.x == b.x and a.y == b.y end
Vec.__lt = function(a, b) return a:len2() < b:len2() end
Vec.__le = function(a, b) return a:len2() <= b:len2() end
Vec.__len = function(a) return 2 end
Vec.__tostring = function(a) return "(" .. a.x .. "," .. a.y .. ")" end
Vec.__concat = function(a, b) return tostring(a) .. tostring(b) end
Vec.__call = function(a, k) return a[k] end
function Vec:len2() return self.x * self.x + self.y * self.y end
local a, b = vec(1, 2), vec(3, -4)
print(tostring(a + b), tostring(a * 3), tostring(-b), a == vec(1, 2), a < b, b <= a, #a)
print(a .. b, a("y"), rawequal(a, vec(1, 2)))

local defaults = setmetatable({}, { __index = function(_, k) return "default-" .. k end })
defaults.real = "set"
print(defaults.real, defaults.missing)
local log = {}
local guarded = setmetatable({}, { __newindex = function(t, k, v)
	log[#log + 1] = k
	rawset(t, k, v * 2)
end })
guarded.a = 1
guarded.b = 2
guarded.a = 5
print(guarded.a, guarded.b, table.concat(log, ","))

do
	local closed = {}
	do
		local _ <close> = setmetatable({}, { __close = function() closed[#closed + 1] = "first" end })
		local _ <close> = setmetatable({}, { __close = function() closed[#closed + 1] = "second" end })
	end
	print(table.concat(closed, " then "))
end

-- Weak tables and the collector.
local cache = setmetatable({}, { __mode = "k" })
do
	local key = {}
	cache[key] = true
end
collectgarbage()
collectgarbage()
print(next(cache) == nil)
