// SPDX-License-Identifier: GPL-3.0-or-later
#include "../ipc/segment.h"
#include "protocol.h"
#include "registry.h"

#include <jobpool/errors.h>
#include <jobpool/process.h>

#include <QFile>
#include <QProcess>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace jobpool {

namespace {

std::atomic<int> g_processCounter{0};

enum class CallKind : std::uint32_t { Function = 1, Subclass = 2 };

QString selfExecutable()
{
    return QFile::symLinkTarget(QStringLiteral("/proc/self/exe"));
}

} // namespace

struct Process::Child
{
    QProcess process;
    qint64 pid = 0; ///< kept: QProcess forgets it once the process has ended
    std::optional<int> exitCode;

    void collect()
    {
        if (exitCode || process.state() != QProcess::NotRunning)
            return;
        exitCode =
            process.exitStatus() == QProcess::CrashExit ? -process.exitCode() : process.exitCode();
    }
};

struct ProcessAccess
{
    static void run(Process &p) { p.run(); }
};

Process::Process()
    : m_name(QStringLiteral("Process-%1").arg(++g_processCounter))
{}

Process::~Process()
{
    if (!m_child)
        return;
    if (m_daemon && isAlive()) {
        terminate();
        if (!join(std::chrono::seconds(2))) {
            kill();
        }
    }
    join();
}

void Process::run()
{
    // Only reached in the child, for a Process built from a function: see runProcessChild.
}

void Process::start()
{
    if (m_child)
        throw PoolError(QStringLiteral("%1: a process can be started only once").arg(m_name));
    QByteArray call;
    Encoder out(call);
    if (m_task.isEmpty()) {
        const char *type = typeid(*this).name();
        const auto [save, make] = detail::findProcessType(type);
        if (!save)
            throw PoolError(QStringLiteral("%1: its class is not registered: add "
                                           "JOBPOOL_PROCESS(ClassName) next to it")
                                .arg(m_name));
        QByteArray state;
        {
            QDataStream stream(&state, QIODevice::WriteOnly);
            save(*this, stream);
        }
        out.write(std::uint32_t(CallKind::Subclass));
        out.write(QByteArray(type));
        out.write(state);
    } else {
        out.write(std::uint32_t(CallKind::Function));
        out.write(m_task);
        out.write(m_arguments);
    }
    out.write(m_name);

    ipc::Segment segment = ipc::Segment::create("jobpool-process", std::size_t(call.size()));
    std::memcpy(segment.data(), call.constData(), std::size_t(call.size()));

    auto child = std::make_unique<Child>();
    const int fd = segment.fd();
    const pid_t parent = getpid();
    child->process.setProgram(selfExecutable());
    child->process.setArguments(
        {QStringLiteral("--jobpool-process"), QString::number(fd), QString::number(parent)});
    child->process.setProcessChannelMode(QProcess::ForwardedChannels);
    child->process.setInputChannelMode(QProcess::ForwardedInputChannel);
    child->process.setChildProcessModifier([fd, parent] {
        fcntl(fd, F_SETFD, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
    });
    child->process.start();
    if (!child->process.waitForStarted(-1))
        throw PoolError(
            QStringLiteral("%1: cannot start: %2").arg(m_name, child->process.errorString()));
    child->pid = child->process.processId();
    m_child = std::move(child);
}

bool Process::join(std::chrono::milliseconds timeout)
{
    if (!m_child)
        return true;
    if (!m_child->exitCode && m_child->process.state() != QProcess::NotRunning)
        m_child->process.waitForFinished(timeout.count() < 0 ? -1 : int(timeout.count()));
    m_child->collect();
    return m_child->exitCode.has_value();
}

bool Process::isAlive() const
{
    if (!m_child || m_child->exitCode)
        return false;
    m_child->process.waitForFinished(0);
    m_child->collect();
    return !m_child->exitCode;
}

qint64 Process::pid() const
{
    return m_child ? m_child->pid : 0;
}

std::optional<int> Process::exitCode() const
{
    if (m_child)
        m_child->collect();
    return m_child ? m_child->exitCode : std::nullopt;
}

void Process::terminate()
{
    if (m_child && m_child->process.state() != QProcess::NotRunning)
        m_child->process.terminate();
}

void Process::kill()
{
    if (m_child && m_child->process.state() != QProcess::NotRunning)
        m_child->process.kill();
}

namespace detail {

int runProcessChild(int callFd, pid_t parentPid)
{
    if (getppid() != parentPid)
        return 1;
    QString name = QStringLiteral("Process");
    try {
        ipc::Segment segment = ipc::Segment::adopt(callFd);
        segment.closeFd();
        Decoder in(static_cast<const char *>(segment.data()), qsizetype(segment.size()));
        const auto kind = CallKind(in.read<std::uint32_t>());
        const QByteArray what = in.read<QByteArray>();
        const QByteArray payload = in.read<QByteArray>();
        name = in.read<QString>();
        if (kind == CallKind::Function) {
            const Invoker invoke = findTask(what);
            if (!invoke)
                throw PoolError(
                    QStringLiteral("task '%1' is not registered").arg(QString::fromUtf8(what)));
            Decoder arguments(payload);
            QByteArray ignored;
            Encoder results(ignored);
            std::exception_ptr error;
            invoke(arguments, 1, results, error);
            if (error)
                std::rethrow_exception(error);
        } else {
            const auto [save, make] = findProcessType(what);
            if (!make)
                throw PoolError(QStringLiteral("process class is not registered"));
            QDataStream stream(payload);
            std::unique_ptr<Process> process(make(stream));
            process->setName(name);
            ProcessAccess::run(*process);
        }
    } catch (...) {
        const auto [type, message] = describeException(std::current_exception());
        std::fflush(stdout);
        std::fprintf(stderr, "%s: %s: %s\n", qPrintable(name), qPrintable(type),
                     qPrintable(message));
        return 1;
    }
    return 0;
}

} // namespace detail
} // namespace jobpool
