#!/usr/bin/env bash
# seam's benchmark, in one run on the same trees (real Flask applications fetched from PyPI,
# and a ~1M-line tree made of copies of them):
#   - seam cold (`--no-cache`), warm (a second run through the caches), after a one-file
#     edit (a function appended to one file: its facts change, so the analysis is resolved
#     and clustered again), as wall time and peak memory;
#   - `seam parse-only`, the raw tree-sitter parse of the same files: the bound the whole
#     analysis is measured against (share = seam cold MB/s / parse MB/s);
#   - `tach map` (tach from PyPI, in a temporary venv): an import-only dependency map, the
#     cheapest useful analysis of a Python tree (ratio = seam cold / tach).
# Ratios, never absolute targets: the machine's speed cancels out.
# Usage: benches/bench.sh [CORPUS_DIR]   (SEAM_BENCH_APPS="flaskbb zou" to choose trees)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:-${SEAM_CORPUS:-/tmp/seam-corpus}}
fetch=${SEAM_FETCH:-$here/../shared/corpus/fetch.sh}
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
seam=$here/target/release/seam
bash "$fetch" "$corpus" >/dev/null

big=$corpus/_million
if [ ! -f "$big/.done" ]; then
  rm -rf "$big" && mkdir -p "$big"
  for i in 1 2 3 4; do
    for app in flaskbb lemur zou changedetection-io; do
      cp -r "$corpus/$app" "$big/${app//-/_}_$i"
    done
  done
  touch "$big/.done"
fi

# tach, from PyPI, once per machine.
tach_venv=${SEAM_TACH_VENV:-/tmp/seam-bench-tach}
if [ ! -x "$tach_venv/bin/tach" ]; then
  python3 -m venv "$tach_venv" && "$tach_venv/bin/pip" install -q tach >/dev/null
fi
tach=$tach_venv/bin/tach

# Median wall time of three runs of "$@" (after one warm-up of the page cache), and the peak
# RSS of the last: "SECONDS KB".
timed() {
  local times=() out report
  report=$(mktemp)
  "$@" >/dev/null 2>&1 || true
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$report" "$@" >/dev/null 2>&1 || true
    out=$(tail -1 "$report")
    times+=("$(echo "$out" | awk '{print $1}')")
    kb=$(echo "$out" | awk '{print $2}')
  done
  rm -f "$report"
  echo "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p) $kb"
}

printf '%-20s %8s %6s %8s %7s %7s %7s %7s %6s %6s %7s %8s\n' \
  app py_lines py_MB parse_MB/s cold_s warm_s edit_s tach_s warm% edit% /tach share
for target in ${SEAM_BENCH_APPS:-flaskbb lemur zou changedetection-io mlflow _million}; do
  src=$corpus/$target
  # A private copy: the cache is written into the tree, and one file is changed.
  dir=$(mktemp -d)/$target
  cp -r "$src" "$dir"
  rm -rf "$dir/.seam"
  lines=$(find "$dir" -name '*.py' -not -path '*/node_modules/*' -print0 | xargs -0 cat | wc -l)
  parse=$("$seam" parse-only "$dir")
  bytes=$(echo "$parse" | awk '{print $3}')
  parse_mbs=$(echo "$parse" | awk '{print $(NF-1)}')
  read -r cold cold_kb < <(timed env SEAM_NO_CACHE=1 "$seam" analyze "$dir" --format json -o /dev/null)
  "$seam" analyze "$dir" --format json -o /dev/null
  read -r warm warm_kb < <(timed "$seam" analyze "$dir" --format json -o /dev/null)
  # One file edited before each timed run, differently each time so it is never a hit: a
  # new function, so its facts change (a comment appended would change them too: the
  # module's last line).
  victim=$(find "$dir" -name '*.py' -size +2k | sort | sed -n 1p)
  edit_run() {
    n=$RANDOM$RANDOM
    printf '\n\ndef _seam_bench_%s(x):\n    return x + %s\n' "$n" "$n" >> "$victim"
    "$seam" analyze "$dir" --format json -o /dev/null
  }
  export -f edit_run; export victim dir seam
  read -r one one_kb < <(timed bash -c edit_run)
  read -r tach_s _ < <(cd "$dir" && timed "$tach" map -o /dev/null)
  awk -v t="$target" -v l="$lines" -v b="$bytes" -v p="$parse_mbs" -v c="$cold" -v w="$warm" \
      -v o="$one" -v x="$tach_s" -v k="$cold_kb" 'BEGIN {
    mb = b / 1e6; mbs = (c > 0) ? mb / c : 0;
    printf "%-20s %8d %6.1f %8.1f %7.2f %7.2f %7.2f %7.2f %5.0f%% %5.0f%% %6.2fx %7.0f%%\n",
      t, l, mb, p, c, w, o, x, 100 * w / c, 100 * o / c, c / x, 100 * mbs / p
    printf "%-20s cold %.1f MB/s, peak %.0f MiB (%.1fx the source)\n", "", mbs, k / 1024, k * 1024 / b }'
  rm -rf "$(dirname "$dir")"
done
