#!/usr/bin/env bash
# Rebuild anitya.json here: bash tests/traces/run_anitya.sh   (see RUNS.md)
# Scratch under ${SEAM_TRACE_SCRATCH:-${TMPDIR:-/tmp}/trace}; needs network to PyPI and a checkout of
# github fedora-infra/anitya at 0d111184 (the 2.3.0 sdist ships no tests): set ANITYA_SRC to it,
# or leave it unset and the script clones github.com/fedora-infra/anitya.
# Uses the shared tracer at ../shared/corpus/trace relative to the repo root.
# Writes anitya's default test database /var/tmp/anitya-dev.sqlite (removed again at the end).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
TRACER=$(cd "$REPO/../shared/corpus/trace" && pwd)
T=${SEAM_TRACE_SCRATCH:-${TMPDIR:-/tmp}/trace}
PY=${SEAM_PY:-python3.11}
VER=2.3.0
TESTS_COMMIT=0d111184ead33eda451375e34e325bb358e4eff9
mkdir -p "$T/sdist"
V=$T/venv-anitya
[ -x "$V/bin/python" ] || "$PY" -m venv "$V"
pip() { "$V/bin/python" -m pip "$@"; }

# 1. the release under test (sdist), unpacked; its pyproject excludes anitya/tests
(cd "$T/sdist" && pip download -q --no-deps --no-binary :all: anitya==$VER && tar xzf anitya-$VER.tar.gz)
S=$T/sdist/anitya-$VER

# 2. tests/ (and poetry.lock) from the git snapshot; its anitya/ differs from the 2.3.0 sdist only
#    in admin.py (2.3.0 adds an is_admin() check in delete_project_version)
if [ -z "${ANITYA_SRC:-}" ]; then
  ANITYA_SRC=$T/anitya-git
  [ -d "$ANITYA_SRC/.git" ] || git clone -q https://github.com/fedora-infra/anitya "$ANITYA_SRC"
  git -C "$ANITYA_SRC" checkout -q $TESTS_COMMIT
fi
rm -rf "$S/anitya/tests" && cp -r "$ANITYA_SRC/anitya/tests" "$S/anitya/tests"

# 3. installs, constrained to upstream's poetry.lock (else pip takes SQLAlchemy 2.1, outside ^2.0 as locked)
"$V/bin/python" - "$ANITYA_SRC/poetry.lock" > "$T/anitya-lock-constraints.txt" <<'EOF'
import sys, tomllib
for p in tomllib.load(open(sys.argv[1], "rb"))["package"]:
    print(f"{p['name']}=={p['version']}")
EOF
pip install -q --prefer-binary -c "$T/anitya-lock-constraints.txt" anitya==$VER \
  pytest mock vcrpy six
pip install -q --prefer-binary sqlglot

# 4. the traced run, from the sdist root (so the sdist copy of the package is imported).
#    The venv's bin on PATH: test_alembic shells out to `alembic history`, as under tox.
cd "$S"
rm -f /var/tmp/anitya-dev.sqlite
PATH=$V/bin:$PATH PYTHONPATH=$TRACER SEAM_TRACE_APP=anitya SEAM_TRACE_DIST=anitya \
SEAM_TRACE_OUT=${SEAM_TRACE_OUT:-$HERE/anitya.json} \
  timeout 1500 "$V/bin/python" -m pytest -q -p no:cacheprovider -p seam_trace -W ignore \
  anitya/tests || true
rm -f /var/tmp/anitya-dev.sqlite
