#!/usr/bin/env bash
# Builds the workload server and the clients, then runs every workload with each
# client (3 times, alternating the clients) and prints the table of medians with the
# ratios xfer/peer. Arguments go to the orchestrator: -quick checks the harness in a minute,
# -reps N, -only A,B, -out DIR. Logs, raw results and charts land in out/; a full run also
# writes its tables into RESULTS.md, its charts beside it and its summary into the README
# (-publish decides for other runs). CI does not run this.
set -euo pipefail
cd "$(dirname "$0")"

# --- xferhttp: `compare.sh -xferhttp [-reps N] [-quick]` compares http.Client on xferhttp's
# Transport with net/http's own (workloads B, C, E); see xferhttp.sh. ---
if [[ ${1:-} == -xferhttp ]]; then
	shift
	exec ./xferhttp.sh "$@"
fi
# --- end xferhttp ---

if ! echo '#include <curl/curl.h>' | gcc -E - >/dev/null 2>&1; then
	echo "compare.sh: installing libcurl4-openssl-dev" >&2
	apt-get update -qq && apt-get install -y -qq libcurl4-openssl-dev >&2
fi
# Workload H's reference client, nghttp2's h2load.
if ! command -v h2load >/dev/null; then
	echo "compare.sh: installing nghttp2-client (h2load)" >&2
	apt-get update -qq && apt-get install -y -qq nghttp2-client >&2
fi

mkdir -p bin out
go build -o bin/ ./cmd/...
# -rdynamic exports the client's recv() and poll(), which libcurl then calls: they count
# reads and answer the one-read mode's poll.
gcc -O2 -Wall -rdynamic -o bin/curlclient curlclient/curlclient.c -lcurl

exec bin/compare -bin bin -out out "$@"
