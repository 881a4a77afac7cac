#!/usr/bin/env bash
# seam's benchmark: throughput (MB/s of Python analysed) and peak memory of the release binary
# on real Flask applications fetched from PyPI, and on a ~1M-line tree made of copies of them.
# Compared with the raw tree-sitter parse of the same files (`seam parse-only`), the bound the
# whole analysis is measured against. Usage: benches/bench.sh [CORPUS_DIR]
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

printf '%-22s %9s %8s %10s %9s %10s %9s %9s\n' app py_lines py_MB parse_MB/s seam_s seam_MB/s share peak_MiB
for target in flaskbb lemur zou changedetection-io _million; do
  dir=$corpus/$target
  lines=$(find "$dir" -name '*.py' -not -path '*/node_modules/*' -print0 | xargs -0 cat | wc -l)
  parse=$("$seam" parse-only "$dir")
  bytes=$(echo "$parse" | awk '{print $3}')
  parse_mbs=$(echo "$parse" | awk '{print $(NF-1)}')
  # Median of three wall times; peak RSS from the last run.
  times=()
  for _ in 1 2 3; do
    out=$( { /usr/bin/time -f '%e %M' "$seam" analyze "$dir" --format json -o /dev/null; } 2>&1 )
    times+=("$(echo "$out" | tail -1 | awk '{print $1}')")
    peak_kb=$(echo "$out" | tail -1 | awk '{print $2}')
  done
  secs=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
  awk -v t="$target" -v l="$lines" -v b="$bytes" -v p="$parse_mbs" -v s="$secs" -v k="$peak_kb" 'BEGIN {
    mb = b / 1e6; mbs = (s > 0) ? mb / s : 0;
    printf "%-22s %9d %8.1f %10.1f %9.2f %10.1f %8.0f%% %9.0f\n", t, l, mb, p, s, mbs, 100 * mbs / p, k / 1024 }'
done
