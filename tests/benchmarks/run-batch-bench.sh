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
# Without BUILD_DIR, configures and builds the bench preset (build/bench) first. The small
# cases run in JOBPOOL_BENCH_REPEATS interleaved rounds (default 3); each keeps its best
# rate and its least CPU time per job (user + system of everything it started), the figure
# a machine busy with other work distorts least.

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

# measure COMMAND...: runs it, prints its wall time and the CPU time of everything it
# started (user + system of the waited-for descendants), both in seconds.
measure() {
    python3 - "$@" 2>"$work/stderr" <<'PY' || { say "failed: $*"; tail -n 5 "$work/stderr" >&2; exit 1; }
import resource, subprocess, sys, time
t0 = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.4f} {ru.ru_utime + ru.ru_stime:.4f}")
PY
}

run_anchor() { measure "$anchor" "$small" 2 "$true_bin"; }
run_bare() { measure "$anchor" --bare "$small" 2 "$true_bin"; }
run_xargs() { measure sh -c "seq $small | xargs -P2 -n1 $true_bin"; }
run_parallel() { measure sh -c "seq $small | parallel -j2 $true_bin"; }
run_jobpool() {
    rm -rf "$work/store"
    measure sh -c "seq $small | '$jobpool' run -j2 --no-progress --db '$work/store/jobs.sqlite' $true_bin"
}

cases=(anchor bare xargs jobpool)
command -v parallel >/dev/null && cases+=(parallel)
declare -A rate=() cpu=() round_rate=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Rounds, each case once per round, so that a busy moment of the machine hits all of them;
# per case the best rate and the least CPU time per job.
for ((round = 1; round <= repeats; round++)); do
    for name in "${cases[@]}"; do
        read -r wall used <<<"$("run_$name")"
        [[ -n $wall ]] || exit 1
        r=$(awk -v n="$small" -v s="$wall" 'BEGIN { printf "%.0f", n / s }')
        c=$(awk -v n="$small" -v u="$used" 'BEGIN { printf "%.0f", u / n * 1e6 }')
        say "  round $round, $name: $r jobs/s, $c µs CPU per job"
        round_rate[$name,$round]=$r
        ((r > ${rate[$name]:-0})) && rate[$name]=$r
        ((${cpu[$name]:-0} == 0 || c < ${cpu[$name]:-0})) && cpu[$name]=$c
    done
done
anchor_rate=${rate[anchor]}
bare_rate=${rate[bare]}
xargs_rate=${rate[xargs]}
parallel_rate=${rate[parallel]:-}
jobpool_rate=${rate[jobpool]}

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
# verdict A B TARGET: whether A / B reaches TARGET, from the rates themselves (a ratio
# printed as 0.80 may be 0.7986).
verdict() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { if (b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"; else print (a / b >= t + 0) ? "PASS" : "MISS" }'; }
steady=$(awk -v a="$large_rate" -v b="$jobpool_rate" 'BEGIN { printf "%.1f", (a / b - 1) * 100 }')

cat <<EOF
## Batch benchmark: \`jobpool run -j2 /bin/true\` (store and logs included)

\`\`\`
date:      $(date -u '+%Y-%m-%d %H:%M UTC')
commit:    $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
machine:   $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)
load avg:  $load_before before the run (1, 5, 15 min)
parallel:  $(command -v parallel >/dev/null && parallel --version | head -n 1 || echo "not installed")
commands ($repeats interleaved rounds; best rate, least CPU per job):
  $anchor $small 2 $true_bin          (each run gets its number: \`$true_bin 17\`)
  $anchor --bare $small 2 $true_bin   (no argument: the anchor first measured for issue #5)
  seq $small | xargs -P2 -n1 $true_bin
  seq $small | parallel -j2 $true_bin
  seq $small | $jobpool run -j2 --no-progress --db STORE $true_bin
  seq $large | $jobpool run -j2 --no-progress --db STORE $true_bin   (once, peak RSS of descendants)
\`\`\`

| case | jobs/s | CPU µs/job | JobPool's ratio | target | result |
|---|---:|---:|---:|---|---|
| C posix_spawn loop, 2 at a time, \`true N\` | $anchor_rate | ${cpu[anchor]} | $(ratio "$jobpool_rate" "$anchor_rate") | ≥ 0.80 | $(verdict "$jobpool_rate" "$anchor_rate" 0.80) |
| the same loop, bare \`true\` (reference) | $bare_rate | ${cpu[bare]} | $(ratio "$jobpool_rate" "$bare_rate") | — | — |
| xargs -P2 | $xargs_rate | ${cpu[xargs]} | $(ratio "$jobpool_rate" "$xargs_rate") | ≥ 1.00 | $(verdict "$jobpool_rate" "$xargs_rate" 1.00) |
| GNU parallel -j2 | ${parallel_rate:-n/a} | ${cpu[parallel]:-n/a} | $(ratio "$jobpool_rate" "${parallel_rate:-0}") | ≥ 5.00 | $(verdict "$jobpool_rate" "${parallel_rate:-0}" 5.00) |
| jobpool run -j2, $small jobs | $jobpool_rate | ${cpu[jobpool]} | — | — | — |
| jobpool run -j2, $large jobs | $large_rate | — | ${steady}% vs $small | within ±10% | $(awk -v s="$steady" 'BEGIN { print (s >= -10) ? "PASS" : "MISS" }') |
| peak memory, $large jobs (MiB) | $large_peak | — | — | ≤ 150 | $(awk -v m="$large_peak" 'BEGIN { print (m <= 150) ? "PASS" : "MISS" }') |

Round by round, JobPool's rate over the C loop's and over xargs's in the same round:
$(for ((round = 1; round <= repeats; round++)); do
    printf '%s%s / %s' "$( ((round > 1)) && printf ', ')" \
        "$(awk -v a="${round_rate[jobpool,$round]}" -v b="${round_rate[anchor,$round]}" 'BEGIN { printf "%.3f", a / b }')" \
        "$(awk -v a="${round_rate[jobpool,$round]}" -v b="${round_rate[xargs,$round]}" 'BEGIN { printf "%.3f", a / b }')"
done).
EOF
