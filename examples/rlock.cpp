// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 001's process synchronisation: two processes update a shared Array under an RLock,
// one after the other.
#include <jobpool/jobpool.h>

#include <cstdio>
#include <mutex>

#include <unistd.h>

void func(int data, jobpool::Array<int> shared, jobpool::RLock lock)
{
    std::lock_guard guard(lock);
    shared[0] = shared[0] + data;
    std::printf("process %d set the shared value to %d\n", int(getpid()), shared[0]);
}
JOBPOOL_TASK(func)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    jobpool::Array<int> shared{1};
    jobpool::RLock lock;
    jobpool::Process p1(func, 10, shared, lock);
    jobpool::Process p2(func, 20, shared, lock);
    p1.start();
    p2.start();
    p1.join();
    p2.join();
    std::printf("final value: %d\n", shared[0]);
}
