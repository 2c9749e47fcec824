// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 000 section 5: four processes add 100,000 each to a shared counter under a Lock.
#include <jobpool/jobpool.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <vector>

void add(jobpool::Lock lock, jobpool::Value<int> counter)
{
    for (int i = 0; i < 100000; ++i) {
        std::lock_guard guard(lock);
        counter.store(counter.load() + 1);
    }
}
JOBPOOL_TASK(add)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    jobpool::Lock lock;
    jobpool::Value<int> counter(0);
    std::vector<std::unique_ptr<jobpool::Process>> procs;
    for (int i = 0; i < 4; ++i) {
        procs.push_back(std::make_unique<jobpool::Process>(add, lock, counter));
        procs.back()->start();
    }
    for (auto &p : procs)
        p->join();
    std::printf("result: %d\n", counter.load());
}
