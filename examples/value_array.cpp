// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 000 4.2: a child adds 10 to a shared Value and doubles a shared Array in place.
#include <jobpool/jobpool.h>

#include <cstdio>

void worker(jobpool::Value<int> val, jobpool::Array<int> arr)
{
    val.store(val.load() + 10);
    for (int &x : arr.span())
        x *= 2;
}
JOBPOOL_TASK(worker)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    jobpool::Value<int> num(5);
    jobpool::Array<int> arr{1, 2, 3, 4};
    jobpool::Process p(worker, num, arr);
    p.start();
    p.join();
    std::printf("num = %d\n", num.load());
    std::printf("arr = [%d, %d, %d, %d]\n", arr[0], arr[1], arr[2], arr[3]);
}
