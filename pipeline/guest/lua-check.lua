-- What bench-compile's guest runs with the lua it built (pipeline/guest/
-- bench-compile): tables, strings, closures, coroutines, integer and float
-- arithmetic, the garbage collector; the host's build prints the same.
local t = {}
for i = 1, 20000 do t[i] = (i * 7919) % 10007 end
table.sort(t)
local h = 0
for i = 1, #t do h = (h * 31 + t[i]) % 1000000007 end
local words = {}
for w in ("the quick brown fox jumps over the lazy dog"):gmatch("%a+") do
	words[#words + 1] = w:upper():reverse()
end
local co = coroutine.wrap(function()
	for i = 1, 10 do coroutine.yield(i * i) end
end)
local sq = 0
for _ = 1, 10 do sq = sq + co() end
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
collectgarbage()
print(_VERSION, h, table.concat(words, ","), sq, fib(20),
	string.format("%.6f %d %s", math.pi * 1e3, 1 << 40, utf8.char(0x48, 0x49)))
