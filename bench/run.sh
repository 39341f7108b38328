#!/usr/bin/env bash
# Prints sailgraph's performance figures: Go benchmarks of the hot paths
# (cache hits, the transport chain, the typed clients, a whole GraphQL
# identity page against the simulated tenant). Speed targets live here,
# never in timed tests. Redis-backed benchmarks start their own
# redis-server (apt-get install -y redis-server).
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
run ./simtenant/ 'BenchmarkHistoryNew|BenchmarkGenerateTasks'  # simulated tenant start-up cost
