#!/usr/bin/env bash
# tunnel.sh: the profile of transfers through an HTTP proxy's CONNECT tunnel, against the
# same transfers made directly. Not a workload of compare.sh: it prints its figures and
# leaves the CPU profiles, strace counts and logs in out/tunnel/ (findings: RESULTS.md,
# "CONNECT tunnels").
#
#   bench/tunnel.sh [-n N] [-delay D] [-body BYTES]
#
# On loopback it starts the workload server (its TLS listener is the origin), a minimal
# CONNECT proxy (cmd/tunnelproxy) and, for the round trips, relays that hold every piece
# of data D (25ms) in each direction. Then xferclient's workload P runs N (1000) GETs of
# /small, one at a time, in four modes: direct-fresh and tunnel-fresh (a new connection,
# and tunnel, for every request: FreshConnect + ForbidReuse), direct-reuse and
# tunnel-reuse (keep-alive). Each mode is run
#   1. with XFER_CPUPROFILE: client CPU µs and Go allocations per request;
#   2. under strace -c -f, when strace is installed: system calls per request;
#   3. through the relays, 20 requests: wall time per request in round trips (2D each);
# and the reuse modes once more with -body BYTES (65536) bodies, 20×N requests, profiled, to see whether
# the body is copied more often through the tunnel (memmove, the profile's diff).
set -euo pipefail
cd "$(dirname "$0")"
N=1000 DELAY=25ms BODY=65536
while [[ $# -gt 0 ]]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	-delay) DELAY=$2; shift 2 ;;
	-body) BODY=$2; shift 2 ;;
	*) echo "usage: tunnel.sh [-n N] [-delay D] [-body BYTES]" >&2; exit 2 ;;
	esac
done
OUT=out/tunnel
mkdir -p bin "$OUT"
rm -f "$OUT"/*.results
go build -o bin/ ./cmd/server ./cmd/xferclient ./cmd/tunnelproxy

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# ready FILE: waits for the READY line a program writes to FILE and prints it.
ready() {
	for _ in $(seq 100); do
		if grep -q READY "$1" 2>/dev/null; then
			grep READY "$1"
			return
		fi
		sleep 0.1
	done
	echo "tunnel.sh: no READY in $1" >&2
	exit 1
}

# The server ends when its standard input does: a FIFO held open by this shell.
rm -f "$OUT/server.stdin" && mkfifo "$OUT/server.stdin"
bin/server -addrs 1 -h2port -1 -cert "$OUT/cert.pem" <"$OUT/server.stdin" >"$OUT/server.out" 2>"$OUT/server.log" &
pids+=($!)
exec 3>"$OUT/server.stdin"
origin=127.0.0.1:$(ready "$OUT/server.out" | sed 's/.*tlsport=\([0-9]*\).*/\1/')
bin/tunnelproxy >"$OUT/proxy.out" 2>"$OUT/proxy.log" &
pids+=($!)
proxy=$(ready "$OUT/proxy.out" | sed 's/READY addr=//')
bin/tunnelproxy -relay "$origin" -delay "$DELAY" >"$OUT/relay-origin.out" 2>&1 &
pids+=($!)
slowOrigin=$(ready "$OUT/relay-origin.out" | sed 's/READY addr=//')
bin/tunnelproxy -relay "$proxy" -delay "$DELAY" >"$OUT/relay-proxy.out" 2>&1 &
pids+=($!)
slowProxy=$(ready "$OUT/relay-proxy.out" | sed 's/READY addr=//')
echo "origin $origin, proxy $proxy; relays with $DELAY each way: to the origin $slowOrigin, to the proxy $slowProxy"

