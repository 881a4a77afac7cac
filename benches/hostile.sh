#!/usr/bin/env bash
# The hostile-input sweep of issue 15, re-runnable: each defect's input is generated here (never
# committed), seam runs on it, and one table row says what happened (exit code, wall time, peak
# RSS, the count that shows the input was read). Then every hand-made hostile seed of the fuzz
# corpus (fuzz/seed.sh), each alone in a repository: none may end in a panic or a signal.
#
# Usage: benches/hostile.sh [SEAM_BINARY]   (default target/release/seam)
# Prints a Markdown table on stdout. Timings are for reading, never for asserting (the tests
# in tests/hostile_input.rs assert the same cases by counts).
set -uo pipefail
cd "$(dirname "$0")/.."
seam=$(realpath "${1:-target/release/seam}")
work=$(mktemp -d)
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT

# `measure DIR ARGS...`: runs seam, sets $rc, $secs, $mb and leaves stdout in $work/out.
measure() {
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err"
  rc=$?
  # The figures are the last line: `time` writes one of its own before them when the command
  # exits non-zero or is killed by a signal.
  read -r secs kib < <(tail -1 "$work/time") || true
  [[ $kib =~ ^[0-9]+$ ]] || { secs=?; kib=0; }
  mb=$((kib * 1024 / 1000 / 1000))
}
json_count() { python3 -c "import json,sys; v=json.load(open('$work/out')); print($1)" 2>/dev/null || echo "?"; }
row() { printf '| %s | %s | %s | %s s | %s MB | %s |\n' "$1" "$2" "$rc" "$secs" "$mb" "$3"; }

echo "| defect | input | exit | time | peak RSS | what shows it was read |"
echo "|---|---|---|---|---|---|"

one=$work/one && mkdir -p "$one" && printf 'x = 1\n' >"$one/a.py"
for t in 2 1000 5000 100000; do
  measure "$seam" analyze "$one" --threads "$t" --format json
  row D1 "--threads $t, one file" "$(head -c 90 "$work/err" | tr '\n' ' ')"
done

ping='from flask import Flask\napp = Flask(__name__)\n\n@app.route("/ping")\ndef ping():\n    return "pong"\n'
d2=$work/d2 && mkdir -p "$d2" && printf "$ping" >"$d2/app.py" && chmod 755 "$work" "$d2"
if [ "$(id -u)" = 0 ]; then
  wrap=(setpriv --reuid=65534 --regid=65534 --clear-groups prlimit --nproc=1)
else
  wrap=(prlimit --nproc=1)
fi
measure "${wrap[@]}" "$seam" analyze "$d2" --threads 2 --format json --no-cache
row D2 "no thread can be spawned (nproc=1)" "routes $(json_count "len(v['routes'])"); $(grep -o 'running on one thread' "$work/err" | head -1)"

for n in 5000 10000 20000 40000; do
  d=$work/d3_$n && mkdir -p "$d"
  python3 - "$n" >"$d/schema.sql" <<'EOF'
import sys
n = int(sys.argv[1])
print("CREATE TABLE t0 (id integer PRIMARY KEY, org_id integer);")
for i in range(1, n):
    print(f"CREATE TABLE t{i} (id integer PRIMARY KEY, parent_id integer REFERENCES t{i-1}(id), org_id integer);")
EOF
  measure "$seam" analyze "$d" --format json --no-cache
  row D3 "$n FK-linked tables ($(($(stat -c %s "$d/schema.sql") / 1000)) kB)" "tables $(json_count "v['summary']['tables']")"
done

d=$work/d4a && mkdir -p "$d"
python3 -c "
n=(5*1024*1024-200)//2
open('$d/app.py','w').write('from flask import Flask\napp = Flask(__name__)\nDATA = ['+'1,'*n+']\n\n@app.route(\"/ping\")\ndef ping():\n    return \"pong\"\n')"
measure "$seam" analyze "$d" --format json --no-cache
row D4 "5 MiB literal x=[1,1,...]" "routes $(json_count "len(v['routes'])")"
d=$work/d4b && mkdir -p "$d"
for i in 1 2 3 4 5 6 7 8; do cp "$work/d4a/app.py" "$d/app$i.py"; done
measure "$seam" analyze "$d" --format json --no-cache
row D4 "8 files of a 5 MiB literal, 2 threads" "routes $(json_count "len(v['routes'])")"
d=$work/d4c && mkdir -p "$d"
python3 -c "open('$d/q.sql','w').write(' UNION ALL '.join(['SELECT 1']*99000)+';\n')"
measure "$seam" analyze "$d" --format json --no-cache
row D4 "99,000 UNION ALL SELECT 1" "$(json_count "[x['message'][:60] for x in v['diagnostics']][0]")"

