#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Python multiprocessing anchor for the JobPool pool benchmark (issue #3).

Measures the same cases as bench_pool.cpp, with the same sizes and 2 workers, and prints
one machine-readable line per figure:

    case=map1m value=7512345.6 unit=tasks/s

run-pool-bench.sh runs both programs and sets the figures side by side. Python 3
standard library only. Usage: pool_anchor.py [--case NAME]... [--list]
"""

import argparse
import math
import multiprocessing as mp
import os
import platform
import sys
import time

WORKERS = 2

MAP_ITEMS = 1_000_000
MAP_REPEATS = 3
ASYNC_ITEMS = 200_000
ROUND_TRIPS = 20_000
ROUND_TRIP_WARMUP = 1_000
ECHO_BYTES = 64 * 1024 * 1024
ECHO_REPEATS = 5
START_POOLS = 10
FIB_N = 32
FIB_TASKS = 16
RSS_BATCHES = 10
RSS_BATCH_ITEMS = 100_000


# --- tasks (module level so that spawned workers can import them) --------------------

def square(x):
    return x * x


def echo(data):
    return data


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


# --- helpers --------------------------------------------------------------------------

def inputs(n):
    # Kept below 2^15 so that x*x fits an int32 on the C++ side, which uses the same values.
    return [i & 0x7FFF for i in range(n)]


def expected_sum(n):
    return sum(x * x for x in inputs(n))


def report(case, value, unit):
    print(f"case={case} value={value:.6g} unit={unit}", flush=True)


def median(sorted_values):
    n = len(sorted_values)
    mid = n // 2
    return sorted_values[mid] if n % 2 else (sorted_values[mid - 1] + sorted_values[mid]) / 2


def percentile(sorted_values, p):
    # Nearest rank, as in bench_pool.cpp.
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def rss_mib():
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def check(condition, what):
    if not condition:
        raise SystemExit(f"pool_anchor: wrong result in {what}")


def new_pool(method="fork"):
    return mp.get_context(method).Pool(WORKERS)


# --- cases ----------------------------------------------------------------------------

def case_map1m():
    data = inputs(MAP_ITEMS)
    expected = expected_sum(MAP_ITEMS)
    best = math.inf
    with new_pool() as pool:
        pool.map(square, range(1000))  # warm-up: workers up and running
        # One map takes a fraction of a second, so a stray scheduling hiccup shows: best of 3.
        for _ in range(MAP_REPEATS):
            t0 = time.perf_counter()
            results = pool.map(square, data)  # default chunksize: ceil(n / (4 * workers))
            best = min(best, time.perf_counter() - t0)
            check(sum(results) == expected, "map1m")
            del results
    report("map1m", MAP_ITEMS / best, "tasks/s")


def case_apply_async():
    with new_pool() as pool:
        pool.map(square, range(1000))
        t0 = time.perf_counter()
        pending = [pool.apply_async(square, (i & 0x7FFF,)) for i in range(ASYNC_ITEMS)]
        results = [r.get() for r in pending]
        elapsed = time.perf_counter() - t0
    check(sum(results) == expected_sum(ASYNC_ITEMS), "apply_async")
    report("apply_async", ASYNC_ITEMS / elapsed, "tasks/s")


def case_apply_rtt():
    samples = []
    with new_pool() as pool:
        for i in range(ROUND_TRIP_WARMUP):
            pool.apply(square, (i,))
        for i in range(ROUND_TRIPS):
            t0 = time.perf_counter_ns()
            r = pool.apply(square, (i & 0x7FFF,))
            samples.append(time.perf_counter_ns() - t0)
            check(r == (i & 0x7FFF) ** 2, "apply_rtt")
    samples.sort()
    report("apply_rtt_median", median(samples) / 1000, "us")
    report("apply_rtt_p99", percentile(samples, 99) / 1000, "us")


def case_echo64m():
    data = os.urandom(ECHO_BYTES)
    best = math.inf
    with new_pool() as pool:
        check(pool.apply(echo, (data,)) == data, "echo64m")  # warm-up
        for _ in range(ECHO_REPEATS):
            t0 = time.perf_counter()
            back = pool.apply(echo, (data,))
            best = min(best, time.perf_counter() - t0)
            check(len(back) == ECHO_BYTES, "echo64m")
    report("echo64m", ECHO_BYTES / best / 1e9, "GB/s")


def start_to_first_result(method):
    samples = []
    for _ in range(START_POOLS):
        t0 = time.perf_counter()
        pool = new_pool(method)
        r = pool.apply(square, (3,))
        samples.append(time.perf_counter() - t0)
        check(r == 9, "start")
        pool.terminate()  # tear-down is not part of the figure
        pool.join()
    samples.sort()
    return median(samples) * 1000


def case_start():
    report("start", start_to_first_result("fork"), "ms")
    report("start_spawn", start_to_first_result("spawn"), "ms")


def case_fib():
    work = [FIB_N] * FIB_TASKS
    t0 = time.perf_counter()
    serial = [fib(n) for n in work]
    serial_s = time.perf_counter() - t0
    with new_pool() as pool:
        pool.map(square, range(100))
        t0 = time.perf_counter()
        parallel = pool.map(fib, work, chunksize=1)
        parallel_s = time.perf_counter() - t0
    check(parallel == serial, "fib")
    print(f"info case=fib serial_s={serial_s:.3f} parallel_s={parallel_s:.3f}", flush=True)
    report("fib_speedup", serial_s / parallel_s, "x")


def case_rss():
    data = inputs(RSS_BATCH_ITEMS)
    with new_pool() as pool:
        pool.map(square, data)
        after_first = rss_mib()
        for _ in range(RSS_BATCHES - 1):
            results = pool.map(square, data)
        after_all = rss_mib()
    check(len(results) == RSS_BATCH_ITEMS, "rss")
    print(f"info case=rss first_mib={after_first:.1f} end_mib={after_all:.1f}", flush=True)
    report("rss_growth", after_all - after_first, "MiB")


def _add_locked(lock, counter, times):
    for _ in range(times):
        with lock:
            counter.value += 1


def case_lock_counter():
    """Seed 000's counter: 4 processes x 100,000 increments under one Lock."""
    lock = mp.Lock()
    counter = mp.Value("i", 0)
    t0 = time.perf_counter()
    procs = [mp.Process(target=_add_locked, args=(lock, counter, 100_000))
             for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    seconds = time.perf_counter() - t0
    check(counter.value == 400_000, "lock_counter")
    report("lock_counter", seconds, "s")


def case_array256():
    """No Python anchor: the target is against memcpy, measured by the C++ side."""
    print("info case=array256 python=none (target is against memcpy)", flush=True)


CASES = {
    "map1m": case_map1m,
    "apply_async": case_apply_async,
    "apply_rtt": case_apply_rtt,
    "echo64m": case_echo64m,
    "start": case_start,
    "fib": case_fib,
    "rss": case_rss,
    "array256": case_array256,
    "lock_counter": case_lock_counter,
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
    print(f"info python={platform.python_version()} workers={WORKERS}", flush=True)
    for name in args.case or CASES:
        CASES[name]()


if __name__ == "__main__":
    sys.exit(main())
