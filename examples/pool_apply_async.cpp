// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 001's process pool: 100 calls with applyAsync on a pool of 10, then close and join.
#include <jobpool/jobpool.h>

#include <cstdio>

int func(int n)
{
    std::printf("running task %d\n", n);
    return n;
}
JOBPOOL_TASK(func)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    jobpool::Pool pool({.workers = 10});
    QList<QFuture<int>> calls;
    for (int n = 0; n < 100; ++n)
        calls.append(pool.applyAsync(func, n));
    pool.close(); // no more calls; the queued ones still run
    pool.join();  // wait for every worker to finish and exit
    long sum = 0;
    for (const QFuture<int> &call : calls)
        sum += call.result();
    std::printf("sum of results: %ld\n", sum);
}
