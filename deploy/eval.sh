#!/usr/bin/env bash
# Lore's evaluations (docs/evaluation.md).
#
#   deploy/eval.sh gate [MAVEN_ARGS...]     the CI gate alone (EvalGateTest): built-in suites and tau2 retail tasks,
#                                          model calls replayed from src/test/resources/eval/cassettes, compared with
#                                          src/main/resources/eval/baselines; reports in target/eval-reports/
#   deploy/eval.sh baseline                 reruns the gate suites and rewrites the baselines (review, then commit)
#   deploy/eval.sh record                   re-records the cassettes: against LORE_EVAL_MODEL_URL (an OpenAI-compatible
#                                          model server, e.g. http://gpu-host:8000/v1) when set, else against the test
#                                          suite's scripted model; then run `baseline` and commit both
#   deploy/eval.sh run SUITE [JSON_FIELDS]  runs a suite against the running Lore (POST /api/v1/evaluations with the key
#                                          in .lore/api-key or LORE_API_KEY), waits, prints the gate report.
#                                          e.g. deploy/eval.sh run pg-manual '"source":"demo","limit":20'
#
# Retrieval quality on public data sets (read from ../shared/datasets, never copied into the repo):
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
. "$(dirname "$0")/lib/keycloak.sh"
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

gate_test() {
  ensure_test_prerequisites
  ensure_keycloak
  ./mvnw -B test -Dtest=EvalGateTest -Dsurefire.failIfNoSpecifiedTests=false "$@"
}

case "${1:-}" in
  gate)
    shift
    gate_test "$@"
    ;;
  baseline)
    shift
    gate_test -Dlore.eval.update-baselines=true "$@"
    git status --short src/main/resources/eval/baselines
    ;;
  record)
    shift
    [ -n "${LORE_EVAL_MODEL_URL:-}" ] && log "recording against $LORE_EVAL_MODEL_URL" || log "recording against the scripted model (set LORE_EVAL_MODEL_URL for a real one)"
    gate_test -Dlore.eval.record=true "$@" || true
    git status --short src/test/resources/eval/cassettes
    log "now run: deploy/eval.sh baseline (the gate compares against the old baselines until you do)"
    ;;
  run)
    shift
    [ -n "${1:-}" ] || usage
    suite=$1 extra=${2:-}
    base=${LORE_URL:-http://localhost:8080}
    key=${LORE_API_KEY:-$(cat .lore/api-key 2>/dev/null || true)}
    [ -n "$key" ] || die "no API key: set LORE_API_KEY or run deploy/run.sh (it saves one in .lore/api-key)"
    body="{\"suite\":\"$suite\"${extra:+,$extra}}"
    loc=$(curl -fsS -H "X-API-Key: $key" -H 'Content-Type: application/json' -d "$body" "$base/api/v1/evaluations") \
      || die "POST /api/v1/evaluations failed (body $body)"
    id=$(echo "$loc" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
    log "run $id of $suite started"
    while :; do
      st=$(curl -fsS -H "X-API-Key: $key" "$base/api/v1/evaluations/$id")
      status=$(echo "$st" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
      done_=$(echo "$st" | sed -n 's/.*"casesDone":\([0-9]*\).*/\1/p'); total=$(echo "$st" | sed -n 's/.*"casesTotal":\([0-9]*\).*/\1/p')
      printf '\r%s: %s/%s cases ' "$status" "$done_" "$total"
      case $status in queued|running) sleep 2 ;; *) echo; break ;; esac
    done
    [ "$status" = succeeded ] || die "run $id $status: $(echo "$st" | sed -n 's/.*"error":"\([^"]*\)".*/\1/p')"
    if curl -fsS -H "X-API-Key: $key" "$base/api/v1/evaluations/$id/report" 2>/dev/null; then :; else
      log "no baseline for $suite: metrics follow"; echo "$st" | sed -n 's/.*"metrics":\({[^}]*}\).*/\1/p'
    fi
    ;;
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
