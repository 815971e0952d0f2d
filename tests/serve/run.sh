#!/usr/bin/env bash
# nanvix-serve's tests: the gateway and the pools, with the process backend.
#
# The instances are tests/serve/fn_test (an HTTP server on $PORT); the load
# is curl and tests/serve/loadgen.  One line a check, "ok   NAME" or
# "FAIL NAME: why", then "serve: N passed, N failed"; exits 1 if any failed.
#
# Nothing here waits on a guess: requests that must be in flight block in
# fn_test's /wait?path=FILE until the test creates FILE, and the test
# learns the daemon's state from its own counters (SIGUSR1), polled with
# bounds of 30 s or more that only a hung daemon reaches.  Set NO_BUILD=1
# to skip `make`; VALGRIND=0 skips the memcheck runs; KEEP_TMP=1 keeps the
# scratch folder (the daemons' stderr) for a look after a failure.
set -u
cd "$(dirname "$0")/../.." || exit 1

SERVE=${SERVE:-bin/nanvix-serve}
FN=$PWD/bin/tests/serve/fn_test
LOADGEN=bin/tests/serve/loadgen
HTTP_TEST=bin/tests/serve/http_test
pass=0
fail=0
tmp=$(mktemp -d)
dpid=
pids_to_kill=()

cleanup() {
	[ -n "$dpid" ] && kill -KILL "$dpid" 2>/dev/null
	for p in "${pids_to_kill[@]}"; do kill -KILL "$p" 2>/dev/null; done
	if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

if [ -z "${NO_BUILD:-}" ]; then
	make -j2 "$SERVE" "$FN" "$LOADGEN" "$HTTP_TEST" >/dev/null || exit 1
fi
for b in "$SERVE" "$FN" "$LOADGEN" "$HTTP_TEST"; do
	if [ ! -x "$b" ]; then
		echo "FAIL build: $b is not built (make $b)"
		exit 1
	fi
done
if ! command -v curl >/dev/null; then
	echo "serve: SKIPPED: curl missing (apt-get install curl)"
	exit 0
fi

BACKEND=process
# ok, bad, check, start, stop_daemon, stats, ctr, wait_stat, wait_log, http
. tests/serve/lib.sh

# raw TEXT: send TEXT (printf %b escapes) on a new connection, print what comes
# back until the server closes (60 s at most).
raw() {
	(
		exec 9<>"/dev/tcp/${hostport%:*}/${hostport##*:}" || exit 1
		printf '%b' "$1" >&9
		timeout 60 cat <&9
	)
}

# children: pids of the daemon's instance processes.
children() {
	pgrep -P "$dpid" 2>/dev/null | tr '\n' ' '
}

zombies() {
	ps -o stat= --ppid "$dpid" 2>/dev/null | grep -c '^Z'
}

# ---------------------------------------------------------------- the HTTP parser

while IFS= read -r line; do
	case "$line" in
	"ok   "*) ok "http: ${line#ok   }" ;;
	"FAIL "*) bad "http" "${line#FAIL }" ;;
	esac
done < <("$HTTP_TEST" 2>&1 || echo "FAIL http_test exited with status $?")

# ---------------------------------------------------------------- command line

out=$("$SERVE" --help)
st=$?
first=$(printf '%s\n' "$out" | sed -n 3p)
[ "$st" = 0 ] && [ "$first" = "examples:" ] && printf '%s\n' "$out" | grep -q -- '--notify-fd'
check "help leads with examples" $? "status $st, line 3 '$first'"

"$SERVE" >/dev/null 2>"$tmp/e"
st=$?
[ "$st" = 2 ] && grep -q -- '--config FILE is required' "$tmp/e"
check "usage error without --config (exit 2)" $? "status $st: $(cat "$tmp/e")"

