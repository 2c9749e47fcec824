// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 003 (also 000 §4.1 and 002): a producer process puts five numbers on a Queue, a
// consumer process prints them until it gets the sentinel the parent puts at the end.
#include <jobpool/jobpool.h>

#include <cstdio>

/// Python's None: no more items. (Without a sentinel, q.close() ends the consumer's
/// `while (auto item = q.get())` once the queue is drained.)
constexpr int Done = -1;

void producer(jobpool::Queue<int> q)
{
    for (int i = 0; i < 5; ++i)
        q.put(i);
}
JOBPOOL_TASK(producer)

void consumer(jobpool::Queue<int> q)
{
    for (;;) {
        const int item = q.get().value();
        if (item == Done)
            break;
        std::printf("Consumed: %d\n", item);
    }
}
JOBPOOL_TASK(consumer)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    jobpool::Queue<int> q;
    jobpool::Process p1(producer, q);
    jobpool::Process p2(consumer, q);
    p1.start();
    p2.start();
    p1.join();
    q.put(Done); // the end signal
    p2.join();
}
