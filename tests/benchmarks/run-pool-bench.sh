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
case_timeout=${JOBPOOL_BENCH_TIMEOUT:-120}
cases=(map1m apply_async apply_rtt echo64m start fib rss array256 lock_counter)

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

say() { printf '%s\n' "$*" >&2; }

# --- build --------------------------------------------------------------------------------
commands=()
# step COMMAND...: runs one build step in the source tree, its output kept out of the report.
step() {
    commands+=("(cd $root && $*)")
    say "building: $*"
    if ! (cd -- "$root" && "$@") >"$work/build.log" 2>&1; then
        tail -n 40 "$work/build.log" >&2
        say "run-pool-bench: '$*' failed"
        exit 1
    fi
}
if [[ $# -ge 1 ]]; then
    build_dir=$(cd -- "$1" && pwd)
else
    build_dir=$root/build/bench
    step cmake --preset bench -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
    step cmake --build --preset bench --target bench_pool
fi
bench=$build_dir/bin/bench_pool
anchor=$here/pool_anchor.py
if [[ ! -x $bench ]]; then
    say "run-pool-bench: no $bench (build the bench_pool target first)"
    exit 1
fi
commands+=("timeout $case_timeout python3 $anchor --case CASE"
           "timeout $case_timeout $bench --case CASE")

# --- run ----------------------------------------------------------------------------------
# run_case OUT CASE COMMAND...: appends the program's lines to OUT; a timeout or a crash
# becomes an `error` line so that the table can say what happened.
run_case() {
    local out=$1 name=$2 status=0
    shift 2
    timeout "$case_timeout" "$@" --case "$name" >"$work/case.out" 2>"$work/case.err" || status=$?
    cat "$work/case.out" >>"$out"
    if ((status == 124)); then
        echo "error case=$name message=timed out after ${case_timeout}s" >>"$out"
    elif ((status != 0)) && ! grep -q "^error case=$name" "$work/case.out"; then
        echo "error case=$name message=exit status $status: $(tail -n 1 "$work/case.err")" >>"$out"
    fi
}

started=$SECONDS
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for name in "${cases[@]}"; do
    say "running $name: Python"
    run_case "$work/python.out" "$name" python3 "$anchor"
    say "running $name: JobPool"
    run_case "$work/jobpool.out" "$name" "$bench"
done

# --- machine ------------------------------------------------------------------------------
cache=$build_dir/CMakeCache.txt
cache_value() { { sed -n "s/^$1:[A-Z]*=//p" "$cache" 2>/dev/null || true; } | head -n 1; }
cxx=$(cache_value CMAKE_CXX_COMPILER)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$root" status --porcelain 2>/dev/null) ]]; then
    commit+=" (with uncommitted changes)"
fi

echo "## Pool benchmark: Python multiprocessing vs JobPool (2 workers each)"
echo
echo '```'
echo "date:      $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "commit:    $commit"
echo "machine:   $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "memory:    $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "kernel:    $(uname -srm)"
echo "load avg:  $load_before before the run (1, 5, 15 min); the run took $((SECONDS - started)) s"
echo "python:    $(python3 -c 'import platform; print(platform.python_implementation(), platform.python_version())')"
echo "compiler:  $( [[ -n $cxx ]] && "$cxx" --version | head -n 1 || echo unknown), $(cache_value CMAKE_BUILD_TYPE)"
echo "qt:        $(sed -n 's/^info jobpool=.* qt=\([^ ]*\).*/\1/p' "$work/jobpool.out" | head -n 1)"
echo "commands:"
for c in "${commands[@]}"; do
    echo "  $c"
done
echo "  (CASE in: ${cases[*]}; Python then JobPool, one case at a time, nothing pinned)"
echo '```'
echo

# --- report -------------------------------------------------------------------------------
python3 - "$work/python.out" "$work/jobpool.out" <<'EOF'
import sys


def parse(path):
    values, notes = {}, []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if line.startswith("case="):
                values[fields["case"]] = float(fields["value"])
            elif line.startswith(("info case=", "error case=")):
                notes.append(line.rstrip("\n"))
    return values, notes


python, python_notes = parse(sys.argv[1])
jobpool, jobpool_notes = parse(sys.argv[2])

HIGHER, LOWER = "higher", "lower"


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
    ratio = None
    if p is not None and j is not None and pkey != "rss_growth" and p > 0 and j > 0:
        ratio = j / p if better == HIGHER else p / j
    if verdict is None:
        result = "info"
    elif j is None:
        result = "ERROR"
    else:
        result = "PASS" if verdict(j, ratio) else "MISS"
    misses += result in ("MISS", "ERROR")
    table.append((label,
                  fmt(p) if p is not None else "—",
                  fmt(j) if j is not None else "—",
                  f"{ratio:.2f}×" if ratio is not None else "—",
                  target, result))

widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
right = {1, 2, 3}


def line(row):
    cells = [c.rjust(w) if i in right else c.ljust(w)
             for i, (c, w) in enumerate(zip(row, widths))]
    return "| " + " | ".join(cells) + " |"


print(line(table[0]))
print("|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2))
                     for i, w in enumerate(widths)) + "|")
for row in table[1:]:
    print(line(row))
print()
print("Ratio: how many times better JobPool is (throughput: JobPool / Python; "
      "latency and time: Python / JobPool). GB = 10^9 bytes.")
if python_notes or jobpool_notes:
    print()
    print("```")
    for note in python_notes:
        print("python   " + note)
    for note in jobpool_notes:
        print("jobpool  " + note)
    print("```")
print()
print(f"{len(rows) - 1 - misses} of {len(rows) - 1} targets met.")
EOF