cat >"$tmp/ok.json" <<EOF
{"functions": [{"name": "a", "program": "$FN"}]}
EOF
"$SERVE" --config "$tmp/ok.json" --listen nowhere:80 >/dev/null 2>"$tmp/e"
st=$?
[ "$st" = 2 ] && grep -q "listen 'nowhere:80'" "$tmp/e"
check "bad --listen refused (exit 2)" $? "status $st: $(cat "$tmp/e")"

"$SERVE" --config "$tmp/ok.json" --notify-fd 77 >/dev/null 2>"$tmp/e"
st=$?
[ "$st" = 2 ] && grep -q -- '--notify-fd 77: that file descriptor is not open' "$tmp/e"
check "--notify-fd of a closed fd refused (exit 2)" $? "status $st: $(cat "$tmp/e")"

# config_error NAME JSON PATTERN: the daemon refuses the configuration with exit 2.
config_error() {
	printf '%s\n' "$2" >"$tmp/bad.json"
	"$SERVE" --config "$tmp/bad.json" >/dev/null 2>"$tmp/e"
	local st=$?
	[ "$st" = 2 ] && grep -qF -- "$3" "$tmp/e"
	check "config: $1" $? "status $st, wanted '$3' in: $(cat "$tmp/e")"
}
config_error "unknown field names file, function and field" \
	'{"functions": [{"name": "f1", "program": "/bin/true", "memroy": "64M"}]}' \
	"bad.json: function \"f1\" (functions[0]): unknown field \"memroy\""
config_error "bad name" '{"functions": [{"name": "Bad_Name", "program": "/bin/true"}]}' \
	'functions[0]: "name": must be 1 to 63 characters'
config_error "min above max" '{"functions": [{"name": "f", "program": "/bin/true", "min": 5, "max": 2}]}' \
	'function "f" (functions[0]): "min": must be from 0 to 2, not 5'
config_error "bad memory size" '{"functions": [{"name": "f", "program": "/bin/true", "memory": "64Q"}]}' \
	'"memory": must be a size'
config_error "duplicate host" \
	'{"functions": [{"name": "f", "program": "/bin/true", "host": "x.example"}, {"name": "g", "program": "/bin/true", "host": "x.example"}]}' \
	'function "g" (functions[1]): "host": "x.example" is already the host of function "f"'
config_error "JSON syntax error with its line" '{"functions": [
  {"name": "f",, }]}' 'bad.json: line 2'
config_error "reserved environment variable" \
	'{"functions": [{"name": "f", "program": "/bin/true", "env": {"PORT": "1"}}]}' \
	'"env": "PORT" is set by nanvix-serve itself'

cat >"$tmp/broken.json" <<EOF
{"functions": [{"name": "broken", "program": "$FN", "args": ["--fail"], "min": 1}]}
EOF
timeout 60 "$SERVE" --backend process --config "$tmp/broken.json" --listen 127.0.0.1:0 >"$tmp/o" 2>"$tmp/e"
st=$?
[ "$st" = 1 ] && grep -Eq 'function broken: instance 1 did not start: .* before it printed "ready" \(it exited with status 1\)' "$tmp/e" &&
	! grep -q ready "$tmp/o"
check "min instances that cannot start: exit 1, reason logged" $? "status $st: $(cat "$tmp/e")"

# ---------------------------------------------------------------- the main daemon

cat >"$tmp/main.json" <<EOF
{"functions": [
  {"name": "alpha", "program": "$FN", "host": "alpha.example", "max": 2, "idle_timeout": 600,
   "env": {"LABEL": "first"}},
  {"name": "beta", "program": "bin/tests/serve/fn_test", "host": "beta.example", "min": 1, "max": 1,
   "args": ["--chatty"]},
  {"name": "wide", "program": "$FN", "max": 4, "queue": 64, "idle_timeout": 600},
  {"name": "tight", "program": "$FN", "min": 1, "max": 1, "queue": 1},
  {"name": "slowfn", "program": "$FN", "max": 1, "timeout": 1},
  {"name": "idler", "program": "$FN", "idle_timeout": 1},
  {"name": "keeper", "program": "$FN", "min": 1, "idle_timeout": 0.2},
  {"name": "broken", "program": "$FN", "args": ["--fail"]},
  {"name": "sticky", "program": "$FN", "max": 1}
]}
EOF
# The "beta" program is relative: to the config's folder.
mkdir -p "$tmp/bin/tests/serve" && cp "$FN" "$tmp/bin/tests/serve/fn_test"

