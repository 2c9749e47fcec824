/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bare-C anchor of the batch benchmark (issue #5): runs a command N times with at
 * most J at once, with posix_spawn and waitpid and nothing else — no store, no logs, no
 * output handling. Whatever `jobpool run` adds on top is measured against this.
 *
 *   spawn_anchor N J COMMAND [ARGS...]      prints: anchor jobs=N seconds=S jobs_per_s=R
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: spawn_anchor N J COMMAND [ARGS...]\n");
        return 2;
    }
    const long jobs = atol(argv[1]);
    const long slots = atol(argv[2]);
    long started = 0, running = 0, failed = 0;
    const double t0 = now();
    while (started < jobs || running > 0) {
        while (started < jobs && running < slots) {
            pid_t pid;
            if (posix_spawn(&pid, argv[3], NULL, NULL, argv + 3, environ) != 0) {
                perror("posix_spawn");
                return 1;
            }
            ++started;
            ++running;
        }
        int status;
        if (waitpid(-1, &status, 0) > 0) {
            --running;
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                ++failed;
        }
    }
    const double seconds = now() - t0;
    printf("anchor jobs=%ld seconds=%.3f jobs_per_s=%.0f failed=%ld\n", jobs, seconds,
           (double)jobs / seconds, failed);
    return failed != 0;
}
