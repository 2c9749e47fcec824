#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Pool benchmark (issue #3): Python's multiprocessing (pool_anchor.py) and JobPool
# (bench_pool) on the same machine in the same run, 2 workers each, case by case, then one
# table: case, Python, JobPool, ratio, target, PASS/MISS. The output is meant to be pasted
# into docs/BENCHMARKS.md as it is.
#
#   tests/benchmarks/run-pool-bench.sh [BUILD_DIR]
#
# Without BUILD_DIR, configures and builds the bench preset (build/bench) first. Progress
# goes to stderr, the report to stdout. JOBPOOL_BENCH_TIMEOUT (seconds, default 120)
# bounds each case of each program, so that a hang costs one row, not the run.

set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
script=run-pool-bench
case_timeout=${JOBPOOL_BENCH_TIMEOUT:-120}
cases=(map1m apply_async apply_rtt echo64m start fib rss array256 lock_counter)

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
# shellcheck source=common.sh
. "$here/common.sh"

bench_program bench_pool "${1:-}"
bench=$build_dir/bin/bench_pool
anchor=$here/pool_anchor.py
commands+=("timeout $case_timeout python3 $anchor --case CASE"
           "timeout $case_timeout $bench --case CASE")

run_both "$anchor" "$bench" "${cases[@]}"
bench_header "Pool benchmark: Python multiprocessing vs JobPool (2 workers each)" "${cases[*]}"

# --- report -------------------------------------------------------------------------------
python3 -B - "$here" "$work/python.out" "$work/jobpool.out" <<'EOF'
import sys

sys.path.insert(0, sys.argv[1])
from benchreport import HIGHER, LOWER, parse, print_notes, print_table, ratio  # noqa: E402

python, python_notes = parse(sys.argv[2])
jobpool, jobpool_notes = parse(sys.argv[3])


def fmt_rate(v):
    return f"{v:,.0f}"


def fmt1(v):
    return f"{v:.1f}"


def fmt2(v):
    return f"{v:.2f}"


def fmt3(v):
    return f"{v:.3f}"


# label, python key, jobpool key, format, better, target text, verdict(ours, ratio)
rows = [
    ("map 1M x*x, auto chunks (tasks/s)", "map1m", "map1m", fmt_rate, HIGHER,
     "≥ 5× Python", lambda v, r: r is not None and r >= 5),
    ("applyAsync 200k + wait (tasks/s)", "apply_async", "apply_async", fmt_rate, HIGHER,
     "≥ 20× Python, ≥ 400k/s", lambda v, r: r is not None and r >= 20 and v >= 400_000),
    ("apply round trip, median (µs)", "apply_rtt_median", "apply_rtt_median", fmt1, LOWER,
     "≤ 20 µs", lambda v, r: v <= 20),
    ("apply round trip, p99 (µs)", "apply_rtt_p99", "apply_rtt_p99", fmt1, LOWER,
     "≤ 100 µs", lambda v, r: v <= 100),
    ("64 MiB echo, best of 5 (GB/s)", "echo64m", "echo64m", fmt3, HIGHER,
     "≥ 10× Python", lambda v, r: r is not None and r >= 10),
    ("Pool(2) to first result (ms), Python fork", "start", "start", fmt1, LOWER,
     "≤ 10 ms", lambda v, r: v <= 10),
    ("Pool(2) to first result (ms), Python spawn", "start_spawn", "start", fmt1, LOWER,
     "—", None),
    ("16 × fib(32) speed-up on 2 workers (×)", "fib_speedup", "fib_speedup", fmt2, HIGHER,
     "≥ 1.9×", lambda v, r: v >= 1.9),
    ("RSS growth, 10 × map 100k (MiB)", "rss_growth", "rss_growth", fmt1, LOWER,
     "≤ 5 MiB", lambda v, r: v <= 5),
    ("Array<double> 256 MiB filled by a worker (× memcpy time)", "array256", "array256", fmt2,
     LOWER, "≤ 2× memcpy", lambda v, r: v <= 2),
    ("Lock counter, 4 processes × 100,000 (s)", "lock_counter", "lock_counter", fmt3, LOWER,
     "≥ 5× Python", lambda v, r: r is not None and r >= 5),
]

table = [("case", "Python", "JobPool", "ratio", "target", "result")]
misses = 0
for label, pkey, jkey, fmt, better, target, verdict in rows:
    p, j = python.get(pkey), jobpool.get(jkey)
    r = ratio(p, j, better) if pkey != "rss_growth" else None
    if verdict is None:
        result = "info"
    elif j is None:
        result = "ERROR"
    else:
        result = "PASS" if verdict(j, r) else "MISS"
    misses += result in ("MISS", "ERROR")
    table.append((label,
                  fmt(p) if p is not None else "—",
                  fmt(j) if j is not None else "—",
                  f"{r:.2f}×" if r is not None else "—",
                  target, result))

print_table(table, right={1, 2, 3})
print()
print("Ratio: how many times better JobPool is (throughput: JobPool / Python; "
      "latency and time: Python / JobPool). GB = 10^9 bytes.")
print_notes(python_notes, jobpool_notes)
print()
print(f"{len(rows) - 1 - misses} of {len(rows) - 1} targets met.")
EOF
