// SPDX-License-Identifier: GPL-3.0-or-later
// jobpool-testapp: a program whose misbehaviour a test chooses, in the manner of Qt
// Creator's processtestapp. Every failure-path test (crashes, hangs, huge output, stubborn
// processes, escaping grandchildren) runs this instead of an ad-hoc shell script.
//
//   jobpool-testapp exit N              exit with status N
//   jobpool-testapp crash               die of SIGSEGV
//   jobpool-testapp abort               die of SIGABRT
//   jobpool-testapp hang                block forever (until killed)
//   jobpool-testapp sleep MS            sleep MS milliseconds, then exit 0
//   jobpool-testapp stdout MIB          write MIB MiB to stdout, then exit 0
//   jobpool-testapp stderr MIB          write MIB MiB to stderr, then exit 0
//   jobpool-testapp ignore-term         ignore SIGTERM, print "ready", block until killed
//   jobpool-testapp grandchild          fork a child that blocks forever, print its pid, exit 0
//   jobpool-testapp grandchild-hang     the same, but block forever too instead of exiting
//   jobpool-testapp echo ARG…           print the arguments, one per line, then exit 0
//   jobpool-testapp spin MS             burn CPU for MS milliseconds, then exit 0
//
// Deliberately free of Qt so that it starts fast and behaves exactly as told.

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace {

[[noreturn]] void blockForever()
{
    for (;;)
        pause();
}

int writeMiB(FILE *stream, long mib)
{
    std::string line(1023, 'x');
    line.push_back('\n');
    for (long i = 0; i < mib * 1024; ++i) {
        if (std::fwrite(line.data(), 1, line.size(), stream) != line.size())
            return 1;
    }
    return std::fflush(stream) == 0 ? 0 : 1;
}

long argNumber(int argc, char **argv, int index)
{
    if (index >= argc) {
        std::fprintf(stderr, "jobpool-testapp: %s needs a number\n", argv[1]);
        std::exit(64);
    }
    return std::strtol(argv[index], nullptr, 10);
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: jobpool-testapp MODE [ARG]\n");
        return 64;
    }
    const std::string mode = argv[1];

    if (mode == "exit")
        return int(argNumber(argc, argv, 2));
    if (mode == "crash") {
        std::signal(SIGSEGV, SIG_DFL);
        std::raise(SIGSEGV);
        return 1;
    }
    if (mode == "abort")
        std::abort();
    if (mode == "hang")
        blockForever();
    if (mode == "sleep") {
        const long ms = argNumber(argc, argv, 2);
        timespec ts{ms / 1000, (ms % 1000) * 1000000};
        while (nanosleep(&ts, &ts) != 0) {
        }
        return 0;
    }
    if (mode == "spin") {
        const auto end =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(argNumber(argc, argv, 2));
        volatile unsigned long sink = 0;
        while (std::chrono::steady_clock::now() < end)
            for (int i = 0; i < 10000; ++i)
                sink = sink + i;
        return 0;
    }
    if (mode == "stdout")
        return writeMiB(stdout, argNumber(argc, argv, 2));
    if (mode == "stderr")
        return writeMiB(stderr, argNumber(argc, argv, 2));
    if (mode == "ignore-term") {
        std::signal(SIGTERM, SIG_IGN);
        std::printf("ready\n");
        std::fflush(stdout);
        blockForever();
    }
    if (mode == "grandchild" || mode == "grandchild-hang") {
        const pid_t child = fork();
        if (child < 0)
            return 1;
        if (child == 0) {
            // Stays in the parent's process group, so killing the group reaches it too.
            blockForever();
        }
        std::printf("%d\n", int(child));
        std::fflush(stdout);
        if (mode == "grandchild-hang")
            blockForever();
        return 0;
    }
    if (mode == "echo") {
        for (int i = 2; i < argc; ++i)
            std::printf("%s\n", argv[i]);
        return 0;
    }
    std::fprintf(stderr, "jobpool-testapp: unknown mode '%s'\n", mode.c_str());
    return 64;
}
