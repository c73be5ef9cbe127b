#!/usr/bin/env bash
# net/http's Client on xferhttp's Transport beside net/http's own Transport: workloads B, C,
# Ehs and Eidle of compare.sh, each client once per repetition on a fresh workload server,
# then the medians and the ratios xferhttp/net-http. Usage: xferhttp.sh [-reps N] [-quick].
# XFERHTTP_LOOPS sets the Transport's loops (default 2). Run by `compare.sh -xferhttp`.
set -euo pipefail
cd "$(dirname "$0")"
reps=3 bN=20000 cN=10000 eN=2000
while [[ $# -gt 0 ]]; do
	case $1 in
	-reps) reps=$2; shift 2 ;;
	-quick) reps=1 bN=2000 cN=500 eN=200; shift ;;
	*) echo "xferhttp.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
mkdir -p bin out/xferhttp
go build -o bin/ ./cmd/server ./cmd/nethttpclient ./cmd/xferhttpclient
cert=out/xferhttp/cert.pem

# run CLIENT ARGS...: one run against a fresh server; prints the client's RESULT JSON.
run() {
	local client=$1; shift
	coproc SRV { exec bin/server -cert "$cert"; }
	local line port tlsport addrs="" tlsaddrs=""
	read -r line <&"${SRV[0]}"
	port=$(sed -E 's/.*port=([0-9]+) tlsport.*/\1/' <<<"$line")
	tlsport=$(sed -E 's/.*tlsport=([0-9]+).*/\1/' <<<"$line")
	for i in 1 2 3 4 5 6 7 8; do
		addrs+="${addrs:+,}127.0.0.$i:$port"
		tlsaddrs+="${tlsaddrs:+,}127.0.0.$i:$tlsport"
	done
	"bin/$client" "$@" -addrs "$addrs" -tlsaddrs "$tlsaddrs" -ca "$cert" | sed -n 's/^RESULT //p'
	kill "$SRV_PID" 2>/dev/null || true
	wait "$SRV_PID" 2>/dev/null || true
}

results=out/xferhttp/results.jsonl
: >"$results"
for w in "B -n $bN -conc 100" "C -n $cN" "Ehs -n $eN -conc 100" "Eidle -n $eN"; do
	for ((r = 0; r < reps; r++)); do
		for client in nethttpclient xferhttpclient; do
			# shellcheck disable=SC2086
			res=$(run "$client" -w $w)
			echo "{\"w\":\"${w%% *}\",\"client\":\"$client\",\"r\":$res}" >>"$results"
		done
	done
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    for k, v in r["r"].items():
        by.setdefault((r["w"], k), {}).setdefault(r["client"], []).append(v)
print("| workload | figure | net/http | xferhttp | xferhttp/net-http |")
print("|---|---|---:|---:|---:|")
for (w, k), cs in sorted(by.items()):
    a = statistics.median(cs.get("nethttpclient", [0])); b = statistics.median(cs.get("xferhttpclient", [0]))
    print(f"| {w} | {k} | {a:.4g} | {b:.4g} | {b/a if a else float('nan'):.2f}x |")
PY
