#!/usr/bin/env bash
# Runs Lore's whole test suite, installing what the tests need when it is missing:
# a JDK >= 21, PostgreSQL with pgvector (role lore, database lore_test), the PostgreSQL manual
# (postgresql-doc-15, the retrieval test corpus).
#
#   deploy/test.sh                 all tests
#   deploy/test.sh -Dtest=Name     extra Maven arguments are passed through
#
# Data sets under ../shared/datasets are used when present; without them those suites say they were skipped,
# except under CI=true, where a missing data set fails the run.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/postgres.sh"
cd "$LORE_ROOT"

ensure_test_prerequisites
log "running the test suite (./mvnw verify)"
exec ./mvnw -B verify "$@"
