// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/jobpool.h>

#include <cstdio>

int square(int n)
{
    return n * n;
}
JOBPOOL_TASK(square)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv); // a worker never returns from here
    jobpool::Pool pool({.workers = 2});
    const QList<int> squares = pool.map(square, QList<int>{1, 2, 3, 4});
    for (int s : squares)
        std::printf("%d ", s);
    std::printf("\n");
    return squares == QList<int>{1, 4, 9, 16} ? 0 : 1;
}
