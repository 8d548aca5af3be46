# ensure_keycloak / stop_keycloak: a local Keycloak with Lore's development realm (deploy/keycloak/lore-realm.json),
# for the tests and the quick start. Source it (it sources common.sh when that is not loaded yet); do not run it.
#
# Keycloak 26 (keycloak-quarkus-dist, fetched once through the Maven wrapper) is unpacked outside the repository,
# in LORE_KEYCLOAK_HOME (default ~/.cache/lore/keycloak-26.7.3), and runs in dev mode (H2 under data/h2) on
# http://127.0.0.1:8180 (LORE_KEYCLOAK_PORT), management/health on :9100 (LORE_KEYCLOAK_MGMT_PORT). It keeps running
# after the script ends; stop_keycloak (or deploy/run.sh stop) stops it. Bootstrap admin: admin /
# LORE_KEYCLOAK_ADMIN_PASSWORD (default admin). The realm's users and secret are dev-only credentials.
#
#   ensure_keycloak                       start it unless it already answers with realm lore (first start 1–2 min)
#   LORE_KEYCLOAK_FRESH=1 ensure_keycloak restart ours with an empty database, so the realm file is imported afresh
#   stop_keycloak                         stop the Keycloak these scripts started
#
# The start flags must stay the same from run to run: a changed build option makes Keycloak rebuild itself (slow).

declare -F log >/dev/null || . "$(dirname "${BASH_SOURCE[0]}")/common.sh"

LORE_KEYCLOAK_VERSION=26.7.3

_kc_home()  { printf '%s' "${LORE_KEYCLOAK_HOME:-$HOME/.cache/lore/keycloak-$LORE_KEYCLOAK_VERSION}"; }
_kc_url()   { printf 'http://127.0.0.1:%s' "${LORE_KEYCLOAK_PORT:-8180}"; }
_kc_realm_ready() { curl -fsS -o /dev/null --max-time 15 "$(_kc_url)/realms/lore/.well-known/openid-configuration" 2>/dev/null; }
_kc_healthy() {
  curl -fsS --max-time 5 "http://127.0.0.1:${LORE_KEYCLOAK_MGMT_PORT:-9100}/health/ready" 2>/dev/null | grep -q '"UP"'
}

# _kc_pid: the pid (also its process group) of the Keycloak we started, when it is still alive and is Keycloak.
_kc_pid() {
  local f pid; f="$(_kc_home)/lore-keycloak.pid"
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kc\.sh\|kc\.home\.dir' || return 1
  printf '%s' "$pid"
}

# Ours is running but did not answer (a busy machine, or still starting): wait for it rather than restarting it
# under whoever uses it (a test run, a Lore) — a slow answer once made a second script kill a healthy Keycloak.
_kc_wait_for_ours() {
  _kc_pid >/dev/null || return 1
  log "Keycloak (started by these scripts) runs but does not answer yet; waiting up to 180 s"
  local start=$SECONDS
  while [ $((SECONDS - start)) -lt 180 ]; do
    sleep 3
    _kc_pid >/dev/null || return 1
    _kc_realm_ready && return 0
  done
  return 1
}

_kc_install() {
  local home; home=$(_kc_home)
  [ -x "$home/bin/kc.sh" ] && return 0
  local tmp; tmp=$(mktemp -d "$(dirname "$home")/.keycloak-download.XXXXXX")
  log "downloading Keycloak $LORE_KEYCLOAK_VERSION (176 MB, once) into $home"
  (cd "$LORE_ROOT" && ./mvnw -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="org.keycloak:keycloak-quarkus-dist:$LORE_KEYCLOAK_VERSION:tar.gz" -DoutputDirectory="$tmp" >&2) \
    || { rm -rf "$tmp"; die "could not download Keycloak $LORE_KEYCLOAK_VERSION"; }
  mkdir -p "$tmp/unpacked"
  tar -xzf "$tmp/keycloak-quarkus-dist-$LORE_KEYCLOAK_VERSION.tar.gz" -C "$tmp/unpacked" --strip-components=1 \
    || { rm -rf "$tmp"; die "could not unpack Keycloak"; }
  rm -rf "$home"; mv -T "$tmp/unpacked" "$home"; rm -rf "$tmp"
}

stop_keycloak() {
  local home pid; home=$(_kc_home)
  if pid=$(_kc_pid); then
    log "stopping Keycloak (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 -- "-$pid" 2>/dev/null; then log "Keycloak did not stop in 60 s; killing it"; kill -KILL -- "-$pid" 2>/dev/null || true; sleep 1; fi
  else
    log "Keycloak was not running (not started by these scripts)"
  fi
  rm -f "$home/lore-keycloak.pid"
}

