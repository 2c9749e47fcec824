// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 001, creating a process: the child prints its pid and its parent's.
#include <jobpool/jobpool.h>

#include <cstdio>

#include <unistd.h>

void func()
{
    std::printf("child pid: %d\n", int(getpid()));
    std::printf("parent pid: %d\n", int(getppid()));
    std::printf("hello, I am the function a child process runs\n");
}
JOBPOOL_TASK(func)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    jobpool::Process p(func);
    p.start();
    std::printf("main process pid: %d\n", int(getpid()));
    std::fflush(stdout);
    p.join();
}
