#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# ThreadPool benchmark (issue #10): threads against processes, for work that waits and for
# work that computes, in one run on one machine. Four pools, the same worker count in each
# case: Python's multiprocessing.dummy.Pool (threads) and multiprocessing.Pool (processes,
# fork), run by the Python program at the end of this script, and JobPool's ThreadPool and
# Pool, run by bench_threadpool. Prints one markdown table, meant to be pasted into
# docs/BENCHMARKS.md as it is.
#
#   tests/benchmarks/run-threadpool-bench.sh [BUILD_DIR]
#
# Without BUILD_DIR, configures and builds the bench preset (build/bench) first. Progress
# goes to stderr, the report to stdout. JOBPOOL_BENCH_TIMEOUT (seconds, default 120)
# bounds each case of each program, so that a hang costs one row, not the run.
#
# The cases (the sizes are in bench_threadpool.cpp and in the Python below):
#   io     200 requests to a local server that answers each after 20 ms, 20 workers. The
#          server (a poll() loop; in Python, a process of its own) stands for a slow web
#          service or remote disk: a task spends its time blocked in recv(), using no CPU.
#   burst  the same 200 requests all at once: a pool of 200 workers made for them, the
#          requests, the pool gone (start-up and tear-down included).
#   cpu    200 tasks of ~5 ms of pure computation (xorshift, calibrated by each program on
#          this machine), 2 workers; and the same 200 one after another, for the speed-up.
#   start  a pool of 20 workers created, to its first result.

set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
script=run-threadpool-bench
case_timeout=${JOBPOOL_BENCH_TIMEOUT:-120}
cases=(io burst cpu start)

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
# shellcheck source=common.sh
. "$here/common.sh"

bench_program bench_threadpool "${1:-}"
bench=$build_dir/bin/bench_threadpool
if ! command -v python3 >/dev/null; then
    say "run-threadpool-bench: python3 is needed (for the Python anchors and the table)"
    exit 1
fi
anchor=$work/threadpool_anchor.py
sed -n '/^# --- BEGIN threadpool_anchor.py$/,/^# --- END threadpool_anchor.py$/p' \
    "${BASH_SOURCE[0]}" | sed '1d;$d' >"$anchor"
commands+=("timeout $case_timeout python3 threadpool_anchor.py --case CASE   (the Python at the end of $(basename -- "${BASH_SOURCE[0]}"))"
           "timeout $case_timeout $bench --case CASE")

run_both "$anchor" "$bench" "${cases[@]}"
bench_header "ThreadPool benchmark: threads vs processes, in Python and in JobPool" "${cases[*]}"

python3 -B - "$here" "$work/python.out" "$work/jobpool.out" <<'REPORT'
import sys

sys.path.insert(0, sys.argv[1])
from benchreport import parse, print_notes, print_table  # noqa: E402

python, python_notes = parse(sys.argv[2])
jobpool, jobpool_notes = parse(sys.argv[3])

IO_SERIAL_MS = 200 * 20.0  # 200 requests of 20 ms, one at a time


