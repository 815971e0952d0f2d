#!/usr/bin/env bash
# test_echo_http.sh: echo_http's protocol against raw requests (keep-alive, pipelining, bodies, malformed input), and httpfirst.
#
# usage: tests/bench/peers/test_echo_http.sh [ECHO_HTTP]   (default bin/bench/peers/echo_http.elf)
# Prints one line a case and "N passed, M failed"; exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 1
ECHO=${1:-bin/bench/peers/echo_http.elf}
FIRST=bin/bench/peers/httpfirst
for f in "$ECHO" "$FIRST"; do
	[ -x "$f" ] || make --no-print-directory -s "$f" || exit 1
done

port=18300
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
	port=$((port + 1))
done
tmp=$(mktemp -d)
"$ECHO" "$port" >"$tmp/out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT

passed=0 failed=0
check() { # NAME STATUS: the case passed if STATUS (of its test) is 0
	if [ "$2" = 0 ]; then
		passed=$((passed + 1))
		echo "ok   $1"
	else
		failed=$((failed + 1))
		echo "FAIL $1"
	fi
}

# send DATA: the server's whole answer to DATA sent on one connection, which
# is half-closed after it (the server closes at the end or after 2 s).
send() {
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf '%b' "$1" >&3
	timeout 3 cat <&3 2>/dev/null | tr -d '\r'
	exec 3>&-
}

"$FIRST" 127.0.0.1 "$port" 5000
check "httpfirst sees the server answer" $?
[ "$(cat "$tmp/out")" = ready ]
check "prints ready once listening" $?

r=$(send 'GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
[[ "$r" == "HTTP/1.1 200 OK"*"Content-Length: 16"*$'\n\n'"GET /a HTTP/1.1" ]]
check "GET: 200 with the request line as the body" $?

r=$(send 'POST /p HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello')
[[ "$r" == *"Content-Length: 22"*$'\n\n'"POST /p HTTP/1.1"$'\n'"hello" ]]
check "POST: the body echoed after the request line" $?

r=$(send 'GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyzGET /3 HTTP/1.0\r\n\r\n')
[ "$(grep -o 'HTTP/1.1 200 OK' <<<"$r" | wc -l)" = 3 ] &&
	[ "$(grep -c '^Connection: keep-alive' <<<"$r")" = 2 ] &&
	[ "$(grep -c '^Connection: close' <<<"$r")" = 1 ] &&
	[[ "$r" == *"GET /1 HTTP/1.1"*"POST /2 HTTP/1.1"$'\n'"xyz"*"GET /3 HTTP/1.0" ]]
check "keep-alive and pipelining: three answers in order, HTTP/1.0 closes" $?

r=$(send 'POST /big HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab')
[[ "$r" == "HTTP/1.1 100 Continue"*"HTTP/1.1 200 OK"*"ab" ]]
check "Expect: 100-continue gets 100 first" $?

for bad in 'garbage\r\n\r\n' 'GET / HTTP/2.0\r\n\r\n' 'GET  / HTTP/1.1\r\n\r\n' \
	'GET / HTTP/1.1\r\nBad Header: x\r\n\r\n' 'GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n' \
	'GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n' 'GET / HTTP/1.1\r\nX: a\rb\r\n\r\n'; do
	r=$(send "$bad")
	[[ "$r" == "HTTP/1.1 400 Bad Request"* ]]
	check "400 for '${bad//\\r\\n/ }'" $?
done
r=$(send 'GET / HTTP/1.1\r\nContent-Length: 99999999999999\r\n\r\n')
[[ "$r" == "HTTP/1.1 413 "* ]]
check "413 for a huge Content-Length" $?
r=$(send 'GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n')
[[ "$r" == "HTTP/1.1 501 "* ]]
check "501 for Transfer-Encoding" $?
r=$(send "GET / HTTP/1.1\r\nX: $(head -c 9000 /dev/zero | tr '\0' a)\r\n\r\n")
[[ "$r" == "HTTP/1.1 431 "* ]]
check "431 for a head over 8 KiB" $?
head -c 20000 /dev/urandom >"$tmp/junk"
r=$(send "$(od -An -v -tx1 "$tmp/junk" | tr -d ' \n' | sed 's/../\\x&/g')" 2>/dev/null)
[[ "$r" == "HTTP/1.1 400 "* ]] && kill -0 $server 2>/dev/null
check "random bytes: 400, no crash" $?

r=$(send 'GET /after HTTP/1.1\r\nConnection: close\r\n\r\n')
[[ "$r" == "HTTP/1.1 200 OK"* ]]
check "still serving after all of that" $?

kill -TERM $server
wait $server
check "SIGTERM ends it with status 0" $?

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
