# ensure_postgres: make a local PostgreSQL with pgvector available and create Lore's role and databases.
# Source deploy/lib/common.sh first. Skipped entirely when LORE_DB_URL points at an existing database
# (that database must already have the `vector` extension, created once by a superuser).
#
# Debian 13: packages postgresql-17 + postgresql-17-pgvector; Ubuntu 24.04: postgresql-16 + postgresql-16-pgvector.
# Debian 12: pgvector is not in bookworm; we build Debian's own pgvector source package (from trixie)
#            against postgresql-server-dev-15, leaving the system's apt sources untouched.

LORE_DB_NAME="${LORE_DB_NAME:-lore}"
LORE_DB_USER="${LORE_DB_USER:-lore}"
LORE_DB_PASSWORD="${LORE_DB_PASSWORD:-lore}"

_pg_major() {
  if ls /etc/postgresql 2>/dev/null | grep -q .; then ls /etc/postgresql | sort -n | tail -1; return; fi
  . /etc/os-release
  case "${ID:-}:${VERSION_ID:-}" in
    debian:12) echo 15 ;; debian:13) echo 17 ;; ubuntu:22.04) echo 14 ;; ubuntu:24.04) echo 16 ;;
    *) # the newest postgresql-NN the apt sources offer, else 15
       apt-cache search --names-only '^postgresql-[0-9]+$' 2>/dev/null | awk '{sub("postgresql-", "", $1); print $1}' | sort -n | tail -1 | grep . || echo 15 ;;
  esac
}

_pgvector_installed() { [ -f "/usr/share/postgresql/$1/extension/vector.control" ]; }

_build_pgvector_from_source() {
  local pg="$1" work; work=$(mktemp -d)
  log "building pgvector from Debian's source package for PostgreSQL $pg (about 30 s)"
  apt_install "postgresql-server-dev-$pg" build-essential dpkg-dev debian-keyring debian-archive-keyring
  mkdir -p "$work/lists/partial"
  cat > "$work/sources.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  local opts=(-o "Dir::Etc::SourceList=$work/sources.sources" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$work/lists")
  as_root apt-get "${opts[@]}" update -qq >&2
  (cd "$work" && apt-get "${opts[@]}" source --download-only pgvector >&2 && dpkg-source -x --no-check pgvector_*.dsc src >&2) \
    || die "could not fetch Debian's pgvector source package"
  make -s -C "$work/src" PG_CONFIG="/usr/lib/postgresql/$pg/bin/pg_config" >&2
  as_root make -s -C "$work/src" PG_CONFIG="/usr/lib/postgresql/$pg/bin/pg_config" install >&2
  rm -rf "$work"
}

_psql_super() { as_root runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qAtX "$@" 2>/dev/null || psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAtX "$@"; }

ensure_postgres() {
  if [ -n "${LORE_DB_URL:-}" ]; then log "using the database at LORE_DB_URL"; return 0; fi
  local pg; pg=$(_pg_major)
  [ -x "/usr/lib/postgresql/$pg/bin/postgres" ] || apt_install "postgresql-$pg"
  if ! _pgvector_installed "$pg"; then
    if apt-cache show "postgresql-$pg-pgvector" >/dev/null 2>&1; then apt_install "postgresql-$pg-pgvector"
    else _build_pgvector_from_source "$pg"; fi
  fi
  _pgvector_installed "$pg" || die "pgvector is still missing for PostgreSQL $pg"
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    log "starting PostgreSQL $pg"
    as_root pg_ctlcluster --skip-systemctl-redirect "$pg" main start || die "could not start PostgreSQL $pg"
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  local db
  _psql_super -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='$LORE_DB_USER') THEN
      CREATE ROLE $LORE_DB_USER LOGIN PASSWORD '$LORE_DB_PASSWORD'; END IF; END\$\$;" || die "could not create role $LORE_DB_USER"
  for db in "$LORE_DB_NAME" "${LORE_DB_NAME}_test" "$@"; do
    [ "$(_psql_super -c "SELECT 1 FROM pg_database WHERE datname='$db'")" = 1 ] || _psql_super -c "CREATE DATABASE $db OWNER $LORE_DB_USER"
    _psql_super -d "$db" -c "CREATE EXTENSION IF NOT EXISTS vector" || die "could not create extension vector in $db"
    # row-level security (docs/security.md) lets the planner use the GIN indexes for full-text and access-list
    # conditions only when their functions are marked leakproof; only a superuser may mark them
    _psql_super -d "$db" -c "ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF" -c "ALTER FUNCTION arrayoverlap(anyarray, anyarray) LEAKPROOF" \
      || die "could not mark the full-text and array-overlap functions leakproof in $db"
  done
}

# ensure_test_prerequisites [EXTRA_DB...]: what the test suite and the benchmark need on this machine: curl, the
# PostgreSQL manual (their corpus), Chromium and its driver (the browser tests of the web pages, WebPagesTest),
# a JDK >= 21, PostgreSQL with pgvector (and the extra databases named).
ensure_test_prerequisites() {
  apt_install curl ca-certificates postgresql-doc-15 chromium chromium-driver
  ensure_java
  ensure_postgres "$@"
}
