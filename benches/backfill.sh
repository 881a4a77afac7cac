#!/usr/bin/env bash
# Backfill benchmark: a history-shaped workload over a real application. Its sources (FlaskBB
# by default; APP=zou for a 100k-line one, from PyPI via ../shared/corpus) are committed, then
# N more commits each change one Python
# file (a function appended), as a busy team's history would; `seam track --last N` analyses
# them from the object database. Compared with N full analyses of the work tree, the price
# without the per-blob fact cache. Usage: benches/backfill.sh [N] [CORPUS_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-100}
corpus=${2:-${SEAM_CORPUS:-/tmp/seam-corpus}}
fetch=${SEAM_FETCH:-$here/../shared/corpus/fetch.sh}
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
seam=$here/target/release/seam
bash "$fetch" "$corpus" >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
app=${APP:-flaskbb}
cp -r "$corpus/$app" "$work/app"
cd "$work/app"
g() { git -c user.name=bench -c user.email=bench@example.com -c commit.gpgsign=false "$@"; }
g init -q -b main
g add -A && g commit -q -m base
mapfile -t files < <(git ls-files '*.py' | grep -v '^tests/' | head -50)
for i in $(seq 1 "$n"); do
  f=${files[$(( (i - 1) % ${#files[@]} ))]}
  printf '\n\ndef _bench_%d():\n    return %d\n' "$i" "$i" >> "$f"
  g commit -q -am "change $i"
done
lines=$(git ls-files '*.py' | xargs cat | wc -l)

start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$work/peak" "$seam" track . --last "$n" 2> "$work/track.log"
end=$(date +%s.%N)
backfill=$(echo "$end - $start" | bc)
peak=$(cat "$work/peak")

one=$( { /usr/bin/time -f '%e' "$seam" analyze . --format json -o /dev/null; } 2>&1 | tail -1)
echo "$app: $lines Python lines, $n commits"
grep -o '[0-9]* commits recorded.*' "$work/track.log" || cat "$work/track.log"
printf 'backfill: %.2f s (%.3f s per commit), peak %d MiB\n' "$backfill" "$(echo "$backfill / $n" | bc -l)" "$((peak / 1024))"
printf 'one full analysis: %s s; %d of them: %.1f s\n' "$one" "$n" "$(echo "$one * $n" | bc -l)"
