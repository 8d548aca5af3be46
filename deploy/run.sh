#!/usr/bin/env bash
# Lore quick start: provides PostgreSQL + pgvector when missing, starts a local Keycloak for login (http://127.0.0.1:8180,
# realm lore, dev users such as alice / alice-pw; see deploy/lib/keycloak.sh), builds Lore, starts it on http://localhost:8080,
# ingests the demo source (the PostgreSQL 15 manual; where the system has no postgresql-doc-15, e.g. Debian 13, the manual
# of its own PostgreSQL) and shows progress until it is in.
#
#   deploy/run.sh            set up, start, ingest the demo, show progress (Lore keeps running afterwards)
#   deploy/run.sh stop       stop the Lore and the Keycloak started by this script
#
# Environment: LORE_DB_URL / LORE_DB_USER / LORE_DB_PASSWORD to use an existing database (it needs the
# `vector` extension); LORE_DEMO_PATH to ingest another folder (read when the source `demo` is created, i.e. on the
# first run; later runs sync the folder it was created with); LORE_PORT (default 8080);
# LORE_MODEL_BASE_URL to point at a model server (default http://localhost:8000/v1; none = extractive answers).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/postgres.sh"
. "$(dirname "$0")/lib/keycloak.sh"
cd "$LORE_ROOT"

PORT="${LORE_PORT:-8080}"
BASE="http://localhost:$PORT"
STATE="$LORE_ROOT/.lore"
DEMO_PATH="${LORE_DEMO_PATH:-/usr/share/doc/postgresql-doc-15/html}"
mkdir -p "$STATE"

if [ "${1:-}" = "stop" ]; then
  if [ -f "$STATE/lore.pid" ] && kill "$(cat "$STATE/lore.pid")" 2>/dev/null; then log "stopped Lore"; else log "Lore was not running"; fi
  rm -f "$STATE/lore.pid"
  # only the Keycloak this script started (a Keycloak that already ran, e.g. for other checkouts, keeps running)
  if [ -f "$STATE/keycloak-started" ]; then stop_keycloak; rm -f "$STATE/keycloak-started"; else log "Keycloak was not started by deploy/run.sh: left running"; fi
  exit 0
fi

apt_install curl ca-certificates
ensure_java
ensure_postgres
# remember whether this script started Keycloak (then `stop` stops it): a Keycloak that was already running (a test
# run's, or one still starting) is waited for and left alone
LORE_KEYCLOAK_STARTED_HERE=
ensure_keycloak
if [ -n "$LORE_KEYCLOAK_STARTED_HERE" ]; then mkdir -p "$STATE"; touch "$STATE/keycloak-started"; fi
if [ -z "${LORE_DEMO_PATH:-}" ]; then
  # the PostgreSQL 15 manual where the system has it (Debian 12), else the manual of the PostgreSQL it runs (Debian 13: 17)
  if ! apt_has postgresql-doc-15; then
    v=$(_pg_major); DEMO_PATH="/usr/share/doc/postgresql-doc-$v/html"
    log "postgresql-doc-15 is not in this system's apt sources: the demo source is the PostgreSQL $v manual"
    apt_install "postgresql-doc-$v"
  else
    apt_install postgresql-doc-15
  fi
fi
[ -d "$DEMO_PATH" ] || die "demo folder $DEMO_PATH does not exist"

jar="$LORE_ROOT/target/quarkus-app/quarkus-run.jar"
if [ ! -f "$jar" ] || [ -n "$(find src connectors migrations pom.xml -newer "$jar" -print -quit 2>/dev/null)" ]; then
  log "building Lore (first build downloads dependencies: a few minutes)"
  ./mvnw -B -q package -DskipTests >&2 || die "build failed"
fi

if curl -fsS "$BASE/q/health/ready" >/dev/null 2>&1; then
  log "Lore is already running on $BASE"
