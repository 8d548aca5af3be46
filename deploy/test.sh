#!/usr/bin/env bash
# Runs Lore's whole test suite, installing what the tests need when it is missing:
# a JDK >= 21, PostgreSQL with pgvector (role lore, database lore_test), the PostgreSQL manual
# (postgresql-doc-15, the retrieval test corpus), and a local Keycloak on http://127.0.0.1:8180 restarted with a
# freshly imported realm `lore` (deploy/keycloak/lore-realm.json; see deploy/lib/keycloak.sh). Keycloak keeps running.
#
#   deploy/test.sh                 all tests
#   deploy/test.sh -Dtest=Name     extra Maven arguments are passed through
#
# Data sets under ../shared/datasets are used when present; without them those suites say they were skipped,
# except under CI=true, where a missing data set fails the run.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/postgres.sh"
. "$(dirname "$0")/lib/keycloak.sh"
cd "$LORE_ROOT"

ensure_test_prerequisites
# A known realm for the tests: restart our Keycloak on an empty database so lore-realm.json is imported again.
LORE_KEYCLOAK_FRESH=1 ensure_keycloak
log "running the test suite (./mvnw verify)"
exec ./mvnw -B verify "$@"
