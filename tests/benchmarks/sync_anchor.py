#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Python multiprocessing anchor for the JobPool Queue/Pipe/Lock benchmark (issue #4).

Measures the same cases as bench_sync.cpp, with the same sizes, and prints one
machine-readable line per figure:

    case=queue value=281234.5 unit=items/s

run-sync-bench.sh runs both programs and sets the figures side by side. Python 3
standard library only, `fork` start method. Usage: sync_anchor.py [--case NAME]... [--list]
"""

import argparse
import math
import multiprocessing as mp
import platform
import sys
import time

STREAM_ITEMS = 2_000_000
STREAM_REPEATS = 3
COUNTER_PROCESSES = 4
COUNTER_INCREMENTS = 100_000
UNCONTENDED_ROUNDS = 1_000_000
UNCONTENDED_REPEATS = 5

ctx = mp.get_context("fork")


def report(case, value, unit):
    print(f"case={case} value={value:.6g} unit={unit}", flush=True)


def check(condition, what):
    if not condition:
        raise SystemExit(f"sync_anchor: wrong result in {what}")


# --- children (module level, as multiprocessing likes them) ---------------------------
# Both sides of a stream say they are ready and wait for the go, so that the figure
# leaves process start-up out; the consumer says when it has the last item.

def queue_producer(q, count, ready, go):
    ready.set()
    go.wait()
    for i in range(count):
        q.put(i)


def queue_consumer(q, count, ready, go, done, total):
    ready.set()
    go.wait()
    s = 0
    for _ in range(count):
        s += q.get()
    total.value = s
    done.set()


def pipe_producer(conn, count, ready, go):
    ready.set()
    go.wait()
    for i in range(count):
        conn.send(i)


def pipe_consumer(conn, count, ready, go, done, total):
    ready.set()
    go.wait()
    s = 0
    for _ in range(count):
        s += conn.recv()
    total.value = s
    done.set()


def add_locked(lock, counter, times):
    for _ in range(times):
        with lock:
            counter.value += 1


# --- cases ----------------------------------------------------------------------------

def time_stream(producer, producer_args, consumer, consumer_args):
    producer_ready, consumer_ready, go, done = (ctx.Event() for _ in range(4))
    total = ctx.Value("q", 0)
    p = ctx.Process(target=producer, args=(*producer_args, producer_ready, go))
    c = ctx.Process(target=consumer, args=(*consumer_args, consumer_ready, go, done, total))
    p.start()
    c.start()
    check(producer_ready.wait(60) and consumer_ready.wait(60), "children did not start")
    t0 = time.perf_counter()
    go.set()
    done.wait()
    seconds = time.perf_counter() - t0
    p.join()
    c.join()
    check(total.value == STREAM_ITEMS * (STREAM_ITEMS - 1) // 2, "stream sum")
    return seconds


def case_queue():
    best = math.inf
    for _ in range(STREAM_REPEATS):
        q = ctx.Queue()
        best = min(best, time_stream(queue_producer, (q, STREAM_ITEMS),
                                     queue_consumer, (q, STREAM_ITEMS)))
    report("queue", STREAM_ITEMS / best, "items/s")


def case_pipe():
    best = math.inf
    for _ in range(STREAM_REPEATS):
        receiving, sending = ctx.Pipe(duplex=False)
        best = min(best, time_stream(pipe_producer, (sending, STREAM_ITEMS),
                                     pipe_consumer, (receiving, STREAM_ITEMS)))
    report("pipe", STREAM_ITEMS / best, "items/s")


def case_lock_counter():
    """Seed 000's counter: 4 processes x 100,000 increments under one Lock."""
    lock = ctx.Lock()
    counter = ctx.Value("i", 0)
    t0 = time.perf_counter()
    procs = [ctx.Process(target=add_locked, args=(lock, counter, COUNTER_INCREMENTS))
             for _ in range(COUNTER_PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    seconds = time.perf_counter() - t0
    check(counter.value == COUNTER_PROCESSES * COUNTER_INCREMENTS, "lock_counter")
    report("lock_counter", seconds, "s")


def case_lock_uncontended():
    lock = ctx.Lock()
    best = math.inf
    for _ in range(UNCONTENDED_REPEATS):
        t0 = time.perf_counter()
        for _ in range(UNCONTENDED_ROUNDS):
            with lock:
                pass
        best = min(best, time.perf_counter() - t0)
    report("lock_uncontended", best / UNCONTENDED_ROUNDS * 1e9, "ns")


CASES = {
    "queue": case_queue,
    "pipe": case_pipe,
    "lock_counter": case_lock_counter,
    "lock_uncontended": case_lock_uncontended,
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
