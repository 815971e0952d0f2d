# Helpers of the nanvix-serve tests (run.sh, vm.sh), sourced from the
# repository's root.  The caller sets SERVE, BACKEND, tmp, pass and fail.

ok() {
	echo "ok   $1"
	pass=$((pass + 1))
}
bad() {
	echo "FAIL $1: $2"
	fail=$((fail + 1))
}
# check NAME CONDITION-STATUS DETAIL: ok when the status (of the last test) is 0.
check() {
	if [ "$2" = 0 ]; then ok "$1"; else bad "$1" "$3"; fi
}

# start NAME CONFIG [ARGS...]: start the daemon, its pid in $dpid, its base URL
# in $url, its stderr in $errf.  Readiness: READY=1 on --notify-fd, then the
# ready line on stdout.  Returns 1 (with the daemon's stderr shown) if it
# exits or says nothing for 120 s.  PREFIX (e.g. valgrind) runs in front.
start() {
	local name=$1 cfg=$2 line=
	shift 2
	errf=$tmp/$name.err
	outf=$tmp/$name.out
	rm -f "$tmp/notify"
	mkfifo "$tmp/notify"
	exec 7<>"$tmp/notify"
	${PREFIX:-} "$SERVE" --config "$cfg" --listen 127.0.0.1:0 --notify-fd 8 --backend "$BACKEND" "$@" \
		8>&7 >"$outf" 2>"$errf" </dev/null &
	dpid=$!
	for _ in $(seq 120); do
		if read -r -t 1 -u 7 line; then break; fi
		kill -0 "$dpid" 2>/dev/null || break
	done
	exec 7>&-
	url=$(sed -n 's/^nanvix-serve: ready \(http:.*\)$/\1/p' "$outf")
	if [ "$line" != "READY=1" ] || [ -z "$url" ]; then
		echo "  (daemon $name did not become ready: notify '$line', stdout '$(cat "$outf")')"
		sed 's/^/  | /' "$errf" | tail -20
		return 1
	fi
	hostport=${url#http://}
	return 0
}

# stop_daemon: SIGTERM and wait; its exit status in $dst.
stop_daemon() {
	kill -TERM "$dpid" 2>/dev/null
	wait "$dpid"
	dst=$?
	dpid=
}

# stats FN: the daemon's counter line for FN, fresh (it prints them on SIGUSR1).
stats() {
	local before after
	before=$(grep -c "stats gateway:" "$errf")
	kill -USR1 "$dpid" 2>/dev/null || return 1
	for _ in $(seq 600); do
		after=$(grep -c "stats gateway:" "$errf")
		[ "$after" -gt "$before" ] && break
		sleep 0.05
	done
	grep "stats $1:" "$errf" | tail -1
}
# ctr FN KEY: one counter.
ctr() {
	stats "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
# wait_stat FN KEY VALUE [SECS]: until the counter has the value (default 60 s).
wait_stat() {
	local v=
	for _ in $(seq $((${4:-60} * 5))); do
		v=$(ctr "$1" "$2")
		[ "$v" = "$3" ] && return 0
		sleep 0.2
	done
	echo "  ($1 $2=$v, waited for $3)"
	return 1
}

# wait_log PATTERN [SECS]: until the daemon's stderr has a line matching PATTERN (ERE).
wait_log() {
	for _ in $(seq $((${2:-60} * 10))); do
		grep -Eq -- "$1" "$errf" && return 0
		sleep 0.1
	done
	return 1
}

# http [CURL ARGS...] URL: the status code; the body in $tmp/body, the head in $tmp/head.
http() {
	curl -s -m 60 -D "$tmp/head" -o "$tmp/body" -w '%{http_code}' "$@"
}

