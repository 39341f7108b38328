#!/usr/bin/env bash
# Prints sailgraph's performance figures: Go benchmarks of the hot paths
# (cache hits, the transport chain, the typed clients, a whole GraphQL
# identity page against the simulated tenant), then the identity page from
# outside over HTTP (bench/pagebench) against a bare net/http baseline
# measured in the same run. Speed targets live here, never in timed tests.
# Redis-backed benchmarks start their own redis-server (apt-get install -y
# redis-server).
#
#   bench/run.sh                 # all, 1s per benchmark
#   BENCHTIME=3s bench/run.sh    # longer runs
#   COUNT=5 bench/run.sh | tee new.txt; benchstat old.txt new.txt
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${BENCHTIME:-1s}
count=${COUNT:-1}

run() {
  local pkg=$1 pattern=$2
  printf '\n## %s (%s)\n' "$pkg" "$pattern"
  go test -run '^$' -bench "$pattern" -benchmem -benchtime "$benchtime" -count "$count" "$pkg" | grep -E '^(Benchmark|ok|FAIL)'
}

run ./cache/ 'BenchmarkHit'                                # cache hit: memory and Redis, identity and 250-item page
run ./upstream/httpcache/ 'BenchmarkRoundTripHit'          # the same through the HTTP cache layer
run ./upstream/transport/ 'BenchmarkChain'                 # the transport chain with no upstream wait
run ./upstream/history/ 'BenchmarkListAccessItems250'      # typed client: decode a 250-item page
run ./upstream/tasks/ 'BenchmarkGetTaskStatus'             # typed client: one task
run ./graph/ 'BenchmarkIdentityPage'                       # a whole identity page, gateway + simulated tenant
run ./gateway/ 'BenchmarkCachedIdentityPage'               # the same page answered from the result cache, in process
run ./simtenant/ 'BenchmarkHistoryNew|BenchmarkGenerateTasks'  # simulated tenant start-up cost

# The identity page from outside, over loopback HTTP. SKIP_PAGEBENCH=1 skips it.
if [[ -z ${SKIP_PAGEBENCH:-} ]]; then
  go build -o "${TMPDIR:-/tmp}/sailgraph-pagebench" ./bench/pagebench
  pb="${TMPDIR:-/tmp}/sailgraph-pagebench"
  printf '\n## pagebench: cached page, in-memory cache, vs bare net/http\n'
  "$pb" -mode cached
  if command -v redis-server >/dev/null; then
    port=$(( 20000 + RANDOM % 20000 ))
    dir=$(mktemp -d)
    redis-server --port "$port" --save '' --appendonly no --dir "$dir" --daemonize yes --pidfile "$dir/pid" >/dev/null
    trap 'kill "$(cat "$dir/pid")" 2>/dev/null; rm -rf "$dir"' EXIT
    sleep 0.3
    printf '\n## pagebench: cached page, Redis cache, vs bare net/http\n'
    "$pb" -mode cached -redis "redis://127.0.0.1:$port/0"
  fi
  printf '\n## pagebench: cold page (new identity each request, tenant 40 ms away)\n'
  "$pb" -mode cold -duration 10s
fi
