/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bare-C anchor of the batch benchmark (issue #5): runs a command N times with at
 * most J at once, with posix_spawn and waitpid and nothing else — no store, no logs, no
 * output handling. Whatever `jobpool run` adds on top is measured against this.
 *
 *   spawn_anchor [--bare] N J COMMAND [ARGS...]
 *                                  prints: anchor jobs=N seconds=S jobs_per_s=R
 *
 * Each run gets its number (1..N) as one more argument, as `seq N | xargs -n1 COMMAND`,
 * GNU parallel and `jobpool run` give each job its input. That matters: GNU true(1) with
 * exactly one argument sets up its locale (to answer --help or --version), which costs
 * about 0.25 ms more per run in the benchmark VM than a bare `true`. --bare leaves the
 * number out (the anchor as first measured for issue #5).
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    int bare = 0;
    if (argc > 1 && strcmp(argv[1], "--bare") == 0) {
        bare = 1;
        --argc;
        ++argv;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: spawn_anchor [--bare] N J COMMAND [ARGS...]\n");
        return 2;
    }
    const long jobs = atol(argv[1]);
    const long slots = atol(argv[2]);
    const int words = argc - 3;
    char **child = calloc((size_t)words + 2, sizeof *child);
    if (!child) {
        perror("calloc");
        return 1;
    }
    memcpy(child, argv + 3, (size_t)words * sizeof *child);
    char number[32];
    long started = 0, running = 0, failed = 0;
    const double t0 = now();
    while (started < jobs || running > 0) {
        while (started < jobs && running < slots) {
            snprintf(number, sizeof number, "%ld", started + 1);
            child[words] = bare ? NULL : number;
            pid_t pid;
            if (posix_spawn(&pid, child[0], NULL, NULL, child, environ) != 0) {
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
    free(child);
    return failed != 0;
}
