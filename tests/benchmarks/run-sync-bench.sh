#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Queue, Pipe and lock benchmark (issue #4): Python's multiprocessing (sync_anchor.py) and
# JobPool (bench_sync) on the same machine in the same run, case by case, then one table:
# case, Python, JobPool, ratio, target, PASS/MISS. The output is meant to be pasted into
# docs/BENCHMARKS.md as it is.
#
#   tests/benchmarks/run-sync-bench.sh [BUILD_DIR]
#
# Without BUILD_DIR, configures and builds the bench preset (build/bench) first. Progress
# goes to stderr, the report to stdout. JOBPOOL_BENCH_TIMEOUT (seconds, default
# 180) bounds each case of each program, so that a hang costs one row, not the run.

set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
script=run-sync-bench
case_timeout=${JOBPOOL_BENCH_TIMEOUT:-180}
cases=(queue pipe lock_counter lock_uncontended)

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
# shellcheck source=common.sh
. "$here/common.sh"

bench_program bench_sync "${1:-}"
bench=$build_dir/bin/bench_sync
anchor=$here/sync_anchor.py
commands+=("timeout $case_timeout python3 $anchor --case CASE"
           "timeout $case_timeout $bench --case CASE")

run_both "$anchor" "$bench" "${cases[@]}"
bench_header "Queue, Pipe and lock benchmark: Python multiprocessing vs JobPool" "${cases[*]}"

# --- report -------------------------------------------------------------------------------
python3 -B - "$here" "$work/python.out" "$work/jobpool.out" <<'PY'
import sys

sys.path.insert(0, sys.argv[1])
from benchreport import HIGHER, LOWER, parse, print_notes, print_table, ratio  # noqa: E402

python, python_notes = parse(sys.argv[2], notes_from=("error case=",))
jobpool, jobpool_notes = parse(sys.argv[3], notes_from=("error case=",))

# label, key, format, better, target text, verdict(ours, ratio)
rows = [
    ("Queue<int>, producer → consumer process, 2M items (items/s)", "queue",
     lambda v: f"{v:,.0f}", HIGHER, "≥ 10× Python", lambda v, r: r is not None and r >= 10),
    ("Pipe<int>, one way between two processes, 2M items (items/s)", "pipe",
     lambda v: f"{v:,.0f}", HIGHER, "≥ 10× Python", lambda v, r: r is not None and r >= 10),
    ("Lock counter, 4 processes × 100,000 (s)", "lock_counter",
     lambda v: f"{v:.3f}", LOWER, "≥ 5× Python", lambda v, r: r is not None and r >= 5),
    ("Lock acquire + release, uncontended (ns)", "lock_uncontended",
     lambda v: f"{v:.1f}", LOWER, "≤ 50 ns", lambda v, r: v <= 50),
]

table = [("case", "Python", "JobPool", "ratio", "target", "result")]
misses = 0
for label, key, fmt, better, target, verdict in rows:
    p, j = python.get(key), jobpool.get(key)
    r = ratio(p, j, better)
    result = "ERROR" if j is None else ("PASS" if verdict(j, r) else "MISS")
    misses += result != "PASS"
    table.append((label,
                  fmt(p) if p is not None else "—",
                  fmt(j) if j is not None else "—",
                  f"{r:.2f}×" if r is not None else "—",
                  target, result))

print_table(table, right={1, 2, 3})
print()
print("Ratio: how many times better JobPool is (throughput: JobPool / Python; "
      "time: Python / JobPool).")
print_notes(python_notes, jobpool_notes)
print()
print(f"{len(rows) - misses} of {len(rows)} targets met.")
PY
