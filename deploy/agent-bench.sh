#!/usr/bin/env bash
# Agent benchmark: Lore's own time per agent step (model time excluded) and how many streaming conversations one Lore
# process holds, with memory at 100, 250, 500 and 1,000 open streams. The model is the tests' scripted
# OpenAI-compatible server, answering at once (steps) or one token every 200 ms (streams). About 10 minutes on 2 cores.
# Installs what it needs like deploy/test.sh: a JDK >= 21, PostgreSQL with pgvector.
#
#   deploy/agent-bench.sh                                   both parts
#   deploy/agent-bench.sh -Dlore.bench.levels=100,500       other stream counts (extra Maven arguments are passed through)
#
# It uses a database of its own, lore_bench (LORE_TEST_DB_URL overrides it), packages Lore first (the stream part runs
# target/quarkus-app as its own process, as deploy/run.sh does), and writes target/bench/agent-steps.{md,json} and
# target/bench/agent-streams.{md,json} (printed at the end), for docs/benchmarks.md.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/postgres.sh"
cd "$LORE_ROOT"

ensure_test_prerequisites lore_bench
export LORE_TEST_DB_URL="${LORE_TEST_DB_URL:-jdbc:postgresql://127.0.0.1:5432/lore_bench}"

log "packaging Lore (./mvnw package -DskipTests)"
./mvnw -B -q package -DskipTests
log "running the agent benchmarks (./mvnw -Pbench test -Dtest='AgentStepBenchmark,AgentStreamsBenchmark') against $LORE_TEST_DB_URL"
rm -f target/bench/agent-steps.md target/bench/agent-streams.md
./mvnw -B -Pbench test -Dtest='AgentStepBenchmark,AgentStreamsBenchmark' -Dquarkus.http.test-port=0 "$@"

for f in agent-steps agent-streams; do
  [ -f "target/bench/$f.md" ] || die "the benchmark wrote no target/bench/$f.md"
  echo; cat "target/bench/$f.md"
done
echo
echo "Load while it ran (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
