// SPDX-License-Identifier: GPL-3.0-or-later
#include "../pool/protocol.h"
#include "builtinexec.h"
#include "journal.h"

#include <jobpool/exec.h>
#include <jobpool/task.h>

#include <QDateTime>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace jobpool {
namespace {

using Clock = std::chrono::steady_clock;

/// A command still running after this long gets its log files under their names.
constexpr qint64 kNameLogsAfterMs = 1000;

/// A descriptor closed when it goes out of scope.
class Fd
{
public:
    explicit Fd(int fd = -1)
        : m_fd(fd)
    {}
    ~Fd()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    int get() const { return m_fd; }
    int release() { return std::exchange(m_fd, -1); }
    void reset(int fd)
    {
        close();
        m_fd = fd;
    }
    void close()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }

private:
    int m_fd;
};

QString describe(const QByteArray &bytes)
{
    return QString::fromUtf8(bytes); // for messages only; invalid bytes show as U+FFFD
}

/// Where \a program is, looked up in PATH when it has no '/'; empty when nowhere.
QByteArray findProgram(const QByteArray &program)
{
    if (program.contains('/'))
        return program;
    const char *path = std::getenv("PATH");
    const QByteArray dirs = path ? QByteArray(path) : QByteArray("/usr/local/bin:/usr/bin:/bin");
    for (const QByteArray &dir : dirs.split(':')) {
        const QByteArray candidate = (dir.isEmpty() ? QByteArray(".") : dir) + '/' + program;
        struct stat st
        {
        };
        if (::stat(candidate.constData(), &st) == 0 && S_ISREG(st.st_mode)
            && ::access(candidate.constData(), X_OK) == 0)
            return candidate;
    }
    return {};
}

int openLog(const QByteArray &path)
{
    if (path.isEmpty())
        return ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    return ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
}

