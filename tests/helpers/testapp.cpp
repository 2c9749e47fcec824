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
//   jobpool-testapp kill-workers PID MS SEED
//                                       every MS ms, SIGKILL a random pool worker of PID (a
//                                       child started with --jobpool-worker) among those the
//                                       last line read from stdin names, print its pid; stop
//                                       when stdin ends or PID is gone
//   jobpool-testapp rusage FILE PROG ARG…
//                                       run PROG, write the peak resident set size wait4()
//                                       reports for it (KiB: the largest of PROG and the
//                                       children it waited for) to FILE, exit as PROG did
//
// Deliberately free of Qt so that it starts fast and behaves exactly as told.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
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

/// The whole of a small /proc file; empty when it is gone.
std::string readProcFile(const std::string &path)
{
    std::string text;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return text;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
        text.append(buffer, std::size_t(n));
    ::close(fd);
    return text;
}

/// The live pool workers whose parent is \a parent: processes started with
/// --jobpool-worker (a worker still between fork and exec is not one yet).
std::vector<pid_t> workersOf(pid_t parent)
{
    std::vector<pid_t> workers;
    DIR *proc = ::opendir("/proc");
    if (!proc)
        return workers;
    while (const dirent *entry = ::readdir(proc)) {
        char *end = nullptr;
        const long pid = std::strtol(entry->d_name, &end, 10);
        if (pid <= 0 || *end != '\0')
            continue;
        const std::string dir = "/proc/" + std::to_string(pid);
        const std::string stat = readProcFile(dir + "/stat");
        const std::size_t close = stat.rfind(')');
        if (close == std::string::npos || close + 4 >= stat.size())
            continue;
        // After ") ": the state, then the parent's pid.
        if (stat[close + 2] == 'Z' || std::atol(stat.c_str() + close + 4) != parent)
            continue;
        const std::string cmdline = readProcFile(dir + "/cmdline");
        if (cmdline.find(std::string("--jobpool-worker\0", 17)) != std::string::npos)
            workers.push_back(pid_t(pid));
    }
    ::closedir(proc);
    return workers;
}

/// The pids on the last whole line of \a input (which loses what it held up to there),
/// or nothing new when no line is complete yet.
bool takeLastLine(std::string &input, std::vector<pid_t> &pids)
{
    const std::size_t end = input.rfind('\n');
    if (end == std::string::npos)
        return false;
    const std::size_t before = end == 0 ? std::string::npos : input.rfind('\n', end - 1);
    const std::size_t begin = before == std::string::npos ? 0 : before + 1;
    const std::string line = input.substr(begin, end - begin);
    input.erase(0, end + 1);
    pids.clear();
    const char *at = line.c_str();
    for (char *next = nullptr;; at = next) {
        const long pid = std::strtol(at, &next, 10);
        if (next == at)
            break;
        if (pid > 0)
            pids.push_back(pid_t(pid));
    }
    return true;
}

/// The chaos monkey of tst_chaos: every \a intervalMs, SIGKILLs a random one of the workers
/// of \a parent that the last line of its stdin names (the test sends the pids of the
/// pool's busy workers as they change). Stops when its stdin ends or \a parent is gone.
int killWorkers(pid_t parent, long intervalMs, unsigned long seed)
{
    using Clock = std::chrono::steady_clock;
    std::mt19937 random{std::uint32_t(seed)};
    std::string input;
    std::vector<pid_t> named;
    Clock::time_point next = Clock::now() + std::chrono::milliseconds(intervalMs);
    for (;;) {
        const auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
        pollfd in{STDIN_FILENO, POLLIN, 0};
        const int ready = ::poll(&in, 1, int(std::max<long long>(0, wait)));
        if (ready < 0 && errno != EINTR)
            return 1;
        if (ready > 0) {
            char buffer[4096];
            const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
            if (n <= 0)
                return 0; // the test closed our stdin: stop
            input.append(buffer, std::size_t(n));
            takeLastLine(input, named);
            continue;
        }
        if (Clock::now() < next)
            continue;
        next += std::chrono::milliseconds(intervalMs);
        if (::getppid() != parent)
            return 0;
        // Only what is still a worker of the parent: a pid may be stale by now.
        std::vector<pid_t> victims;
        for (pid_t pid : workersOf(parent)) {
            if (std::find(named.begin(), named.end(), pid) != named.end())
                victims.push_back(pid);
        }
        if (victims.empty())
            continue;
        const pid_t victim = victims[random() % victims.size()];
        if (::kill(victim, SIGKILL) == 0) {
            std::printf("%d\n", int(victim));
            std::fflush(stdout);
        }
    }
}

/// Runs argv[0..] and writes its ru_maxrss to \a file; exits with its status (128 + the
/// signal that ended it).
int runMeasured(const char *file, char **argv)
{
    const pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0) {
        ::execvp(argv[0], argv);
        std::fprintf(stderr, "jobpool-testapp: cannot run %s: %s\n", argv[0], std::strerror(errno));
        _exit(127);
    }
    int status = 0;
    rusage usage{};
    while (::wait4(child, &status, 0, &usage) < 0) {
        if (errno != EINTR)
            return 1;
    }
    FILE *out = std::fopen(file, "w");
    if (!out)
        return 1;
    std::fprintf(out, "%ld\n", usage.ru_maxrss);
    std::fclose(out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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
    if (mode == "kill-workers")
        return killWorkers(pid_t(argNumber(argc, argv, 2)), argNumber(argc, argv, 3),
                           (unsigned long)argNumber(argc, argv, 4));
    if (mode == "rusage") {
        if (argc < 4) {
            std::fprintf(stderr, "jobpool-testapp: rusage needs a file and a program\n");
            return 64;
        }
        return runMeasured(argv[2], argv + 3);
    }
    if (mode == "echo") {
        for (int i = 2; i < argc; ++i)
            std::printf("%s\n", argv[i]);
        return 0;
    }
    std::fprintf(stderr, "jobpool-testapp: unknown mode '%s'\n", mode.c_str());
    return 64;
}
