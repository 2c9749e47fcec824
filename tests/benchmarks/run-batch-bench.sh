#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Batch benchmark (issue #5): `jobpool run -j2 /bin/true` over 2,000 inputs — job store and
# log files included — beside a bare C posix_spawn loop (spawn_anchor), `xargs -P2` and
# GNU parallel, in the same run on the same machine; then 100,000 jobs for memory and
# steadiness. Prints a markdown table meant for docs/BENCHMARKS.md.
#
#   tests/benchmarks/run-batch-bench.sh [BUILD_DIR]
#
# Without BUILD_DIR, configures and builds the bench preset (build/bench) first. Each
# small case runs JOBPOOL_BENCH_REPEATS times (default 3) and keeps the best.

set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
repeats=${JOBPOOL_BENCH_REPEATS:-3}
small=2000
large=${JOBPOOL_BENCH_LARGE:-100000}

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
say() { printf '%s\n' "$*" >&2; }

if [[ $# -ge 1 ]]; then
    build_dir=$(cd -- "$1" && pwd)
else
    build_dir=$root/build/bench
    say "building: cmake --preset bench; cmake --build --preset bench"
    (cd "$root" && cmake --preset bench -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null &&
        cmake --build --preset bench --target jobpool jobpool-worker spawn_anchor >/dev/null)
fi
jobpool=$build_dir/bin/jobpool
anchor=$build_dir/bin/spawn_anchor
for program in "$jobpool" "$anchor"; do
    [[ -x $program ]] || { say "run-batch-bench: no $program"; exit 1; }
done
true_bin=$(command -v true)
[[ $true_bin == /* ]] || true_bin=/bin/true

# seconds COMMAND...: runs it, prints the wall time in seconds.
seconds() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>"$work/stderr" || { say "failed: $*"; tail -n 5 "$work/stderr" >&2; exit 1; }
    t1=$(date +%s%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'
}
# best_rate NAME N COMMAND...: jobs/s of the best of $repeats runs.
best_rate() {
    local name=$1 n=$2 best=0 s rate
    shift 2
    for ((i = 0; i < repeats; i++)); do
        s=$("$@")
        rate=$(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
        say "  $name: $rate jobs/s"
        ((rate > best)) && best=$rate
    done
    echo "$best"
}

run_anchor() { "$anchor" "$small" 2 "$true_bin" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p'; }
run_xargs() { seconds sh -c "seq $small | xargs -P2 -n1 $true_bin"; }
run_parallel() { seconds sh -c "seq $small | parallel -j2 $true_bin"; }
run_jobpool() {
    rm -rf "$work/store"
    seconds sh -c "seq $small | '$jobpool' run -j2 --no-progress --db '$work/store/jobs.sqlite' $true_bin"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "C posix_spawn loop"
anchor_rate=$(best_rate anchor "$small" run_anchor)
say "xargs -P2"
xargs_rate=$(best_rate xargs "$small" run_xargs)
parallel_rate=
if command -v parallel >/dev/null; then
    say "GNU parallel -j2"
    parallel_rate=$(best_rate parallel "$small" run_parallel)
fi
say "jobpool run -j2"
jobpool_rate=$(best_rate jobpool "$small" run_jobpool)

say "jobpool run -j2 over $large jobs (peak memory)"
rm -rf "$work/store"
large_out=$(python3 - "$jobpool" "$large" "$true_bin" "$work/store/jobs.sqlite" <<'PY'
import resource, subprocess, sys, time
jobpool, n, program, db = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
inputs = "".join(f"{i}\n" for i in range(1, n + 1)).encode()
t0 = time.perf_counter()
p = subprocess.run([jobpool, "run", "-j2", "--no-progress", "--db", db, program],
                   input=inputs, stdout=subprocess.DEVNULL)
seconds = time.perf_counter() - t0
# Of the waited-for descendants (jobpool, its workers, the commands), the largest peak:
# jobpool itself.
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{n / seconds:.0f} {peak_kib / 1024:.1f} {p.returncode}")
PY
)
read -r large_rate large_peak large_status <<<"$large_out"
[[ $large_status == 0 ]] || { say "the $large-job run failed ($large_status)"; exit 1; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "—" }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t) ? "PASS" : "MISS" }'; }
steady=$(awk -v a="$large_rate" -v b="$jobpool_rate" 'BEGIN { printf "%.1f", (a / b - 1) * 100 }')

cat <<EOF
## Batch benchmark: \`jobpool run -j2 /bin/true\` (store and logs included)

\`\`\`
date:      $(date -u '+%Y-%m-%d %H:%M UTC')
commit:    $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
machine:   $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)
load avg:  $load_before before the run (1, 5, 15 min)
parallel:  $(command -v parallel >/dev/null && parallel --version | head -n 1 || echo "not installed")
commands (best of $repeats):
  $anchor $small 2 $true_bin
  seq $small | xargs -P2 -n1 $true_bin
  seq $small | parallel -j2 $true_bin
  seq $small | $jobpool run -j2 --no-progress --db STORE $true_bin
  seq $large | $jobpool run -j2 --no-progress --db STORE $true_bin   (once, peak RSS of descendants)
\`\`\`

| case | jobs/s | JobPool's ratio | target | result |
|---|---:|---:|---|---|
| bare C posix_spawn loop, 2 at a time | $anchor_rate | $(ratio "$jobpool_rate" "$anchor_rate") | ≥ 0.80 | $(verdict "$(ratio "$jobpool_rate" "$anchor_rate")" 0.80) |
| xargs -P2 | $xargs_rate | $(ratio "$jobpool_rate" "$xargs_rate") | ≥ 1.00 | $(verdict "$(ratio "$jobpool_rate" "$xargs_rate")" 1.00) |
| GNU parallel -j2 | ${parallel_rate:-n/a} | $(ratio "$jobpool_rate" "${parallel_rate:-0}") | ≥ 5.00 | $(verdict "$(ratio "$jobpool_rate" "${parallel_rate:-0}")" 5.00) |
| jobpool run -j2, $small jobs | $jobpool_rate | — | — | — |
| jobpool run -j2, $large jobs | $large_rate | ${steady}% vs $small | within ±10% | $(awk -v s="$steady" 'BEGIN { print (s >= -10) ? "PASS" : "MISS" }') |
| peak memory, $large jobs (MiB) | $large_peak | — | ≤ 150 | $(awk -v m="$large_peak" 'BEGIN { print (m <= 150) ? "PASS" : "MISS" }') |
EOF
