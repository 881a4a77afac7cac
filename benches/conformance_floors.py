#!/usr/bin/env python3
"""Print FLOORS for tests/conformance.rs from `benches/conformance.sh` output on stdin: each app below
the bar is held at what it measures now (floored to 3 decimals). Paste the output over FLOORS."""
import re, sys, math
BAR = [0.97, 0.95, 0.97, 0.98, 0.95, 0.98, 0.95]
out = []
lines = {}
for line in sys.stdin:
    m = re.match(r'^(\S+)\s+route recall', line)
    # The suite holds an app to its figures with exclusions, where it has some.
    if m and ('(with exclusions)' in line or m.group(1) not in lines):
        lines[m.group(1)] = line
for line in lines.values():
    m = re.match(r'^(\S+)\s+route recall', line)
    if not m:
        continue
    vals = [int(h) / int(o) if int(o) else 1.0 for h, o in re.findall(r' \d\.\d{3} \((\d+)/(\d+)\)', line)]
    if len(vals) != 7:
        continue
    if all(v >= b for v, b in zip(vals, BAR)):
        continue
    floors = [min(b, math.floor(v * 1000) / 1000) for v, b in zip(vals, BAR)]
    out.append('    ("%s", [%s]),' % (m.group(1), ', '.join('%.3f' % f for f in floors)))
print('const FLOORS: &[(&str, [f64; 7])] = &[\n' + '\n'.join(out) + '\n];')