d=$work/d5 && mkdir -p "$d" && printf "$ping" | tr '\n' '\r' >"$d/app.py"
measure "$seam" analyze "$d" --format json --no-cache
row D5 'lone \r line endings' "routes $(json_count "len(v['routes'])"), route line $(json_count "[n['line'] for n in v['nodes'] if n['kind']=='route'][0]")"

d=$work/d6 && mkdir -p "$d" && printf 'def broken(:\n    pass\n' >"$d/$(printf 'x\033[2J\nFAKE.py:1: error: forged\n.py')"
measure "$seam" analyze "$d" --no-cache
row D6 "file name with ESC and a forged error line" "ESC bytes in stdout: $(tr -cd '\033' <"$work/out" | wc -c); lines starting FAKE.py: $(grep -c '^FAKE.py' "$work/out")"

d=$work/d7 && mkdir -p "$d"
printf "$ping" >"$d/$(printf 'a\xff.py')" && printf "$ping" | sed 's/ping/pong/g' >"$d/$(printf 'a\xfe.py')"
measure "$seam" analyze "$d" --format json --no-cache
row D7 'files a\xff.py and a\xfe.py' "python files $(json_count "v['summary']['python_files']"), modules $(json_count "sorted(n['id'] for n in v['nodes'] if n['kind']=='module')")"

d=$work/unreadable && mkdir -p "$d" && printf "$ping" >"$d/app.py" && chmod 000 "$d"
if [ "$(id -u)" = 0 ]; then
  measure setpriv --reuid=65534 --regid=65534 --clear-groups "$seam" analyze "$d" --no-cache
else
  measure "$seam" analyze "$d" --no-cache
fi
chmod 755 "$d"
row minor "unreadable root folder" "$(head -c 80 "$work/err" | tr '\n' ' ')"

d=$work/venv_pkg && mkdir -p "$d/venv" "$d/build/lib" && : >"$d/venv/__init__.py"
printf "$ping" >"$d/venv/app.py" && printf "$ping" >"$d/build/lib/copy.py"
measure "$seam" analyze "$d" --format json --no-cache
row minor "venv/ as a package, build/ not" "python files $(json_count "v['summary']['python_files']"), info on build: $(json_count "[x['file'] for x in v['diagnostics'] if x['severity']=='info']")"

d=$work/coding && mkdir -p "$d"
printf '# -*- coding: cp1252 -*-\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.route("/caf\xe9")\ndef cafe():\n    return ""\n' >"$d/cp.py"
printf 'from flask import Flask\napp = Flask(__name__)\n# \xe9\n@app.route("/na\xc3\xafve")\ndef naive():\n    return ""\n' >"$d/stray.py"
measure "$seam" analyze "$d" --format json --no-cache
row minor "PEP 263 cp1252; one stray byte in UTF-8" "routes $(json_count "sorted(r['path'] for r in v['routes'])")"

d=$work/bidi && mkdir -p "$d" && printf "$ping" | sed "s|/ping|/pay/$(printf '\u202e')gnp.exe|" >"$d/app.py"
measure "$seam" report "$d" -o "$work/bidi.html" --no-cache
row minor "route path with U+202E, HTML report" "raw U+202E in page: $(grep -c "$(printf '\u202e')" "$work/bidi.html")"

d=$work/typeless && mkdir -p "$d"
printf 'CREATE TABLE parent(id INTEGER PRIMARY KEY, name);\nCREATE TABLE child(x, parent_id REFERENCES parent(id));\n' >"$d/s.sql"
measure "$seam" analyze "$d" --format json --no-cache
row minor "SQLite typeless columns" "tables $(json_count "v['summary']['tables']"), diagnostics $(json_count "len(v['diagnostics'])")"

# The fuzz seeds: every hand-made hostile input, alone in a repository of its own.
if [ -d fuzz ]; then
  bash fuzz/seed.sh >/dev/null 2>&1
  total=0 crashed=0 slowest=0 worst_mb=0
  for f in fuzz/corpus/python/* fuzz/corpus/sql/*; do
    case $(basename "$f") in fixture_*) continue ;; esac
    [ -f "$f" ] || continue
    d=$work/seed && rm -rf "$d" && mkdir -p "$d"
    case $f in */python/*) cp "$f" "$d/seed.py" ;; *) cp "$f" "$d/seed.sql" ;; esac
    measure "$seam" analyze "$d" --format json --no-cache
    total=$((total + 1))
    if [ "$rc" -gt 1 ]; then crashed=$((crashed + 1)); echo "seed $f: exit $rc" >&2; fi
    if python3 -c "import sys; sys.exit(0 if float('$secs') > float('$slowest') else 1)" 2>/dev/null; then slowest=$secs; fi
    [ "$mb" -gt "$worst_mb" ] && worst_mb=$mb
  done
  rc="$crashed of $total above 1"
  secs="max $slowest"
  mb="max $worst_mb"
  row seeds "every hand-made Python and SQL fuzz seed, each alone" "$total inputs"
fi