/// Log files that appear only when written to. The command writes into an unnamed file
/// (O_TMPFILE) in the log's folder; afterwards it is linked under the log's name if it
/// holds anything, or kept for the next job if not. A batch of quiet jobs so creates no
/// inode per job, and two workers never queue for their folder's lock.
class QuietLogs
{
public:
    /// A descriptor to write \a path through; -1 and errno on failure. \a deferred says
    /// whether settle() must name it.
    int open(const QByteArray &path, bool &deferred)
    {
        deferred = false;
        const qsizetype slash = path.lastIndexOf('/');
        if (path.isEmpty() || slash < 0)
            return openLog(path);
        const QByteArray folder = path.left(std::max<qsizetype>(slash, 1));
        for (auto it = m_spares.begin(); it != m_spares.end(); ++it) {
            if (it->first == folder) {
                const int fd = it->second;
                m_spares.erase(it);
                deferred = true;
                return fd;
            }
        }
        const int fd = ::open(folder.constData(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
        if (fd < 0)
            return openLog(path); // a file system without O_TMPFILE
        deferred = true;
        return fd;
    }

    /// After the command: names \a fd \a path when it was written to, else keeps it (and
    /// removes an older file of that name: an empty log is no file).
    void settle(int fd, const QByteArray &path)
    {
        struct stat st
        {
        };
        if (::fstat(fd, &st) == 0 && st.st_size == 0) {
            // unlink() takes the folder's lock even for a name that is not there: most are not.
            if (::access(path.constData(), F_OK) == 0)
                ::unlink(path.constData());
            const QByteArray folder = path.left(std::max<qsizetype>(path.lastIndexOf('/'), 1));
            if (m_spares.size() < 4) {
                m_spares.emplace_back(folder, fd);
                return;
            }
        } else {
            name(fd, path);
        }
        ::close(fd);
    }

    /// Gives the unnamed file \a fd the name \a path now (a command that runs for a while:
    /// its logs can be followed).
    static void name(int fd, const QByteArray &path)
    {
        const QByteArray self = "/proc/self/fd/" + QByteArray::number(fd);
        if (::linkat(AT_FDCWD, self.constData(), AT_FDCWD, path.constData(), AT_SYMLINK_FOLLOW) != 0
            && errno == EEXIST) {
            ::unlink(path.constData());
            ::linkat(AT_FDCWD, self.constData(), AT_FDCWD, path.constData(), AT_SYMLINK_FOLLOW);
        }
    }

private:
    std::vector<std::pair<QByteArray, int>> m_spares; ///< empty unnamed files, by folder
};

QuietLogs &quietLogs()
{
    static QuietLogs logs; // a worker runs one command at a time
    return logs;
}

/// Waits up to \a timeout (negative: for ever) for the process behind \a pidfd to end;
/// true once it has (it is then a zombie, not yet reaped, so its pid stays reserved).
bool waitForExit(int pidfd, std::chrono::milliseconds timeout)
{
    const Clock::time_point deadline = Clock::now() + timeout;
    for (;;) {
        int ms = -1;
        if (timeout.count() >= 0) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            ms = int(std::max<qint64>(0, left.count()));
        }
        pollfd p{pidfd, POLLIN, 0};
        const int rc = ::poll(&p, 1, ms);
        if (rc > 0)
            return true;
        if (rc == 0)
            return false;
        if (errno != EINTR)
            return false;
    }
}

/// GNU parallel's --termseq: TERM, 200 ms, TERM, 100 ms, TERM, 50 ms, KILL — to the whole
/// group. Returns once the command has ended.
void terminateGroup(pid_t group, int pidfd)
{
    using namespace std::chrono_literals;
    for (auto grace : {200ms, 100ms, 50ms}) {
        ::kill(-group, SIGTERM);
        if (waitForExit(pidfd, grace))
            return;
    }
    ::kill(-group, SIGKILL);
    waitForExit(pidfd, std::chrono::milliseconds(-1));
}

/// A command's stops and continuations (a paused job: SIGSTOP to its group, later
/// SIGCONT), as wait4() reports them with WUNTRACED | WCONTINUED: paused time counts
/// toward neither its timeout nor its wall time.
struct PauseClock
{
    Clock::duration paused{};
    bool stopped = false;
    Clock::time_point stoppedAt{};

