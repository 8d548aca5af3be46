#!/usr/bin/env bash
# Lore's evaluations on public data sets (read from ../shared/datasets, never copied into the repo).
#
#   deploy/eval.sh bench [MAVEN_ARGS...]   retrieval quality: SciFact (BEIR train split), tau2 banking knowledge and
#                                          XQuAD en/de/es with the default embedding model (database lore_bench),
#                                          then XQuAD zh with bge-small-zh-v1.5-q (database lore_bench_zh). Each
#                                          corpus goes through Lore's whole pipeline (RetrievalQualityBenchmark).
#                                          About an hour on 2 busy cores (SciFact ingestion is most of it). Results: target/bench/retrieval-<model>.md
#                                          and .json (printed at the end), for docs/benchmarks.md.
#
# Environment: LORE_EVAL_ZH=false skips the Chinese run; LORE_EVAL_SUITES (default scifact,tau2,xquad) and
# LORE_EVAL_LANGUAGES (default en,de,es) choose what the default-model run covers; LORE_EVAL_VARIANTS=true also
# measures hybrid with other fusion settings on SciFact. Each database is emptied when its run starts.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/postgres.sh"
cd "$LORE_ROOT"

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}

machine() {
  echo "Machine:"
  echo "- CPU: $(lscpu | awk -F: '/Model name/{gsub(/^[ \t]+/, "", $2); print $2; exit}'), $(nproc) cores available"
  echo "- memory: $(free -h | awk '/^Mem:/{print $2}') total"
  echo "- OS: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "- Java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
  echo "- load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- date: $(date -Iseconds)"
}

# retrieval_run DB MODEL SUITES LANGUAGES [MAVEN_ARGS...]
retrieval_run() {
  local db=$1 model=$2 suites=$3 languages=$4; shift 4
  log "retrieval quality with $model on $db: $suites (XQuAD: $languages)"
  rm -f "target/bench/retrieval-$model.md" "target/bench/retrieval-$model.json"
  LORE_TEST_DB_URL="jdbc:postgresql://127.0.0.1:5432/$db" ./mvnw -B -Pbench test -Dtest=RetrievalQualityBenchmark \
    -Dquarkus.http.test-port=0 -Dlore.embedding.model="$model" -Dlore.bench.suites="$suites" \
    -Dlore.bench.xquad.languages="$languages" -Dlore.bench.variants="${LORE_EVAL_VARIANTS:-false}" "$@"
  [ -f "target/bench/retrieval-$model.md" ] || die "the benchmark wrote no target/bench/retrieval-$model.md"
}

case "${1:-}" in
  bench)
    shift
    ensure_test_prerequisites lore_bench lore_bench_zh
    retrieval_run lore_bench bge-small-en-v1.5-q "${LORE_EVAL_SUITES:-scifact,tau2,xquad}" "${LORE_EVAL_LANGUAGES:-en,de,es}" "$@"
    if [ "${LORE_EVAL_ZH:-true}" = true ]; then
      retrieval_run lore_bench_zh bge-small-zh-v1.5-q xquad zh "$@"
    fi
    echo
    for f in target/bench/retrieval-*.md; do cat "$f"; echo; done
    machine
    ;;
  *) usage ;;
esac
