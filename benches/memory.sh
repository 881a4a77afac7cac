#!/usr/bin/env bash
# Memory on a very large tree (issue 15): seam's peak RSS and the size of its JSON against the
# size of the source, on a tree assembled from PyPI sdists (Django, SQLAlchemy, pandas, numpy,
# SciPy, SymPy, Celery, matplotlib, botocore, ..., several releases of each) until it holds
# SEAM_MEMORY_MB (default 180) MB of Python. Only the `.py` and `.sql` files are kept.
# Prints: source MB, files, peak RSS MB, RSS / source, JSON MB, JSON / source, wall seconds.
# Usage: benches/memory.sh [TREE_DIR]   (the tree is kept there for the next run; SEAM_BIN=path
# runs that seam instead of building this checkout's)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tree=${1:-/tmp/seam-memory-tree}
want_mb=${SEAM_MEMORY_MB:-180}
# SEAM_BIN: a seam already built (another checkout's, to compare), else this one's.
if [ -n "${SEAM_BIN:-}" ]; then
  seam=$SEAM_BIN
else
  cargo build --release --quiet --manifest-path "$here/Cargo.toml"
  seam=$here/target/release/seam
fi

# One release of each first, then older releases, far enough apart that their files differ (a
# combined tree, as a monorepo holds), until the tree holds SEAM_MEMORY_MB.
packages="django==6.1.3 sqlalchemy==2.1.9 pandas==3.1.1 numpy==2.5.5 celery==5.7.0
scipy==1.18.1 sympy==1.14.0 matplotlib==3.11.2 botocore==1.44.8 astropy==8.0.2 networkx==3.7
sphinx==8.2.3 pip==25.3 setuptools==80.9.0 twisted==25.5.0 ansible-core==2.19.4 salt==3007.8
transformers==4.57.1 django==4.2.27 sqlalchemy==1.4.54 pandas==2.2.3 numpy==1.26.4
celery==5.3.6 scipy==1.14.1 sympy==1.12.1 matplotlib==3.9.4 astropy==6.1.7 networkx==3.2.1
ansible-core==2.17.14 transformers==4.46.3 django==3.2.25 sqlalchemy==1.3.24 sympy==1.10.1"

py_mb() { find "$tree" -name '*.py' -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {printf "%d", s/1e6}'; }
mkdir -p "$tree"
# This machine's CPython standard library first (its `venv/` package is a name seam once
# skipped), then the sdists.
stdlib=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])' 2>/dev/null || true)
if [ -n "$stdlib" ] && [ -d "$stdlib" ]; then
  dest=$tree/cpython-stdlib-$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  if [ ! -d "$dest" ]; then
    mkdir -p "$dest"
    (cd "$stdlib" && find . -path ./site-packages -prune -o -type f -name '*.py' -print0 |
      tar --null -T - -cf - | tar -xf - -C "$dest")
  fi
fi
for spec in $packages; do
  [ "$(py_mb)" -ge "$want_mb" ] && break
  name=${spec%%==*}; version=${spec##*==}
  dest=$tree/${name//-/_}-$version
  [ -n "$(ls -A "$dest" 2>/dev/null)" ] && continue
  url=$(curl -sf -m 60 "https://pypi.org/pypi/$name/json" |
    python3 -c 'import json,sys,urllib.parse as p; print(next((p.urljoin(sys.argv[2], u["url"]) for u in json.load(sys.stdin)["releases"].get(sys.argv[1], []) if u["packagetype"]=="sdist"), ""))' \
      "$version" "https://pypi.org/pypi/$name/json" 2>/dev/null || true)
  [ -n "$url" ] || { echo "memory.sh: no sdist for $spec, skipped" >&2; continue; }
  tmp=$(mktemp -d)
  curl -sf -m 600 -o "$tmp/sdist" "$url" && tar -xf "$tmp/sdist" -C "$tmp" 2>/dev/null || true
  rm -f "$tmp/sdist"
  mkdir -p "$dest"
  (cd "$tmp" && find . -type f \( -name '*.py' -o -name '*.sql' \) -print0 |
    tar --null -T - -cf - | tar -xf - -C "$dest")
  rm -rf "$tmp"
done
echo "memory.sh: $(py_mb) MB of Python in $tree" >&2

src_bytes=$(find "$tree" -type f \( -name '*.py' -o -name '*.sql' \) -printf '%s\n' | awk '{s+=$1} END {print s}')
files=$(find "$tree" -type f \( -name '*.py' -o -name '*.sql' \) | wc -l)
json=$(mktemp)
report=$(mktemp)
SEAM_NO_CACHE=1 /usr/bin/time -f '%e %M' -o "$report" "$seam" analyze "$tree" --format json -o "$json" >/dev/null 2>&1
read -r secs kb < <(tail -1 "$report")
json_bytes=$(stat -c %s "$json")
rm -f "$json" "$report"
awk -v s="$src_bytes" -v f="$files" -v kb="$kb" -v j="$json_bytes" -v t="$secs" 'BEGIN {
  printf "%-10s %8s %9s %8s %8s %8s %7s %7s\n", "source_MB", "files", "peak_MB", "rss/src", "json_MB", "json/src", "secs", "MB/s"
  printf "%-10.1f %8d %9.1f %8.2f %8.1f %8.2f %7.1f %7.2f\n", s/1e6, f, kb*1024/1e6, kb*1024/s, j/1e6, j/s, t, s/1e6/t
}'
