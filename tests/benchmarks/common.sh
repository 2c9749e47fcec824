# SPDX-License-Identifier: GPL-3.0-or-later
#
# What the benchmark scripts that set JobPool beside Python share (run-pool-bench.sh,
# run-sync-bench.sh, run-threadpool-bench.sh): finding or building the bench build, running
# every case of both programs under a timeout, and the header that says where, when and how
# the figures were taken. The report itself is each script's own, through benchreport.py.
#
# Source it after setting `root` (the source tree), `work` (a scratch folder), `script`
# (the script's name, for messages) and `case_timeout` (seconds per case and program).

say() { printf '%s\n' "$*" >&2; }

commands=() # what the header lists under "commands:"

# bench_step COMMAND...: one build step in the source tree, its output kept out of the
# report (and shown, with an exit, when it fails).
bench_step() {
    commands+=("(cd $root && $*)")
    say "building: $*"
    if ! (cd -- "$root" && "$@") >"$work/build.log" 2>&1; then
        tail -n 40 "$work/build.log" >&2
        say "$script: '$*' failed"
        exit 1
    fi
}

# bench_program TARGET [BUILD_DIR]: sets `build_dir` and checks that TARGET is built in
# it (bin/TARGET). Without BUILD_DIR, configures and builds the bench preset (build/bench)
# for TARGET first.
bench_program() {
    local target=$1
    if [[ -n ${2:-} ]]; then
        build_dir=$(cd -- "$2" 2>/dev/null && pwd) || {
            say "$script: no build directory $2"
            exit 1
        }
    else
        build_dir=$root/build/bench
        bench_step cmake --preset bench -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
        bench_step cmake --build --preset bench --target "$target"
    fi
    if [[ ! -x $build_dir/bin/$target ]]; then
        say "$script: no $build_dir/bin/$target (build the $target target first)"
        exit 1
    fi
}

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

# run_both ANCHOR BENCH CASE...: each case with Python's ANCHOR, then with JobPool's BENCH,
# one case at a time, into $work/python.out and $work/jobpool.out. Notes the load before
# and the start, for bench_header.
run_both() {
    local anchor=$1 bench=$2 name
    shift 2
    started=$SECONDS
    load_before=$(cut -d' ' -f1-3 /proc/loadavg)
    : >"$work/python.out"
    : >"$work/jobpool.out"
    for name in "$@"; do
        say "running $name: Python"
        run_case "$work/python.out" "$name" python3 "$anchor"
        say "running $name: JobPool"
        run_case "$work/jobpool.out" "$name" "$bench"
    done
}

# bench_header TITLE CASE...: the report's heading and the fenced block of facts about the
# run (after run_both).
bench_header() {
    local title=$1 cache=$build_dir/CMakeCache.txt cxx commit c
    shift
    cache_value() { { sed -n "s/^$1:[A-Z]*=//p" "$cache" 2>/dev/null || true; } | head -n 1; }
    cxx=$(cache_value CMAKE_CXX_COMPILER)
    commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [[ -n $(git -C "$root" status --porcelain 2>/dev/null) ]]; then
        commit+=" (with uncommitted changes)"
    fi
    echo "## $title"
    echo
    echo '```'
    echo "date:      $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "commit:    $commit"
    echo "machine:   $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    echo "memory:    $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "kernel:    $(uname -srm)"
    echo "load avg:  $load_before before the run (1, 5, 15 min); the run took $((SECONDS - started)) s"
    echo "python:    $(python3 -c 'import platform; print(platform.python_implementation(), platform.python_version())')"
    echo "compiler:  $([[ -n $cxx ]] && "$cxx" --version | head -n 1 || echo unknown), $(cache_value CMAKE_BUILD_TYPE)"
    echo "qt:        $(sed -n 's/^info jobpool=.* qt=\([^ ]*\).*/\1/p' "$work/jobpool.out" | head -n 1)"
    echo "build dir: $build_dir"
    echo "commands:"
    for c in "${commands[@]}"; do
        echo "  $c"
    done
    echo "  (CASE in: $*; Python then JobPool, one case at a time, nothing pinned)"
    echo '```'
    echo
}
