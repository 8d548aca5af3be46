#!/usr/bin/env bash
# Ingestion and search benchmark: Lore against the plain langchain4j pipeline (FileSystemDocumentLoader + Tika +
# DocumentSplitters.recursive(500, 50) + EmbeddingStoreIngestor + PgVectorEmbeddingStore, same embedding model) on the
# PostgreSQL 15 manual (postgresql-doc-15, 1,173 files), in one run on this machine. Takes about 25 minutes on 2 cores.
# Installs what it needs like deploy/test.sh: a JDK >= 21, PostgreSQL with pgvector, the manual.
#
#   deploy/bench.sh                                 the whole manual
#   deploy/bench.sh -Dlore.bench.dir=/tmp/pages     another folder (extra Maven arguments are passed through)
#
# It uses a database of its own, lore_bench (emptied at start), so it never touches lore_test; LORE_TEST_DB_URL
# overrides it. Results: target/bench/ingest.md (printed at the end, with the machine) and target/bench/ingest.json,
# for docs/benchmarks.md.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/postgres.sh"
cd "$LORE_ROOT"

ensure_test_prerequisites lore_bench
export LORE_TEST_DB_URL="${LORE_TEST_DB_URL:-jdbc:postgresql://127.0.0.1:5432/lore_bench}"

log "running the ingestion benchmark (./mvnw -Pbench test -Dtest=IngestBenchmark) against $LORE_TEST_DB_URL"
rm -f target/bench/ingest.md target/bench/ingest.json
# the product default model (the test profile embeds with the unquantized one, see application.properties)
./mvnw -B -Pbench test -Dtest=IngestBenchmark -Dquarkus.http.test-port=0 -Dlore.embedding.model=bge-small-en-v1.5-q "$@"

[ -f target/bench/ingest.md ] || die "the benchmark wrote no target/bench/ingest.md"
echo
cat target/bench/ingest.md
echo
echo "Machine:"
echo "- CPU: $(lscpu | awk -F: '/Model name/{gsub(/^[ \t]+/, "", $2); print $2; exit}'), $(nproc) cores available"
echo "- memory: $(free -h | awk '/^Mem:/{print $2}') total"
echo "- OS: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
echo "- Java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
echo "- date: $(date -Iseconds)"
echo
echo "JSON: $LORE_ROOT/target/bench/ingest.json"
