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
# Builds nothing: BUILD_DIR (default build/bench) must hold a Release bin/bench_sync, e.g.
#   cmake --preset bench && cmake --build --preset bench --target bench_sync
# Progress goes to stderr, the report to stdout. JOBPOOL_BENCH_TIMEOUT (seconds, default
# 180) bounds each case of each program, so that a hang costs one row, not the run.

set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
case_timeout=${JOBPOOL_BENCH_TIMEOUT:-180}
cases=(queue pipe lock_counter lock_uncontended)

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

say() { printf '%s\n' "$*" >&2; }

build_dir=$(cd -- "${1:-$root/build/bench}" 2>/dev/null && pwd) || {
    say "run-sync-bench: no build directory ${1:-$root/build/bench}"
    exit 1
}
bench=$build_dir/bin/bench_sync
anchor=$here/sync_anchor.py
if [[ ! -x $bench ]]; then
    say "run-sync-bench: no $bench (build the bench_sync target first)"
    exit 1
fi
commands=("timeout $case_timeout python3 $anchor --case CASE"
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
: >"$work/python.out"
: >"$work/jobpool.out"
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

echo "## Queue, Pipe and lock benchmark: Python multiprocessing vs JobPool"
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
echo "build dir: $build_dir"
echo "commands:"
for c in "${commands[@]}"; do
    echo "  $c"
done
echo "  (CASE in: ${cases[*]}; Python then JobPool, one case at a time, nothing pinned)"
echo '```'
echo

# --- report -------------------------------------------------------------------------------
python3 - "$work/python.out" "$work/jobpool.out" <<'PY'
import sys


def parse(path):
    values, notes = {}, []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if line.startswith("case="):
                values[fields["case"]] = float(fields["value"])
            elif line.startswith("error case="):
                notes.append(line.rstrip("\n"))
    return values, notes


python, python_notes = parse(sys.argv[1])
jobpool, jobpool_notes = parse(sys.argv[2])

HIGHER, LOWER = "higher", "lower"

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
    ratio = None
    if p is not None and j is not None and p > 0 and j > 0:
        ratio = j / p if better == HIGHER else p / j
    result = "ERROR" if j is None else ("PASS" if verdict(j, ratio) else "MISS")
    misses += result != "PASS"
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
      "time: Python / JobPool).")
if python_notes or jobpool_notes:
    print()
    print("```")
    for note in python_notes:
        print("python   " + note)
    for note in jobpool_notes:
        print("jobpool  " + note)
    print("```")
print()
print(f"{len(rows) - misses} of {len(rows)} targets met.")
PY