    /// Takes a status that is a stop or a continuation; false for an end.
    bool take(int status)
    {
        const Clock::time_point now = Clock::now();
        if (WIFSTOPPED(status)) {
            if (!stopped)
                stoppedAt = now;
            stopped = true;
            return true;
        }
        if (WIFCONTINUED(status)) {
            if (stopped)
                paused += now - stoppedAt;
            stopped = false;
            return true;
        }
        return false;
    }
    Clock::duration pausedUntil(Clock::time_point now) const
    {
        return paused + (stopped ? now - stoppedAt : Clock::duration{});
    }
};

/// What reap() watches for while the command runs.
struct Watch
{
    qint64 timeoutMs = 0; ///< 0: none
    Clock::time_point started;
    std::function<void()> nameLogs; ///< once it has run kNameLogsAfterMs (or its timeout)
};

/// Waits for \a pid to end and reaps it (its status and rusage). With a timeout, a command
/// that has run (not counting pauses) longer is ended, its whole group: true then.
bool reap(pid_t pid, int pidfd, Watch watch, PauseClock &pauses, int &status, rusage &usage)
{
    using std::chrono::milliseconds;
    const auto nameLogsAt = milliseconds(
        watch.timeoutMs > 0 ? std::min(kNameLogsAfterMs, watch.timeoutMs) : kNameLogsAfterMs);
    bool timedOut = false;
    for (;;) {
        const bool polling = (watch.timeoutMs > 0 && !timedOut) || watch.nameLogs;
        const pid_t r =
            ::wait4(pid, &status, WUNTRACED | WCONTINUED | (polling ? WNOHANG : 0), &usage);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return timedOut;
        if (r == pid) {
            if (pauses.take(status))
                continue;
            return timedOut;
        }
        const Clock::time_point now = Clock::now();
        const auto ran =
            std::chrono::duration_cast<milliseconds>(now - watch.started - pauses.pausedUntil(now));
        auto slice = milliseconds(100); // an end wakes the pidfd; a stop or continuation not
        if (watch.nameLogs) {
            if (ran >= nameLogsAt)
                std::exchange(watch.nameLogs, nullptr)();
            else
                slice = std::min(slice, nameLogsAt - ran);
        }
        if (watch.timeoutMs > 0 && !timedOut) {
            const auto left = milliseconds(watch.timeoutMs) - ran;
            if (!pauses.stopped && left.count() <= 0) {
                timedOut = true;
                terminateGroup(pid, pidfd);
                ::kill(-pid, SIGKILL); // grandchildren that outlived it; its zombie keeps the group
                continue;
            }
            if (!pauses.stopped)
                slice = std::min(slice, left);
        }
        waitForExit(pidfd, slice);
    }
}

qint64 micros(const timeval &t)
{
    return qint64(t.tv_sec) * 1000000 + t.tv_usec;
}

/// What the child leaves for its worker when it cannot become the command.
struct StartFailure
{
    int borrowed = 0; ///< set by the child first: it writes into the worker's memory
    int chdirFailed = 0;
    int error = 0; ///< errno; 0 when the command started
};

/// Whether vfork() lends the child this process's memory. It does on Linux, but under
/// ThreadSanitizer and valgrind it is a fork(), whose child writes into a copy. Learnt
/// from the first command, which also reports through a pipe.
std::atomic<int> g_vforkLends{-1}; // -1: not known yet

/// The child's side, between vfork() and exec: only system calls, no allocation. A failure
/// is written into \a report, which is the worker's memory: the child borrows it until it
/// execs or exits (as glibc's posix_spawn does), and the worker, suspended until then, reads
/// it afterwards. (The pipe \a reportFd, when there is one, would cost the worker a
/// wake-up per command: vfork() lets it go on before exec has closed the child's end.)
[[noreturn]] void becomeCommand(const char *program, char *const *argv, const char *directory,
                                const std::array<int, 3> &stdio, volatile StartFailure *report,
                                int reportFd)
{
    report->borrowed = 1;
    detail::releaseWorkerCpu();         // the command may use every CPU the pool may
    ::setpgid(0, 0);                    // its own group, so that a timeout takes all of it
    ::prctl(PR_SET_PDEATHSIG, SIGKILL); // and it dies with its worker
    ::signal(SIGINT, SIG_DFL);          // the worker ignores SIGINT; the command must not
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    StartFailure failure;
    for (int fd = 0; fd < 3 && !failure.error; ++fd) {
        if (::dup2(stdio[std::size_t(fd)], fd) < 0)
            failure.error = errno;
    }
    if (!failure.error && directory && ::chdir(directory) != 0)
        failure = {1, 1, errno};
    if (!failure.error) {
        ::execve(program, argv, environ);
        failure.error = errno;
    }
    report->chdirFailed = failure.chdirFailed;
    report->error = failure.error;
    if (reportFd >= 0) {
        [[maybe_unused]] const ssize_t n = ::write(reportFd, &failure, sizeof failure);
    }
    ::_exit(127);
}

/// Starts the command; its pid, or -1. A child that could not become the command has
/// exited with \a failure filled in (or written to \a reportFd when vfork() does not lend
/// it this memory). Kept apart so that nothing of the caller's frame lives across vfork(),
/// which the child shares until it execs.
[[gnu::noinline]] pid_t spawn(const char *program, char *const *argv, const char *directory,
                              const std::array<int, 3> &stdio, StartFailure &failure, int reportFd)
{
    volatile StartFailure *report = &failure;
    const pid_t pid = ::vfork();
    if (pid == 0)
        becomeCommand(program, argv, directory, stdio, report, reportFd);
    return pid;
}

/// exec() without the journal and the hold file.
ExecResult run(ExecRequest request)
{
    if (std::optional<ExecResult> builtin = detail::runBuiltinCommand(request))
        return *builtin;
    ExecResult result;
    result.workerPid = ::getpid();
    result.startedAtMs = QDateTime::currentMSecsSinceEpoch();
    const Clock::time_point started = Clock::now();
    auto fail = [&](QString why, int exitCode) {
        result.error = std::move(why);
        result.exitCode = exitCode;
        result.endedAtMs = QDateTime::currentMSecsSinceEpoch();
        return result;
    };

    if (request.argv.isEmpty() || request.argv.front().isEmpty())
        return fail(QStringLiteral("empty command"), 127);
    const QByteArray program = findProgram(request.argv.front());
    if (program.isEmpty())
        return fail(QStringLiteral("command not found: %1").arg(describe(request.argv.front())),
                    127);

    Fd input(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (input.get() < 0)
        return fail(
            QStringLiteral("cannot start %1: %2")
                .arg(describe(request.argv.front()), QString::fromLocal8Bit(strerror(errno))),
            127);
    const bool oneFile = request.stderrPath == request.stdoutPath && !request.stdoutPath.isEmpty();
    bool outputDeferred = false;
    bool errorsDeferred = false;
    Fd output(request.logsWhileRunning ? openLog(request.stdoutPath)
                                       : quietLogs().open(request.stdoutPath, outputDeferred));
    if (output.get() < 0)
        return fail(QStringLiteral("cannot open log %1: %2")
                        .arg(describe(request.stdoutPath), QString::fromLocal8Bit(strerror(errno))),
                    127);
    Fd errors(oneFile                    ? ::dup(output.get())
              : request.logsWhileRunning ? openLog(request.stderrPath)
                                         : quietLogs().open(request.stderrPath, errorsDeferred));
    if (errors.get() < 0) {
        const int error = errno;
        if (outputDeferred)
            quietLogs().settle(output.release(), request.stdoutPath);
        errno = error;
        return fail(QStringLiteral("cannot open log %1: %2")
                        .arg(describe(request.stderrPath), QString::fromLocal8Bit(strerror(errno))),
                    127);
    }
    // Whatever happens from here, the deferred logs get their names (or go back).
    struct Settle
    {
        Fd &output, &errors;
        bool outputDeferred, errorsDeferred;
        const ExecRequest &request;
        ~Settle()
        {
            if (outputDeferred)
                quietLogs().settle(output.release(), request.stdoutPath);
            if (errorsDeferred)
                quietLogs().settle(errors.release(), request.stderrPath);
        }
    } settle{output, errors, outputDeferred, errorsDeferred, request};
    std::vector<char *> argv;
    argv.reserve(std::size_t(request.argv.size()) + 1);
    for (QByteArray &arg : request.argv)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    const char *directory =
        request.workingDirectory.isEmpty() ? nullptr : request.workingDirectory.constData();
    const std::array<int, 3> stdio{input.get(), output.get(), errors.get()};

    // A pipe only while it is not known that the child reports in this memory.
    Fd reportRead;
    Fd reportWrite;
    if (g_vforkLends.load(std::memory_order_relaxed) != 1) {
        int ends[2];
        if (::pipe2(ends, O_CLOEXEC) != 0)
            return fail(
                QStringLiteral("cannot start %1: %2")
                    .arg(describe(request.argv.front()), QString::fromLocal8Bit(strerror(errno))),
                127);
        reportRead.reset(ends[0]);
        reportWrite.reset(ends[1]);
    }
    StartFailure failure;
    const pid_t pid =
        spawn(program.constData(), argv.data(), directory, stdio, failure, reportWrite.get());
    if (pid < 0)
        return fail(
            QStringLiteral("cannot start %1: %2")
                .arg(describe(request.argv.front()), QString::fromLocal8Bit(strerror(errno))),
            127);
    result.pid = pid;
    detail::publishChildPid(pid, request.tag);

    reportWrite.close();
    if (pid > 0 && g_vforkLends.load(std::memory_order_relaxed) == -1)
        g_vforkLends.store(failure.borrowed, std::memory_order_relaxed);
    if (!failure.borrowed && reportRead.get() >= 0) { // the child wrote into a copy
        failure = {};
        if (::read(reportRead.get(), &failure, sizeof failure) != sizeof failure)
            failure = {};
    }
    const bool notStarted = failure.error != 0;
    Fd pidfd(int(::syscall(SYS_pidfd_open, pid, 0)));
    // Quick commands leave no empty log behind; one that runs longer gets its logs under
    // their names after a while, so that they can be followed.
    std::function<void()> nameLogs;
    if (!notStarted && (settle.outputDeferred || settle.errorsDeferred) && pidfd.get() >= 0) {
        nameLogs = [&] {
            if (std::exchange(settle.outputDeferred, false))
                QuietLogs::name(output.get(), request.stdoutPath);
            if (std::exchange(settle.errorsDeferred, false))
                QuietLogs::name(errors.get(), request.stderrPath);
        };
    }
    int status = 0;
    rusage usage{};
    PauseClock pauses;
    if (!notStarted)
        result.timedOut =
            reap(pid, pidfd.get(), {request.timeoutMs, started, nameLogs}, pauses, status, usage);
    else
        while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
        }
    detail::publishChildPid(0);

    result.endedAtMs = QDateTime::currentMSecsSinceEpoch();
    const Clock::time_point ended = Clock::now();
    result.pausedUs =
        std::chrono::duration_cast<std::chrono::microseconds>(pauses.pausedUntil(ended)).count();
    result.wallUs = std::chrono::duration_cast<std::chrono::microseconds>(ended - started).count()
                    - result.pausedUs;
    result.userUs = micros(usage.ru_utime);
    result.systemUs = micros(usage.ru_stime);
    result.maxRssKiB = usage.ru_maxrss;
    if (notStarted) {
        const QString reason = QString::fromLocal8Bit(strerror(failure.error));
        result.exitCode = failure.error == EACCES ? 126 : 127;
        result.error =
            failure.chdirFailed
                ? QStringLiteral("cannot change to directory %1: %2")
                      .arg(describe(request.workingDirectory), reason)
                : QStringLiteral("cannot run %1: %2").arg(describe(request.argv.front()), reason);
        return result;
    }
    if (WIFEXITED(status)) {
        result.exitCode = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
        result.exitCode = -1;
    }
    // A command that failed on a full disk said so in its error log, on that same disk:
    // say it where it will be read.
    struct statvfs disk
    {
    };
    if (!result.succeeded() && ::fstatvfs(output.get(), &disk) == 0 && disk.f_bavail == 0
        && disk.f_blocks > 0)
        result.error =
            QStringLiteral("the disk of its logs is full: %1 (%2)")
                .arg(QString::fromLocal8Bit(strerror(ENOSPC)), describe(request.stdoutPath));
    return result;
}

} // namespace

ExecResult exec(ExecRequest request)
{
    if (!request.holdPath.isEmpty() && ::access(request.holdPath.constData(), F_OK) == 0) {
        ExecResult held;
        held.held = true;
        held.workerPid = ::getpid();
        held.error = QStringLiteral("not started: its batch is stopping");
        return held;
    }
    if (request.journalPath.isEmpty())
        return run(std::move(request));
    const QByteArray journal = request.journalPath;
    const qint64 seq = request.tag;
    const int attempt = request.attempt;
    detail::journalStart(journal, seq, attempt, QDateTime::currentMSecsSinceEpoch());
    ExecResult result = run(std::move(request));
    detail::journalEnd(journal, seq, attempt, result);
    return result;
}

} // namespace jobpool

JOBPOOL_TASK(jobpool::exec)
