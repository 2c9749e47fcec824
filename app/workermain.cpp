// SPDX-License-Identifier: GPL-3.0-or-later
// jobpool-worker: the program the desktop app's pools start for their workers. It knows
// the built-in tasks of JobPool::Core and nothing of the GUI, so it starts fast.
#include <jobpool/jobpool.h>

#include <cstdio>

int main(int argc, char **argv)
{
    jobpool::init(argc, argv); // a worker never returns from here
    std::fprintf(stderr, "jobpool-worker: this program is started by jobpool, not by hand\n");
    return 2;
}