if ! start main "$tmp/main.json" --client-timeout 3 --max-body 64K --max-response 3M; then
	bad "daemon starts and signals readiness" "see above"
	echo "serve: $pass passed, $fail failed"
	exit 1
fi
ok "daemon starts and signals readiness (READY=1 on --notify-fd, ready line on stdout)"

"$SERVE" --backend process --config "$tmp/ok.json" --listen "$hostport" >/dev/null 2>"$tmp/e"
st=$?
[ "$st" = 1 ] && grep -q "cannot listen on $hostport: Address already in use" "$tmp/e"
check "address in use: exit 1, said" $? "status $st: $(cat "$tmp/e")"

# Routing.
code=$(http "$url/fn/alpha/echo/x?y=1")
[ "$code" = 200 ] && [ "$(cat "$tmp/body")" = "echo GET /echo/x?y=1" ] && grep -qi '^x-fn: alpha' "$tmp/head"
check "route by path: /fn/alpha/echo/x?y=1 reaches alpha as /echo/x?y=1" $? "$code $(cat "$tmp/body")"

code=$(http "$url/fn/beta/echo")
[ "$code" = 200 ] && grep -qi '^x-fn: beta' "$tmp/head"
check "route by path: a second function" $? "$code $(cat "$tmp/head")"

code=$(http -H 'Host: beta.example:8080' "$url/echo/by-host")
[ "$code" = 200 ] && grep -qi '^x-fn: beta' "$tmp/head" && [ "$(cat "$tmp/body")" = "echo GET /echo/by-host" ]
check "route by Host (port ignored)" $? "$code $(cat "$tmp/head" "$tmp/body")"

code=$(http -H 'Host: ALPHA.example' "$url/fn/beta/echo")
[ "$code" = 404 ] && grep -qi '^x-fn: alpha' "$tmp/head" && [ "$(cat "$tmp/body")" = "no /fn/beta/echo here" ]
check "Host wins over the path prefix, any case" $? "$code $(cat "$tmp/head")"

code=$(http "$url/fn/nosuch/echo")
[ "$code" = 404 ] && grep -q '"error":"not_found"' "$tmp/body"
check "unknown function: 404 with a JSON body" $? "$code $(cat "$tmp/body")"

code=$(http "$url/fn/alpha/env?name=LABEL")
[ "$code" = 200 ] && [ "$(cat "$tmp/body")" = first ]
check "the function's env reaches the instance" $? "$code $(cat "$tmp/body")"

code=$(http "$url/fn/alpha/headers")
[ "$code" = 200 ] && grep -q '^X-Forwarded-For: 127.0.0.1' "$tmp/body" && grep -q '^GET /headers HTTP/1.1' "$tmp/body"
check "forwarded head: target rewritten, X-Forwarded-For added" $? "$(cat "$tmp/body")"

# Response framings relayed.
code=$(http "$url/fn/alpha/chunked?n=12345")
[ "$code" = 200 ] && [ "$(wc -c <"$tmp/body")" = 12345 ] && grep -qi '^content-length: 12345' "$tmp/head" &&
	! grep -qi 'transfer-encoding' "$tmp/head"
