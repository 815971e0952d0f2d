-- Strings: find, match, gsub and gmatch patterns, string.format, rep,
-- byte/char, and utf8.

local s = "The quick brown fox jumps over the lazy dog"
print(#s, s:upper(), s:lower():sub(5, 9))
print(s:find("fox"), s:find("o", 15, true), s:find("%s(%a+)%s", 20))
print(s:match("(%a+) (%a+)$"))

local words = {}
for w in s:gmatch("%a+") do words[#words + 1] = w end
print(#words, table.concat(words, ","))

print((s:gsub("(%a)(%a*)", function(a, b) return b .. a .. "ay" end)))
print(s:gsub("o", "0", 2))
print(("hello world"):gsub("(%w+)", "<%1>"))
print(("$name is $age"):gsub("%$(%w+)", { name = "Ada", age = 36 }))
print(("  trim me  "):match("^%s*(.-)%s*$") .. "|")
print(("key=value; other = thing"):match("(%w+)%s*=%s*(%w+)"))
print(("2024-02-29"):match("^(%d%d%d%d)-(%d%d)-(%d%d)$"))
print(("[[nested]] (parens)"):match("%b()"), ("f(a(b)c)d"):match("%b()"))
print(("THE (quick) fox"):find("%f[%a]%a+%f[%A]"))
print(string.rep("ab", 3, "-"), ("x"):rep(0) == "")
print(string.byte("ABC", 1, -1), string.char(72, 105))
print(("%q"):format('a "quoted"\n\0 string'))

print(string.format("%5d|%-5d|%05d|%x|%X|%o", 42, 42, 42, 255, 255, 8))
print(string.format("%.3f|%10.2f|%-10.2e|%g|%g|%g", math.pi, -2.5, 12345.678, 1e20, 0.1, 100))
print(string.format("%s|%10s|%-10s|%.2s", "str", "right", "left", "truncate"))
print(string.format("%a", 1.0), string.format("%i %c%c", -7, 76, 117))
print(tostring(nil), tostring(true), tostring(12), tostring(12.0), tostring(-0.0))

print(utf8.char(72, 228, 8364, 128512), utf8.len("häl€"))
for p, c in utf8.codes("aé€") do io.write(p, ":", c, " ") end
print()
print(utf8.codepoint("héllo", 1, -1))

-- Split and join round trip.
local function split(str, sep)
	local out = {}
	for field in (str .. sep):gmatch("(.-)" .. sep:gsub("%p", "%%%0")) do
		out[#out + 1] = field
	end
	return out
end
local parts = split("a.b..c.", ".")
print(#parts, table.concat(parts, "|"))
print(("%d items"):format(#parts), #("\u{10FFFF}"))
