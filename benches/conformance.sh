#!/usr/bin/env bash
# The conformance table: seam's routes, tables, models and foreign keys on every truth app of
# the corpus, against what the running app reports (shared/corpus/truth), and its data access
# against the traced test runs (shared/corpus/trace). Runs the same suites CI runs
# (tests/conformance.rs, tests/trace_conformance.rs), release build, and prints one line per
# app (and the line with exclusions, where an app has some), then which apps are below the bar.
#   usage: benches/conformance.sh [TEST_FILTER]      (e.g. `zou`; default: every app)
set -uo pipefail
cd "$(dirname "$0")/.."
export SEAM_CORPUS=${SEAM_CORPUS:-/tmp/seam-corpus}
out=$(cargo test --release --test conformance --test trace_conformance -- --nocapture --test-threads 2 "$@" 2>&1)
status=$?
grep -E '^CONFORMANCE ' <<<"$out" | sed 's/^CONFORMANCE //' | sort
grep -E '^TRACE ' <<<"$out" | sort
grep -E 'above its floor|^test .* (ok|FAILED)$|test result' <<<"$out"
exit $status