else
  log "starting Lore on $BASE (log: .lore/lore.log)"
  # the demo folder must be inside the folders sources may index (docs/security.md)
  export LORE_FILESYSTEM_ROOTS="${LORE_FILESYSTEM_ROOTS:-/srv/lore,/usr/share/doc},$DEMO_PATH"
  nohup java --enable-native-access=ALL-UNNAMED -Xmx2g -Dquarkus.http.port="$PORT" -Dquarkus.http.host="${LORE_HOST:-127.0.0.1}" -jar "$jar" >>"$STATE/lore.log" 2>&1 &
  echo $! >"$STATE/lore.pid"
  for i in $(seq 120); do
    curl -fsS "$BASE/q/health/ready" >/dev/null 2>&1 && break
    kill -0 "$(cat "$STATE/lore.pid")" 2>/dev/null || { tail -30 "$STATE/lore.log" >&2; die "Lore stopped during start-up (see .lore/lore.log)"; }
    sleep 1
  done
  curl -fsS "$BASE/q/health/ready" >/dev/null || die "Lore did not become ready in 120 s (see .lore/lore.log)"
fi

json_field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" | head -1; }

# Every /api call needs an identity. The demo realm's admin (alice, tenant acme) sets things up with a fresh token
# per call (tokens live 5 minutes; the ingest takes longer).
KC="${LORE_KEYCLOAK_URL:-http://127.0.0.1:${LORE_KEYCLOAK_PORT:-8180}}"
LORE_ADMIN_USER="${LORE_ADMIN_USER:-alice}"
LORE_ADMIN_PASSWORD="${LORE_ADMIN_PASSWORD:-alice-pw}"
# A token for the admin; Keycloak restarting (another checkout's script) gets 60 s, then a clear error, not curl's.
admin_token() {
  local out code
  for _ in $(seq 30); do
    out=$(curl -sS --max-time 10 -w '\n%{http_code}' "$KC/realms/lore/protocol/openid-connect/token" -d grant_type=password \
      -d client_id=lore -d "client_secret=${LORE_OIDC_CLIENT_SECRET:-lore-dev-secret}" -d "username=$LORE_ADMIN_USER" \
      -d "password=$LORE_ADMIN_PASSWORD" 2>/dev/null) || out=$'\n000'
    code=${out##*$'\n'}
    if [ "$code" = 200 ]; then printf '%s' "${out%$'\n'*}" | json_field access_token; return 0; fi
    [ "$code" = 401 ] || [ "$code" = 400 ] && break   # Keycloak answers but refuses: waiting will not help
    sleep 2
  done
  die "no token for $LORE_ADMIN_USER from Keycloak at $KC (HTTP $code): $( [ "$code" = 000 ] \
    && echo "Keycloak does not answer; deploy/run.sh starts it again (log: $(_kc_home)/lore-keycloak.log)" \
    || echo "wrong LORE_ADMIN_USER / LORE_ADMIN_PASSWORD / LORE_OIDC_CLIENT_SECRET for realm lore")"
}
api() { local t; t=$(admin_token) || exit 1; curl -H "Authorization: Bearer $t" "$@"; }

src_id=$(api -fsS "$BASE/api/v1/sources" | tr '{' '\n' | grep "\"name\":\"demo\"" | json_field id || true)
if [ -z "$src_id" ]; then
  # the manual is public: everyone in the tenant may read it
  src_id=$(api -fsS -H 'Content-Type: application/json' -X POST "$BASE/api/v1/sources" \
    -d "{\"type\":\"filesystem\",\"name\":\"demo\",\"config\":{\"path\":\"$DEMO_PATH\",\"acl\":{\"everyone\":true}}}" | json_field id)
fi
[ -n "$src_id" ] || die "could not create the demo source (see .lore/lore.log)"
resp=$(api -sS -H 'Content-Type: application/json' -X POST "$BASE/api/v1/sources/$src_id/sync")
run_id=$(printf '%s' "$resp" | json_field id)
if [ -z "$run_id" ] || printf '%s' "$resp" | grep -q '"status":409'; then
  run_id=$(api -fsS "$BASE/api/v1/sources/$src_id/runs?limit=1" | json_field id)
fi

# an API key for trying the API by hand (role user, tenant acme); kept in .lore/api-key, readable by you only
if [ ! -s "$STATE/api-key" ]; then
  # a key's name is its identity and unique in the tenant: one per checkout that asks
  key=$(api -fsS -H 'Content-Type: application/json' -X POST "$BASE/api/v1/api-keys" \
        -d "{\"name\":\"quick-start-$(hostname -s 2>/dev/null || echo host)-$(date +%Y%m%d-%H%M%S)\",\"ratePerMinute\":600}" | json_field key)
  [ -n "$key" ] || die "could not create the quick-start API key"
  (umask 077; printf '%s\n' "$key" >"$STATE/api-key")
fi

cat >&2 <<MSG

  Lore is up on $BASE and is ingesting $DEMO_PATH (source $src_id).
  Ask a question now; answers use whatever is already indexed (.lore/api-key holds an API key made for you):

    curl -s $BASE/api/v1/chat -H "X-API-Key: \$(cat .lore/api-key)" -H 'Content-Type: application/json' \\
         -d '{"message":"How do I see which queries are slow?"}'

  As a person instead: a Keycloak token of a demo user (bob, password bob-pw; see docs/security.md):
    TOKEN=\$(curl -s $KC/realms/lore/protocol/openid-connect/token -d grant_type=password -d client_id=lore \\
         -d client_secret=lore-dev-secret -d username=bob -d password=bob-pw | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
    and -H "Authorization: Bearer \$TOKEN" instead of the X-API-Key header.

  In a browser: $BASE/chat (sign in as bob / bob-pw) and the admin console $BASE/console (alice / alice-pw).

  Streamed: add -N -H 'Accept: text/event-stream'. API docs: $BASE/q/openapi. Stop: deploy/run.sh stop

MSG

while :; do
  run=$(api -fsS "$BASE/api/v1/sources/$src_id/runs/$run_id") || die "Lore stopped answering (see .lore/lore.log)"
  status=$(printf '%s' "$run" | json_field status)
  phase=$(printf '%s' "$run" | json_field phase)
  prog=$(printf '%s' "$run" | sed -n 's/.*"progress":{\([^}]*\)}.*/\1/p')
  done_=$(printf '{%s}' "$prog" | json_field done); total=$(printf '{%s}' "$prog" | json_field total)
  rate=$(printf '{%s}' "$prog" | json_field documentsPerSecond); eta=$(printf '{%s}' "$prog" | json_field etaSeconds)
  chunks=$(printf '%s' "$run" | json_field chunks)
  case "$eta" in ''|null) eta='?' ;; esac
  if [ -t 2 ]; then printf '\r' >&2; fi
  case "$phase" in
    queued|listing) printf '[lore] %s: %s (%s)   ' "$status" "$phase" \
        "$([ "$phase" = queued ] && echo 'waiting for a free sync worker' || echo 'finding the documents')" >&2 ;;
    *) printf '[lore] %s: %s/%s documents, %s docs/s, %s chunks indexed this run, about %ss left   ' "$status" "$done_" "$total" "$rate" "$chunks" "$eta" >&2 ;;
  esac
  if [ -t 2 ]; then :; else printf '\n' >&2; fi
  [ "$status" = running ] || break
  sleep "${LORE_PROGRESS_INTERVAL:-3}"
done
printf '\n' >&2
counts=$(printf '%s' "$run" | sed -n 's/.*"counts":{\([^}]*\)}.*/\1/p')
log "sync $status: $counts"
[ "$status" = succeeded ] || die "sync failed: $(printf '%s' "$run" | json_field error)"
log "Lore keeps running on $BASE; try the question above. Stop it with: deploy/run.sh stop"
