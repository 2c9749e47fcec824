// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 003, CPU-bound work: Fibonacci numbers computed in separate processes.
#include <jobpool/jobpool.h>

#include <cstdio>
#include <memory>
#include <vector>

long fibonacci(int n)
{
    return n <= 1 ? n : fibonacci(n - 1) + fibonacci(n - 2);
}

void calculate(int n)
{
    std::printf("Fibonacci(%d) = %ld\n", n, fibonacci(n));
}
JOBPOOL_TASK(calculate)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    std::vector<std::unique_ptr<jobpool::Process>> processes;
    for (int n : {30, 32, 34, 36}) {
        processes.push_back(std::make_unique<jobpool::Process>(calculate, n));
        processes.back()->start();
    }
    for (auto &p : processes)
        p->join();
}