def ms(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def times(v):
    return f"{v:.2f}×"


def ratio(numerator, denominator):
    return numerator / denominator if numerator is not None and denominator else None


# label, value of a column (values, "threads" or "processes"), format, ideal
rows = [
    ("IO: 200 requests answered after 20 ms, 20 workers (ms)",
     lambda v, kind: v.get(f"io_{kind}"), ms, "200"),
    ("IO: speed-up over one request at a time (×)",
     lambda v, kind: ratio(IO_SERIAL_MS, v.get(f"io_{kind}")), times, "20×"),
    ("IO burst: 200 workers made, 200 requests, pool gone (ms)",
     lambda v, kind: v.get(f"burst_{kind}"), ms, "20"),
    ("CPU: 200 tasks of ~5 ms, 2 workers (ms)",
     lambda v, kind: v.get(f"cpu_{kind}"), ms, "½ serial"),
    ("CPU: speed-up over one task at a time (×)",
     lambda v, kind: ratio(v.get("cpu_serial"), v.get(f"cpu_{kind}")), times, "2×"),
    ("Start: a pool of 20 workers to its first result (ms)",
     lambda v, kind: v.get(f"start_{kind}"), ms, "—"),
]
columns = [(python, "threads"), (python, "processes"), (jobpool, "threads"),
           (jobpool, "processes")]
header = ("case", "Python threads (multiprocessing.dummy)",
          "Python processes (multiprocessing.Pool)", "JobPool ThreadPool", "JobPool Pool",
          "ideal")
table = [header]
for label, get, fmt, ideal in rows:
    cells = [label]
    for values, kind in columns:
        v = get(values, kind)
        cells.append(fmt(v) if v is not None else "—")
    cells.append(ideal)
    table.append(tuple(cells))

print_table(table, right={1, 2, 3, 4, 5})
print()
print("Wall times: the best of 3 — maps of chunk size 1 on a warm pool, except the burst, "
      "which includes making and ending its pool; start-up: the median of 5. Each program "
      "calibrates its CPU task to ~5 ms in its own language, so the CPU rows compare "
      "speed-ups, not languages.")
print_notes(python_notes, jobpool_notes)
REPORT
exit 0

# The Python anchor, written to a file and run by the loop above: everything between the
# two marker lines is that program (a here-document only so that bash -n can read this file).
# shellcheck disable=SC2317 # never run: read by the sed above
: <<'ANCHOR'
# --- BEGIN threadpool_anchor.py
"""Python anchor of the JobPool ThreadPool benchmark (issue #10).

Measures the cases of bench_threadpool.cpp, with the same sizes, on
multiprocessing.dummy.Pool (threads) and multiprocessing.Pool (processes, fork), and
prints one machine-readable line per figure:

    case=io_threads value=212.3 unit=ms

run-threadpool-bench.sh, which carries this program, writes it to a file, runs it and
bench_threadpool, and sets the figures side by side. Python 3 standard library only.
Usage: threadpool_anchor.py [--case NAME]... [--list]
"""

import argparse
import heapq
import math
import multiprocessing as mp
import multiprocessing.dummy
import platform
import selectors
import socket
import sys
import time

IO_TASKS = 200
IO_DELAY = 0.020
IO_WORKERS = 20
BURST_WORKERS = IO_TASKS
REPLY_BYTES = 16 * 1024
CPU_TASKS = 200
CPU_TASK_SECONDS = 0.005
CPU_WORKERS = 2
START_WORKERS = 20
START_POOLS = 5
REPEATS = 3


# --- tasks (module level so that the processes' workers can run them) -----------------

def fetch(port):
    """A request to the local server: connects, asks, reads the answer to its end."""
    total = 0
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"?")
        while chunk := s.recv(4096):
            total += len(chunk)
    return total


def burn(iterations):
    """Pure computation: xorshift64, as bench_threadpool.cpp's."""
    x = 88172645463325252
    mask = (1 << 64) - 1
    for _ in range(iterations):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
    return x


def answer(n):
    return n


# --- the local server: in a process of its own, so that it takes nobody's GIL ----------

def serve(listener, stop):
    """Answers every request after IO_DELAY with REPLY_BYTES, and closes."""
    reply = b"x" * REPLY_BYTES
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    due = []  # (time, sequence, socket)
    sequence = 0
    while not stop.is_set():
        timeout = max(0.0, due[0][0] - time.monotonic()) if due else 0.1
        for key, _ in selector.select(timeout):
            if key.fileobj is listener:
                client, _ = listener.accept()
                selector.register(client, selectors.EVENT_READ)
            else:
                selector.unregister(key.fileobj)
                key.fileobj.recv(1)
                sequence += 1
                heapq.heappush(due, (time.monotonic() + IO_DELAY, sequence, key.fileobj))
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, client = heapq.heappop(due)
            client.sendall(reply)
            client.close()


