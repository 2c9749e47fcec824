// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 000, "hello, 多进程": a child process runs a function; the parent waits for it.
#include <jobpool/jobpool.h>

#include <cstdio>

#include <unistd.h>

void worker()
{
    std::printf("child pid: %d\n", int(getpid()));
}
JOBPOOL_TASK(worker)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv); // the child stops here and runs worker()
    jobpool::Process p(worker);
    p.start();
    p.join();
    std::printf("main process done\n");
}