ensure_keycloak() {
  local home url mgmt realm_file; home=$(_kc_home); url=$(_kc_url); mgmt="${LORE_KEYCLOAK_MGMT_PORT:-9100}"
  realm_file="$LORE_ROOT/deploy/keycloak/lore-realm.json"
  [ -f "$realm_file" ] || die "realm file $realm_file is missing"
  # One script at a time (deploy/run.sh and deploy/test.sh started together once raced: both downloaded, one moved
  # its copy into the other's folder and neither started). The lock is released when this shell exits or below.
  local lock_fd
  mkdir -p "$(dirname "$home")"
  exec {lock_fd}>"$(dirname "$home")/.keycloak-$LORE_KEYCLOAK_VERSION.lock"
  if ! flock -n "$lock_fd"; then
    log "another script is setting up Keycloak; waiting for it"
    flock "$lock_fd"
  fi
  _ensure_keycloak_locked "$home" "$url" "$mgmt" "$realm_file"
  local rc=$?
  flock -u "$lock_fd"; exec {lock_fd}>&-
  return $rc
}

_ensure_keycloak_locked() {
  local home=$1 url=$2 mgmt=$3 realm_file=$4
  if [ "${LORE_KEYCLOAK_FRESH:-}" = 1 ]; then
    if _kc_pid >/dev/null; then stop_keycloak; fi
    _kc_realm_ready && die "a Keycloak not started by these scripts answers on $url; stop it to get a fresh realm"
  elif _kc_realm_ready || _kc_wait_for_ours; then
    log "Keycloak already runs on $url with realm lore"
    cmp -s "$realm_file" "$home/data/import/lore-realm.json" 2>/dev/null \
      || log "note: deploy/keycloak/lore-realm.json changed since it was imported (LORE_KEYCLOAK_FRESH=1 re-imports it)"
    return 0
  fi

  apt_install curl ca-certificates
  ensure_java
  mkdir -p "$(dirname "$home")"
  _kc_install
  if _kc_pid >/dev/null; then stop_keycloak; fi   # ours, but not answering with the realm: start over
  if [ "${LORE_KEYCLOAK_FRESH:-}" = 1 ]; then rm -rf "$home/data/h2"
  elif [ -d "$home/data/h2" ] && ! cmp -s "$realm_file" "$home/data/import/lore-realm.json"; then
    log "note: keeping the realm imported earlier; deploy/keycloak/lore-realm.json changed since (LORE_KEYCLOAK_FRESH=1 re-imports it)"
  fi
  mkdir -p "$home/data/import"
  cp "$realm_file" "$home/data/import/lore-realm.json"

  local java_major opts="--add-opens=java.base/java.lang=ALL-UNNAMED"
  java_major=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}')
  [ "${java_major%%.*}" -ge 23 ] 2>/dev/null && opts="$opts --sun-misc-unsafe-memory-access=allow"

  log "starting Keycloak on $url (log: $home/lore-keycloak.log)"
  LORE_KEYCLOAK_STARTED_HERE=1   # read by deploy/run.sh: only then does its `stop` stop Keycloak
  # In its own session (it outlives this script; stop_keycloak signals the whole process group), which writes its pid.
  rm -f "$home/lore-keycloak.pid"
  JAVA_OPTS_APPEND="$opts" KC_BOOTSTRAP_ADMIN_USERNAME=admin \
  KC_BOOTSTRAP_ADMIN_PASSWORD="${LORE_KEYCLOAK_ADMIN_PASSWORD:-admin}" \
    setsid sh -c 'echo $$ >"$0"; exec nohup "$@"' "$home/lore-keycloak.pid" \
      "$home/bin/kc.sh" start-dev --http-host=127.0.0.1 --http-port="${LORE_KEYCLOAK_PORT:-8180}" \
      --hostname="$url" --http-management-port="$mgmt" --health-enabled=true --import-realm \
      >>"$home/lore-keycloak.log" 2>&1 </dev/null {lock_fd}>&- &
  for _ in $(seq 50); do [ -s "$home/lore-keycloak.pid" ] && break; sleep 0.1; done

  local start=$SECONDS next=15
  until _kc_healthy && _kc_realm_ready; do
    if ! _kc_pid >/dev/null; then
      tail -40 "$home/lore-keycloak.log" >&2; die "Keycloak stopped during start-up (log: $home/lore-keycloak.log)"
    fi
    if [ $((SECONDS - start)) -ge 300 ]; then
      tail -40 "$home/lore-keycloak.log" >&2; die "Keycloak was not ready after 300 s (log: $home/lore-keycloak.log)"
    fi
    if [ $((SECONDS - start)) -ge "$next" ]; then log "waiting for Keycloak ($((SECONDS - start)) s)"; next=$((next + 15)); fi
    sleep 2
  done
  log "Keycloak is ready on $url (realm lore) after $((SECONDS - start)) s"
}
