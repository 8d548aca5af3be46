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
#   deploy/eval.sh run SUITE [JSON_FIELDS]  runs a suite against the running Lore (POST /api/v1/evaluations as an admin:
#                                          LORE_API_KEY = an admin API key, else a token of LORE_ADMIN_USER, default
#                                          alice), waits, prints the gate report (or the metrics when not compared).
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
    rc=0; gate_test -Dlore.eval.record=true "$@" || rc=$?
    git status --short src/test/resources/eval/cassettes
    # the gate compares the new recording with the old baselines, so a changed model may fail it: that is expected here
    [ $rc = 0 ] || log "the recording run reported failures (see above and target/eval-reports/); a new model usually moves the metrics"
    log "now run: deploy/eval.sh baseline, review the diff of cassettes and baselines, commit both"
    ;;
  run)
    shift
    [ -n "${1:-}" ] || usage
    suite=$1 extra=${2:-}
    extra=${extra#\{}; extra=${extra%\}}   # accept '"source":"demo"' as well as '{"source":"demo"}'
    base=${LORE_URL:-http://localhost:${LORE_PORT:-8080}}
    kc="${LORE_KEYCLOAK_URL:-http://127.0.0.1:${LORE_KEYCLOAK_PORT:-8180}}"
    # evaluations are for admins: an admin API key (LORE_API_KEY), else a token of the demo realm's admin
    auth() {
      if [ -n "${LORE_API_KEY:-}" ]; then echo "X-API-Key: $LORE_API_KEY"; return; fi
      local t; t=$(curl -fsS "$kc/realms/lore/protocol/openid-connect/token" -d grant_type=password -d client_id=lore \
        -d "client_secret=${LORE_OIDC_CLIENT_SECRET:-lore-dev-secret}" -d "username=${LORE_ADMIN_USER:-alice}" \
        -d "password=${LORE_ADMIN_PASSWORD:-alice-pw}" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p') \
        || die "no admin token from $kc: set LORE_API_KEY to an admin API key, or LORE_ADMIN_USER/LORE_ADMIN_PASSWORD"
      echo "Authorization: Bearer $t"
    }
    body="{\"suite\":\"$suite\"${extra:+,$extra}}"
    out=$(curl -sS -w '\n%{http_code}' -H "$(auth)" -H 'Content-Type: application/json' -d "$body" "$base/api/v1/evaluations") \
      || die "cannot reach Lore at $base"
    code=${out##*$'\n'}; resp=${out%$'\n'*}
    [ "$code" = 202 ] || die "POST /api/v1/evaluations answered $code: $resp (body sent: $body)"
    id=$(echo "$resp" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
    log "run $id of $suite started"
    while :; do
      st=$(curl -fsS -H "$(auth)" "$base/api/v1/evaluations/$id") || die "cannot read run $id"
      # the run's own fields come first in the answer (the gate report, with its own statuses, follows)
      status=$(echo "$st" | grep -o '"status":"[a-z]*"' | head -1 | cut -d'"' -f4)
      done_=$(echo "$st" | grep -o '"casesDone":[0-9]*' | head -1 | cut -d: -f2)
      total=$(echo "$st" | grep -o '"casesTotal":[0-9]*' | head -1 | cut -d: -f2)
      printf '\r%s: %s/%s cases ' "$status" "$done_" "$total"
      case $status in queued|running) sleep 2 ;; *) echo; break ;; esac
    done
    [ "$status" = succeeded ] || die "run $id $status: $(echo "$st" | grep -o '"error":"[^"]*"' | head -1)"
    if curl -fsS -H "$(auth)" "$base/api/v1/evaluations/$id/report" 2>/dev/null; then :; else
      log "not compared with a baseline (none given, or it was made on other cases or another source); metrics:"
      echo "$st" | grep -o '"metrics":{[^}]*}' | head -1
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