check "chunked response decoded and relayed with Content-Length" $? "$code $(wc -c <"$tmp/body") $(cat "$tmp/head")"
code=$(http "$url/fn/alpha/close")
[ "$code" = 200 ] && [ "$(cat "$tmp/body")" = "until the end" ]
check "connection-delimited (HTTP/1.0) response relayed" $? "$code $(cat "$tmp/body")"
code=$(http "$url/fn/alpha/big?n=3000000")
[ "$code" = 200 ] && [ "$(tr -d x <"$tmp/body" | wc -c)" = 0 ] && [ "$(wc -c <"$tmp/body")" = 3000000 ]
check "3 MB response intact" $? "$code $(wc -c <"$tmp/body")"
head -c 50000 /dev/urandom >"$tmp/upload"
code=$(http --data-binary @"$tmp/upload" "$url/fn/alpha/echo")
[ "$code" = 200 ] && cmp -s "$tmp/upload" "$tmp/body"
check "50 KB request body forwarded intact" $? "$code"
r=$(raw 'HEAD /fn/alpha/big?n=777 HTTP/1.1\r\nHost: x\r\n\r\nGET /fn/alpha/echo/after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
[[ $r == "HTTP/1.1 200 OK"*"Content-Length: 777"$'\r\n\r\n'"HTTP/1.1 200 OK"*"echo GET /echo/after" ]]
check "HEAD: the length said, no body, the connection still in step" $? "$r"

# Malformed input.
r=$(raw 'GARBAGE\r\n\r\n')
[[ $r == "HTTP/1.1 400 Bad Request"* ]] && [[ $r == *"Connection: close"* ]]
check "malformed request: 400, connection closed" $? "$(printf '%s' "$r" | head -3)"
r=$(raw 'GET /fn/alpha/echo HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n')
[[ $r == "HTTP/1.1 400 "* ]]
check "header line without a colon: 400" $? "$(printf '%s' "$r" | head -1)"
r=$(raw 'GET /fn/alpha/echo HTTP/1.1\r\n\r\n')
[[ $r == "HTTP/1.1 400 "* ]]
check "HTTP/1.1 without Host: 400" $? "$(printf '%s' "$r" | head -1)"
r=$(raw 'GET /fn/alpha/echo HTTP/2.0\r\nHost: x\r\n\r\n')
[[ $r == "HTTP/1.1 505 "* ]]
check "HTTP/2.0 request line: 505" $? "$(printf '%s' "$r" | head -1)"
r=$(raw 'POST /fn/alpha/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc')
[[ $r == "HTTP/1.1 400 "* ]]
check "Content-Length with Transfer-Encoding: 400" $? "$(printf '%s' "$r" | head -1)"
code=$(http -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)" "$url/fn/alpha/echo")
[ "$code" = 431 ] && grep -q header_too_large "$tmp/body"
check "oversized header: 431" $? "$code $(cat "$tmp/body")"
head -c 70000 /dev/zero >"$tmp/big-upload"
code=$(http --data-binary @"$tmp/big-upload" "$url/fn/alpha/echo")
[ "$code" = 413 ]
check "body over --max-body: 413" $? "$code $(cat "$tmp/body")"
code=$(http -H 'Transfer-Encoding: chunked' --data-binary hello "$url/fn/alpha/echo")
[ "$code" = 411 ]
check "chunked request body: 411" $? "$code"
r=$(raw 'GET /fn/alpha/echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello')
[[ $r == *"HTTP/1.1 200 OK"* ]] && [[ $r == *hello ]]
check "Expect: 100-continue" $? "$(printf '%s' "$r" | head -3)"

# Keep-alive, Connection: close, pipelining done one at a time.
before=$(ctr gateway connections)
curl -sv -m 60 "$url/fn/alpha/echo/1" "$url/fn/alpha/echo/2" "$url/fn/beta/echo/3" >"$tmp/body" 2>"$tmp/v"
reuse=$(grep -c 'Re-using existing connection' "$tmp/v")
after=$(ctr gateway connections)
[ "$reuse" = 2 ] && [ $((after - before)) = 1 ] && [ "$(grep -c '^echo GET' "$tmp/body")" = 3 ]
check "keep-alive: 3 requests on 1 connection" $? "reused $reuse, connections +$((after - before))"
curl -sv -m 60 -H 'Connection: close' "$url/fn/alpha/echo" -o /dev/null 2>"$tmp/v"
grep -qi '< connection: close' "$tmp/v" && grep -q 'Closing connection' "$tmp/v"
check "Connection: close honoured" $? "$(grep -i connection "$tmp/v")"
r=$(raw 'GET /fn/alpha/echo/p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /fn/alpha/echo/p2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
[[ $r == *"echo GET /echo/p1"*"echo GET /echo/p2" ]]
check "pipelined requests answered in order" $? "$r"

# Scale from zero, scale to max.
[ "$(ctr wide instances)" = 0 ]
s0=$?
code=$(http "$url/fn/wide/pid")
[ "$s0" = 0 ] && [ "$code" = 200 ] && [ "$(ctr wide instances)" = 1 ] && [ "$(ctr wide started)" = 1 ]
check "scale from zero: the first request starts an instance" $? "s0=$s0 $code $(stats wide)"

rm -f "$tmp/go-wide"
$LOADGEN -a "$hostport" -p "/fn/wide/wait?path=$tmp/go-wide" -n 10 -c 10 >"$tmp/lg" &
lg=$!
pids_to_kill+=("$lg")
wait_stat wide busy 4 && wait_stat wide queued 6
held=$?
top=$(ctr wide instances)
touch "$tmp/go-wide"
wait "$lg"
lst=$?
[ "$held" = 0 ] && [ "$top" = 4 ] && [ "$lst" = 0 ] && grep -q ' 2xx=10 .* pids=4 ' "$tmp/lg"
check "scale to max under load: 10 concurrent requests, 4 instances (max), 6 queued" $? "held=$held top=$top $(cat "$tmp/lg")"

# Queue bound: 503.
rm -f "$tmp/go-tight"
$LOADGEN -a "$hostport" -p "/fn/tight/wait?path=$tmp/go-tight" -n 2 -c 2 >"$tmp/lg" &
lg=$!
pids_to_kill+=("$lg")
wait_stat tight busy 1 && wait_stat tight queued 1
held=$?
code=$(http "$url/fn/tight/echo")
touch "$tmp/go-tight"
wait "$lg"
[ "$held" = 0 ] && [ "$code" = 503 ] && grep -qi '^retry-after: 1' "$tmp/head" && grep -q queue_full "$tmp/body" &&
	grep -q ' 2xx=2 ' "$tmp/lg" && [ "$(ctr tight 503)" = 1 ]
check "queue full: 503 with Retry-After, counted; the queued request still served" $? "held=$held $code $(cat "$tmp/body" "$tmp/lg")"

# Timeout: 504, the instance replaced.
code=$(http "$url/fn/slowfn/pid")
old=$(cat "$tmp/body")
code=$(http "$url/fn/slowfn/slow?ms=30000")
wait_stat slowfn destroyed 1
code2=$(http "$url/fn/slowfn/pid")
new=$(cat "$tmp/body")
[ "$code" = 504 ] && [ "$code2" = 200 ] && [ -n "$old" ] && [ "$old" != "$new" ] && ! kill -0 "$old" 2>/dev/null &&
	[ "$(ctr slowfn 504)" = 1 ] && wait_log 'function slowfn: instance [0-9]+ destroyed: a request timed out after 1.0 s'
check "slow function: 504, its instance killed and replaced" $? "$code $code2 old=$old new=$new $(stats slowfn)"

# Crash: 502, replaced, logged, counted.
http "$url/fn/alpha/pid" >/dev/null
code=$(http "$url/fn/alpha/crash")
[ "$code" = 502 ] && grep -q instance_failed "$tmp/body"
c502=$?
wait_stat alpha crashes 1
code2=$(http "$url/fn/alpha/echo")
wait_log 'function alpha: instance [0-9]+ crashed: .*\(exited with status 3\)'
logged=$?
[ "$c502" = 0 ] && [ "$logged" = 0 ] && [ "$code2" = 200 ] && [ "$(zombies)" = 0 ]
check "crashing instance: 502, log line, counted, replaced, no zombie" $? "code=$code logged=$logged code2=$code2 zombies=$(zombies)"

# A kept connection that went stale: retried once on a new one, not a crash.
code=$(http "$url/fn/sticky/drop-next")
code2=$(http "$url/fn/sticky/pid")
[ "$code" = 200 ] && [ "$code2" = 200 ] && [ "$(ctr sticky crashes)" = 0 ] && [ "$(ctr sticky started)" = 1 ]
check "stale kept connection to an instance: retried on a new one" $? "$code $code2 $(stats sticky)"

# Bad responses from an instance: 502, the instance replaced (not counted as a crash).
code=$(http "$url/fn/sticky/garbage")
[ "$code" = 502 ] && grep -q 'malformed response' "$tmp/body" && wait_stat sticky destroyed 1 &&
	[ "$(ctr sticky crashes)" = 0 ]
check "malformed response: 502, instance replaced" $? "$code $(cat "$tmp/body") $(stats sticky)"
code=$(http "$url/fn/sticky/big?n=3500000")
[ "$code" = 502 ] && grep -q 'larger than --max-response' "$tmp/body" && wait_stat sticky destroyed 2
check "response over --max-response: 502" $? "$code $(cat "$tmp/body")"

# A client that gives up: its request finishes, the instance is reused.
rm -f "$tmp/go-alpha"
started=$(ctr alpha started)
curl -s -m 1 "$url/fn/alpha/wait?path=$tmp/go-alpha" >/dev/null
wait_stat alpha aborted 1
ab=$?
touch "$tmp/go-alpha"
wait_stat alpha busy 0
code=$(http "$url/fn/alpha/echo")
[ "$ab" = 0 ] && [ "$code" = 200 ] && [ "$(ctr alpha crashes)" = 1 ] && [ "$(ctr alpha started)" = "$started" ]
check "client gone mid-request: counted, the instance finishes and is reused" $? "ab=$ab $code $(stats alpha)"

# A function that cannot start: 502 at once, and a back-off.
code=$(http "$url/fn/broken/echo")
[ "$code" = 502 ] && grep -q no_instance "$tmp/body" && [ "$(ctr broken spawn_failures)" = 1 ]
check "function that cannot start: 502, spawn failure counted" $? "$code $(cat "$tmp/body") $(stats broken)"

# A slow client does not hold others up, and times out (408).
(
	exec 9<>"/dev/tcp/${hostport%:*}/${hostport##*:}" || exit 1
	printf 'GET /fn/alpha/echo HTTP/1.1\r\nHost: x\r\n' >&9
	timeout 60 head -1 <&9 | tr -d '\r'
) >"$tmp/slow" &
sp=$!
pids_to_kill+=("$sp")
code=$(http "$url/fn/alpha/echo")
wait "$sp"
[ "$code" = 200 ] && [ "$(cat "$tmp/slow")" = "HTTP/1.1 408 Request Timeout" ]
check "slow client: others served meanwhile, it gets 408 after --client-timeout" $? "$code '$(cat "$tmp/slow")'"

# Idle timeout: scale to zero; min stays.
code=$(http "$url/fn/idler/echo")
wait_stat idler instances 0
z=$?
[ "$code" = 200 ] && [ "$z" = 0 ] && [ "$(ctr idler destroyed)" = 1 ]
check "idle timeout: back to zero instances" $? "$code $(stats idler)"
for _ in 1 2 3; do http "$url/fn/keeper/echo" >/dev/null; done
sleep 1
[ "$(ctr keeper instances)" = 1 ] && [ "$(ctr keeper destroyed)" = 0 ]
check "idle timeout: min instances stay" $? "$(stats keeper)"

# The instances' output reaches stderr, a line at a time, with the function and instance.
wait_log '^nanvix-serve: beta/[0-9]+: request GET /echo$' &&
	wait_log '^nanvix-serve: beta/[0-9]+: starting on port [0-9]+$'
check "instance output relayed to stderr (function/instance: line)" $? "$(grep beta/ "$errf" | head -3)"

# Counters by status class.
s=$(stats alpha)
[[ $s == *" 2xx="* ]] && [ "$(ctr alpha 5xx)" -ge 1 ] && [ "$(ctr alpha invocations)" -ge 20 ]
check "per-function counters printed on SIGUSR1" $? "$s"

# SIGTERM: stop accepting, finish the request in flight, destroy everything, exit 0.
kids=$(children)
rm -f "$tmp/go-drain"
curl -s -m 60 -o "$tmp/drain" -w '%{http_code}' "$url/fn/alpha/wait?path=$tmp/go-drain" >"$tmp/drain.code" &
cp=$!
wait_stat alpha busy 1
kill -TERM "$dpid"
for _ in $(seq 100); do grep -q 'stopping: finishing' "$errf" && break; sleep 0.1; done
curl -s -m 10 "$url/fn/alpha/echo" >/dev/null 2>&1
refused=$?
alive=0
kill -0 "$dpid" 2>/dev/null || alive=1
touch "$tmp/go-drain"
wait "$cp"
wait "$dpid"
dst=$?
dpid_was=$dpid
dpid=
left=0
for k in $kids; do kill -0 "$k" 2>/dev/null && left=$((left + 1)); done
[ "$refused" = 7 ] && [ "$alive" = 0 ] && [ "$(cat "$tmp/drain.code")" = 200 ] && [ "$dst" = 0 ] && [ "$left" = 0 ] &&
	grep -q 'stats alpha: invocations=' "$errf"
check "SIGTERM: refuses new connections, finishes the request in flight, exit 0, no instance left" $? \
	"refused=$refused alive-after-term=$alive drain=$(cat "$tmp/drain.code") exit=$dst left=$left (pid $dpid_was)"

# ---------------------------------------------------------------- recycle

cat >"$tmp/fresh.json" <<EOF
{"functions": [{"name": "fresh", "program": "$FN", "min": 1, "max": 1}]}
EOF
if start fresh "$tmp/fresh.json" --backend process-fresh; then
	p1=$(curl -s -m 60 "$url/fn/fresh/pid")
	p2=$(curl -s -m 60 "$url/fn/fresh/pid")
	p3=$(curl -s -m 60 "$url/fn/fresh/pid")
	wait_stat fresh recycles 3
	rc=$?
	kids=$(children)
	[ "$rc" = 0 ] && [ -n "$p1" ] && [ "$p1" != "$p2" ] && [ "$p2" != "$p3" ] && [ "$p1" != "$p3" ] &&
		[ "$(ctr fresh started)" = 1 ] && ! kill -0 "$p1" 2>/dev/null
	check "recycle (process-fresh): a new process after each request, the old one gone" $? \
		"pids $p1 $p2 $p3, $(stats fresh)"
	stop_daemon
	left=0
	for k in $kids; do kill -0 "$k" 2>/dev/null && left=$((left + 1)); done
	[ "$dst" = 0 ] && [ "$left" = 0 ]
	check "recycle: exit 0, no process left" $? "exit $dst, left $left"
else
	bad "recycle (process-fresh)" "the daemon did not start"
fi

# ---------------------------------------------------------------- leaks

cat >"$tmp/flat.json" <<EOF
{"functions": [{"name": "flat", "program": "$FN", "min": 2, "max": 2, "queue": 64}]}
EOF
if start flat "$tmp/flat.json"; then
	fds() { ls /proc/"$dpid"/fd | wc -l; }
	rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/"$dpid"/status; }
	$LOADGEN -a "$hostport" -p /fn/flat/echo -n 200 -c 4 >/dev/null
	$LOADGEN -a "$hostport" -p /fn/flat/echo -n 200 -c 4 -k >/dev/null
	wait_stat gateway open 0
	fd0=$(fds)
	rss0=$(rss)
	$LOADGEN -a "$hostport" -p /fn/flat/echo -n 500 -c 4 >"$tmp/lg1"
	$LOADGEN -a "$hostport" -p /fn/flat/echo -n 500 -c 4 -k >"$tmp/lg2"
	wait_stat gateway open 0
	fd1=$(fds)
	rss1=$(rss)
	echo "     1000 invocations: fds $fd0 -> $fd1, RSS $rss0 -> $rss1 kB;" \
		"$(cut -d' ' -f1,2,8,9 "$tmp/lg1") / $(cut -d' ' -f1,2,8,9 "$tmp/lg2") (keep-alive)"
	[ "$fd0" = "$fd1" ] && [ $((rss1 - rss0)) -lt 1024 ] && grep -q '2xx=500 ' "$tmp/lg1" && grep -q '2xx=500 ' "$tmp/lg2"
	check "1000 invocations: no fd or RSS growth" $? "fds $fd0 -> $fd1, RSS $rss0 -> $rss1 kB"
	stop_daemon
	check "flat daemon exits 0" "$dst" "status $dst"
else
	bad "1000 invocations: no fd or RSS growth" "the daemon did not start"
fi

# ---------------------------------------------------------------- valgrind

if [ "${VALGRIND:-1}" = 0 ]; then
	echo "skip valgrind (VALGRIND=0)"
elif ! command -v valgrind >/dev/null; then
	echo "skip valgrind: not installed (apt-get install valgrind)"
else
	cat >"$tmp/vg.json" <<EOF
{"functions": [
  {"name": "v", "program": "$FN", "max": 2, "timeout": 3, "start_timeout": 60, "host": "v.example"},
  {"name": "w", "program": "$FN", "min": 1, "idle_timeout": 0.5, "start_timeout": 60}
]}
EOF
	if PREFIX="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --track-fds=no" \
		start vg "$tmp/vg.json" --client-timeout 10; then
		c1=$(http "$url/fn/v/echo")
		c2=$(http -H 'Host: v.example' "$url/chunked?n=5000")
		c3=$(http "$url/fn/nope")
		r=$(raw 'BAD\r\n\r\n')
		c4=$(http "$url/fn/v/crash")
		c5=$(http "$url/fn/v/slow?ms=20000")
		c6=$(http "$url/fn/w/echo")
		c7=$(http -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)" "$url/fn/v/echo")
		curl -s -m 60 "$url/fn/v/echo/1" "$url/fn/v/echo/2" >/dev/null
		stats v >/dev/null
		stop_daemon
		codes="$c1 $c2 $c3 ${r:9:3} $c4 $c5 $c6 $c7"
		[ "$dst" = 0 ] && [ "$codes" = "200 200 404 400 502 504 200 431" ] && ! grep -q 'ERROR SUMMARY: [1-9]' "$errf"
		check "valgrind memcheck: a short sequence, no error or leak, exit 0" $? \
			"exit $dst, codes $codes; $(grep -E '==[0-9]+==' "$errf" | head -20)"
	else
		bad "valgrind memcheck" "the daemon did not start under valgrind"
	fi
	if PREFIX="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect" \
		start vg2 "$tmp/vg.json" --backend process-fresh; then
		c1=$(http "$url/fn/v/echo")
		c2=$(http "$url/fn/v/crash")
		c3=$(http "$url/fn/w/pid")
		c4=$(http "$url/fn/w/pid")
		wait_stat w recycles 2
		stop_daemon
		codes="$c1 $c2 $c3 $c4"
		[ "$dst" = 0 ] && [ "$codes" = "200 502 200 200" ] && ! grep -q 'ERROR SUMMARY: [1-9]' "$errf"
		check "valgrind memcheck: recycling backend, no error or leak, exit 0" $? \
			"exit $dst, codes $codes; $(grep -E '==[0-9]+==' "$errf" | head -20)"
	else
		bad "valgrind memcheck (process-fresh)" "the daemon did not start under valgrind"
	fi
fi

echo "serve: $pass passed, $fail failed"
[ "$fail" = 0 ]