class SlowServer:
    def __enter__(self):
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.port = self.listener.getsockname()[1]
        self.stop = mp.get_context("fork").Event()
        self.process = mp.get_context("fork").Process(target=serve,
                                                      args=(self.listener, self.stop))
        self.process.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.process.join()
        self.listener.close()


# --- helpers ----------------------------------------------------------------------------

def report(case, value, unit):
    print(f"case={case} value={value:.6g} unit={unit}", flush=True)


def check(condition, what):
    if not condition:
        raise SystemExit(f"threadpool_anchor: wrong result in {what}")


def threads(n):
    return multiprocessing.dummy.Pool(n)


def processes(n):
    return mp.get_context("fork").Pool(n)


def best_map(pool, fn, inputs, right):
    best = math.inf
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        results = pool.map(fn, inputs, chunksize=1)
        best = min(best, time.perf_counter() - t0)
        right(results)
    return best


# --- cases ------------------------------------------------------------------------------

def case_io():
    with SlowServer() as server:
        ports = [server.port] * IO_TASKS

        def right(sizes):
            check(sizes == [REPLY_BYTES] * IO_TASKS, "io")

        for name, make in (("io_threads", threads), ("io_processes", processes)):
            with make(IO_WORKERS) as pool:
                pool.map(fetch, [server.port] * IO_WORKERS, chunksize=1)  # warm-up
                report(name, best_map(pool, fetch, ports, right) * 1000, "ms")


def case_burst():
    with SlowServer() as server:
        ports = [server.port] * IO_TASKS
        for name, make in (("burst_threads", threads), ("burst_processes", processes)):
            best = math.inf
            for _ in range(REPEATS):
                t0 = time.perf_counter()
                with make(BURST_WORKERS) as pool:  # leaving it terminates the pool
                    sizes = pool.map(fetch, ports, chunksize=1)
                best = min(best, time.perf_counter() - t0)
                check(sizes == [REPLY_BYTES] * IO_TASKS, "burst")
            report(name, best * 1000, "ms")


def case_cpu():
    probe_iterations = 100_000
    probe = min(timed(burn, probe_iterations) for _ in range(5))
    iterations = int(probe_iterations * CPU_TASK_SECONDS / probe)
    work = [iterations] * CPU_TASKS
    expected = burn(iterations)

    def right(values):
        check(values == [expected] * CPU_TASKS, "cpu")

    serial = math.inf
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        values = [burn(n) for n in work]
        serial = min(serial, time.perf_counter() - t0)
        right(values)
    print(f"info case=cpu iterations={iterations} task_ms={serial / CPU_TASKS * 1000:.2f}",
          flush=True)
    report("cpu_serial", serial * 1000, "ms")
    for name, make in (("cpu_threads", threads), ("cpu_processes", processes)):
        with make(CPU_WORKERS) as pool:
            pool.map(answer, [1, 2])
            report(name, best_map(pool, burn, work, right) * 1000, "ms")


def timed(fn, arg):
    t0 = time.perf_counter()
    fn(arg)
    return time.perf_counter() - t0


def median_start(make):
    samples = []
    for _ in range(START_POOLS):
        t0 = time.perf_counter()
        pool = make(START_WORKERS)
        r = pool.apply(answer, (3,))
        samples.append(time.perf_counter() - t0)
        check(r == 3, "start")
        pool.terminate()  # tear-down is not part of the figure
        pool.join()
    samples.sort()
    return samples[len(samples) // 2]


def case_start():
    report("start_threads", median_start(threads) * 1000, "ms")
    report("start_processes", median_start(processes) * 1000, "ms")


CASES = {
    "io": case_io,
    "burst": case_burst,
    "cpu": case_cpu,
    "start": case_start,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES),
                        help="run only this case (may be repeated); default: all")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args()
    if args.list:
        print("\n".join(CASES))
        return
    print(f"info python={platform.python_version()}", flush=True)
    for name in args.case or CASES:
        CASES[name]()


if __name__ == "__main__":
    sys.exit(main())
# --- END threadpool_anchor.py
ANCHOR
