#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Desktop app responsiveness (issue #6): the real MainWindow, offscreen, over a real
# BatchSession with jobpool-worker processes — 10,000 files dropped on it, the GUI
# thread's stalls under 100,000 queued tiny jobs on 2 workers, its memory, and the charts'
# CPU cost at their refresh rate. Prints a markdown table meant for docs/BENCHMARKS.md.
#
#   tests/benchmarks/run-gui-bench.sh [--strict] [BUILD_DIR] [--files N] [--jobs N]
#                                     [--seconds N] [--idle-seconds N]
#
# Without BUILD_DIR, configures and builds the bench preset (build/bench) first. Exits
# non-zero on a missed target only with --strict (a build or run failure always does).

set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
say() { printf '%s\n' "$*" >&2; }

build_dir=
bench_args=()
while [[ $# -gt 0 ]]; do
    case $1 in
    --strict) bench_args+=("$1") ;;
    --files | --jobs | --seconds | --idle-seconds)
        [[ $# -ge 2 ]] || { say "run-gui-bench: $1 needs a value"; exit 2; }
        bench_args+=("$1" "$2")
        shift
        ;;
    -*) say "run-gui-bench: unknown option $1"; exit 2 ;;
    *) build_dir=$(cd -- "$1" && pwd) ;;
    esac
    shift
done

if [[ -z $build_dir ]]; then
    build_dir=$root/build/bench
    say "building: cmake --preset bench; cmake --build --preset bench --target bench_gui jobpool-worker"
    (cd "$root" && cmake --preset bench -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null &&
        cmake --build --preset bench --target bench_gui jobpool-worker >/dev/null)
fi
bench=$build_dir/bin/bench_gui
worker=$build_dir/bin/jobpool-worker
for program in "$bench" "$worker"; do
    [[ -x $program ]] || { say "run-gui-bench: no $program"; exit 1; }
done

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)
out=$(mktemp)
trap 'rm -f -- "$out"' EXIT
status=0
QT_QPA_PLATFORM=offscreen "$bench" --worker "$worker" "${bench_args[@]}" >"$out" || status=$?
# 1: a target missed under --strict, the table is still worth printing; anything else: failed.
if [[ $status -ne 0 && $status -ne 1 ]]; then
    say "run-gui-bench: bench_gui failed ($status)"
    cat "$out" >&2
    exit "$status"
fi

cat <<EOF
## Desktop app responsiveness: MainWindow + BatchSession, offscreen

\`\`\`
date:      $(date -u '+%Y-%m-%d %H:%M UTC')
commit:    $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$root" && git diff --quiet HEAD -- 2>/dev/null || echo " (with uncommitted changes)")
machine:   $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)
load avg:  $load_before before the run (1, 5, 15 min); the run took $(($(date +%s) - started)) s
command:   QT_QPA_PLATFORM=offscreen $bench --worker $worker${bench_args[*]:+ ${bench_args[*]}}
\`\`\`

EOF
cat "$out"
exit "$status"