# client MODE ORIGIN PROXY N [args...]: runs workload P, prints its RESULT's JSON.
client() {
	local mode=$1 o=$2 p=$3 n=$4
	shift 4
	bin/xferclient -w P -mode "$mode" -n "$n" -conc 1 -tlsaddrs "$o" -proxy "$p" -ca "$OUT/cert.pem" "$@" |
		sed -n 's/^RESULT //p'
}
# field JSON NAME: one figure of a RESULT.
field() { python3 -c 'import json,sys; print("%.4g" % json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

delayS=$(python3 -c 'import sys; s=sys.argv[1]; print(float(s[:-2])/1e3 if s.endswith("ms") else float(s.rstrip("s")))' "$DELAY")
# The CPU runs, three rounds alternating the modes; the table shows medians, the profiles
# are the last round's.
for round in 1 2 3; do
	for mode in direct-fresh tunnel-fresh direct-reuse tunnel-reuse; do
		pn=$((5 * N))
		[[ $mode == *-reuse ]] && pn=$((20 * N))
		XFER_CPUPROFILE="$OUT/$mode.prof" client "$mode" "$origin" "$proxy" "$pn" >>"$OUT/$mode.results"
	done
done
# median MODE NAME: the median of a figure over the rounds.
median() {
	python3 -c 'import json,sys,statistics; print("%.4g" % statistics.median(json.loads(l)[sys.argv[2]] for l in open(sys.argv[1])))' "$OUT/$1.results" "$2"
}

printf '\n%-13s %12s %12s %12s %14s %22s\n' mode "CPU µs/req" "allocs/req" "wall ms/req" "syscalls/req" "round trips/req (20)"
for mode in direct-fresh tunnel-fresh direct-reuse tunnel-reuse; do
	sc=–
	if command -v strace >/dev/null; then
		strace -f -c -o "$OUT/$mode.strace" bin/xferclient -w P -mode "$mode" -n "$N" -conc 1 \
			-tlsaddrs "$origin" -proxy "$proxy" -ca "$OUT/cert.pem" >/dev/null
		# The loop's and the connections' calls; the runtime's own (futex, nanosleep, signals,
		# memory) are left out.
		sc=$(awk -v n="$N" '$NF ~ /^(socket|connect|setsockopt|getsockopt|getsockname|getpeername|sendto|recvfrom|read|write|writev|close|epoll_pwait|epoll_wait|epoll_ctl)$/ {
			t += $4; d = d sprintf(" %s %.2f", $NF, $4 / n) # % time, seconds, µs/call, calls
		} END { printf "%.1f", t / n; print d > "/dev/stderr" }' "$OUT/$mode.strace" 2>"$OUT/$mode.calls")
	fi
	if [[ $mode == direct-* ]]; then
		slow=$(client "$mode" "$slowOrigin" "$proxy" 20)
	else
		slow=$(client "$mode" "$origin" "$slowProxy" 20)
	fi
	rt=$(python3 -c "print('%.2f' % ($(field "$slow" wall_ms_per) / 1e3 / (2 * $delayS)))")
	printf '%-13s %12s %12s %12s %14s %22s\n' "$mode" "$(median "$mode" cpu_us_per)" "$(median "$mode" allocs_per)" \
		"$(median "$mode" wall_ms_per)" "$sc" "$rt"
done

echo
echo "System calls per request (strace -c):"
for mode in direct-fresh tunnel-fresh direct-reuse tunnel-reuse; do
	[[ -f $OUT/$mode.calls ]] && echo "$mode:$(cat "$OUT/$mode.calls")"
done
echo
echo "Bodies of $BODY bytes, keep-alive, $((20 * N)) requests: CPU µs/request and runtime.memmove in each profile"
for mode in direct-reuse tunnel-reuse; do
	r=$(XFER_CPUPROFILE="$OUT/$mode-body.prof" client "$mode" "$origin" "$proxy" $((20 * N)) -path "/bytes?n=$BODY")
	mm=$(go tool pprof -top bin/xferclient "$OUT/$mode-body.prof" 2>/dev/null | awk '$NF == "runtime.memmove" { print $1 " flat, " $4 " cum" }')
	echo "$mode: $(field "$r" cpu_us_per) µs/request; memmove ${mm:-not sampled}"
done

echo
echo "Where tunnel-fresh spends more than direct-fresh (pprof -diff_base, top 20):"
go tool pprof -top -nodecount=20 -diff_base "$OUT/direct-fresh.prof" bin/xferclient "$OUT/tunnel-fresh.prof" 2>/dev/null | sed -n '/flat%/,$p'
echo
echo "tunnel-reuse against direct-reuse, $BODY-byte bodies (pprof -diff_base, top 15):"
go tool pprof -top -nodecount=15 -diff_base "$OUT/direct-reuse-body.prof" bin/xferclient "$OUT/tunnel-reuse-body.prof" 2>/dev/null | sed -n '/flat%/,$p'
