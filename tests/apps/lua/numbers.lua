-- Integers and floats, math, string.format, os.time/os.date on fixed
-- dates (TZ is set to UTC by the runner), and io on a temporary file.

print(math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger)
print(7 // 2, -7 // 2, 7 % -3, -7 % 3, 7.0 // 2, 7 / 2, 2 ^ 53, 1 << 62, -1 >> 60)
print(3 | 5, 3 & 5, 3 ~ 5, ~0, 0xff, 0x7fffffffffffffff, 1e308 * 10, -(0 / 0) ~= -(0 / 0))
print(math.type(1), math.type(1.0), math.type("1"), 1 == 1.0, math.tointeger(3.0), math.tointeger(3.5))
print(10 // 3.0, 2 ^ 0.5, 100000000000000, 2 ^ 63, math.floor(-3.5), math.ceil(-3.5))
print(math.abs(-7), math.max(3, 9, -1), math.min(3.5, 2), math.fmod(7, -3), math.fmod(-7, 3))
print(string.format("%.14g %.14g %.14g %.14g", math.sin(1), math.cos(1), math.exp(1), math.log(10)))
print(string.format("%.14g %.14g %.14g", math.log(8, 2), math.sqrt(2), math.atan(1, 2)))
print(math.ult(1, -1), math.huge, -math.huge, math.pi)
print(tonumber("0x10"), tonumber("  12  "), tonumber("1e2"), tonumber("z", 36), tonumber("777", 8), tonumber("1.5e"))
print("10" + 5, "3" * "4", 10 .. 20, 2^31 | 0, pcall(function() return 2^63 | 0 end))
print(string.format("%d %s %s", 3, 1e15, 1e16), 0.1 + 0.2 == 0.3, 0.1 + 0.2)
print(string.format("%.17g", 0.1), 123456789012 * 1000, 5 // 0.0, -5 // 0.0)

-- A deterministic random stream: same seed, same numbers.
math.randomseed(42)
local r1 = { math.random(1, 100), math.random(1, 100), math.random(1000) }
math.randomseed(42)
local r2 = { math.random(1, 100), math.random(1, 100), math.random(1000) }
print(r1[1] == r2[1] and r1[2] == r2[2] and r1[3] == r2[3])

-- Sum of a series in integers and floats.
local isum, fsum = 0, 0.0
for i = 1, 100000 do isum = isum + i * i; fsum = fsum + 1 / i end
print(isum, string.format("%.12f", fsum))
local primes, sieve = {}, {}
for i = 2, 200 do
	if not sieve[i] then
		primes[#primes + 1] = i
		for j = i * i, 200, i do sieve[j] = true end
	end
end
print(#primes, primes[#primes])

-- Fixed times only: no clock reading reaches the output.
print(os.getenv("TZ"))
print(os.date("!%Y-%m-%d %H:%M:%S %A %B %j", 0))
print(os.date("!%Y-%m-%d %H:%M:%S", 1700000000), os.date("!%c", 951782400))
local t = os.time({ year = 2000, month = 2, day = 29, hour = 12, min = 30, sec = 15 })
print(t, os.date("%Y-%m-%dT%H:%M:%S", t))
local d = os.date("*t", t)
print(d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday, d.isdst)
print(os.time({ year = 2024, month = 13, day = 1, hour = 0 }), os.difftime(t + 90, t))
print(os.date("!%x %X %p", 1234567890), type(os.clock()), type(os.time()))

-- io: write a temporary file, read it back several ways.
local name = os.tmpname()
local f = assert(io.open(name, "w"))
f:write("line one\n", 2, " ", 3.5, "\n", "last line without newline")
f:close()
f = assert(io.open(name, "r"))
print(f:read("l"), f:read("n"), f:read("n"), f:read("L"), f:read("a"))
print(f:read("l"), f:seek("set", 5), f:read(3), f:seek("end"))
f:close()
for line in io.lines(name) do io.write("[", line, "]") end
io.write("\n")
f = assert(io.open(name, "a+"))
f:write("\nappended")
f:seek("set")
local all = f:read("a")
f:close()
print(#all, select(2, all:gsub("\n", "")))
print(os.remove(name), io.open(name) == nil)
print(select(2, io.open("/nonexistent/file")))
io.write(string.format("%-8s|%8.3f|\n", "end", 1 / 3))
io.stdout:write("stdout", " ", "direct", "\n")
