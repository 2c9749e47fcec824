// SPDX-License-Identifier: GPL-3.0-or-later
// The worker side: what a process started by a Pool or a Process does instead of main().
#include "../ipc/segment.h"
#include "protocol.h"
#include "registry.h"

#include <jobpool/errors.h>
#include <jobpool/sharedblock.h>
#include <jobpool/task.h>

#include <QHash>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <typeinfo>

#include <cxxabi.h>
#include <fcntl.h>
#include <malloc.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace jobpool {
namespace {

bool g_isWorker = false;
/// The header of this worker's channel, where the pid of a running command is published.
ipc::ChannelHeader *g_channel = nullptr;
/// The CPUs this worker inherited, for the commands it starts, once it keeps to one.
cpu_set_t g_inheritedCpus;
bool g_keepsToCpu = false;

/// Keeps this worker to \a cpu (-1: leaves it where it is). A failure (the CPU was taken
/// away meanwhile) only leaves the worker unpinned.
void keepToCpu(int cpu)
{
    if (cpu < 0 || cpu >= CPU_SETSIZE
        || ::sched_getaffinity(0, sizeof g_inheritedCpus, &g_inheritedCpus) != 0)
        return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    g_keepsToCpu = ::sched_setaffinity(0, sizeof one, &one) == 0;
}

/// A worker whose parent dies is sent this (PR_SET_PDEATHSIG) instead of SIGKILL, so that
/// the command it runs goes with it together with everything that command started in its
/// process group: a command dies with its worker by its own PR_SET_PDEATHSIG, but that
/// does not pass to the children it forks, which init would inherit.
void onParentDeath(int)
{
    const qint64 command = g_channel ? g_channel->childPid.load(std::memory_order_acquire) : 0;
    if (command > 0)
        ::kill(-pid_t(command), SIGKILL);
    _exit(1);
}

void dieWithParentAndCommand(pid_t parentPid)
{
    struct sigaction action
    {
    };
    action.sa_handler = onParentDeath;
    sigfillset(&action.sa_mask);
    const int signal = SIGRTMIN + 4;
    ::sigaction(signal, &action, nullptr);
    ::prctl(PR_SET_PDEATHSIG, signal);
    if (getppid() != parentPid) // it died before the line above
        onParentDeath(0);
}

pid_t parsePid(const char *text)
{
    return pid_t(std::strtol(text, nullptr, 10));
}

} // namespace

bool isWorkerProcess()
{
    return g_isWorker;
}

void init(int &argc, char **argv)
{
    if (argc < 2)
        return;
    int status = -1;
    if (argc >= 5 && std::strcmp(argv[1], "--jobpool-worker") == 0) {
        g_isWorker = true;
        status = detail::runWorker(std::atoi(argv[2]), std::atoi(argv[3]), parsePid(argv[4]));
    } else if (argc >= 4 && std::strcmp(argv[1], "--jobpool-process") == 0) {
        g_isWorker = true;
        status = detail::runProcessChild(std::atoi(argv[2]), parsePid(argv[3]));
    } else {
        return;
    }
    std::fflush(nullptr);
    // Not exit(): the program's static destructors belong to its main process.
    _exit(status);
}

namespace detail {

void releaseWorkerCpu()
{
    if (g_keepsToCpu)
        ::sched_setaffinity(0, sizeof g_inheritedCpus, &g_inheritedCpus);
}

void publishChildPid(qint64 pid, qint64 tag)
{
    if (!g_channel)
        return;
    g_channel->childTag.store(tag, std::memory_order_relaxed);
    g_channel->childPid.store(pid, std::memory_order_release);
    // No ring: the parent looks while the worker is busy (a wake-up of the parent per
    // command would cost more than the command's start, docs/BENCHMARKS.md), and an end
    // is followed by the task's result, which rings anyway.
}

std::pair<QString, QString> describeException(const std::exception_ptr &error)
{
    try {
        std::rethrow_exception(error);
    } catch (const std::exception &e) {
        int status = 0;
        const char *mangled = typeid(e).name();
        std::unique_ptr<char, void (*)(void *)> demangled(
            abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
        return {QString::fromLatin1(status == 0 ? demangled.get() : mangled),
                QString::fromUtf8(e.what())};
    } catch (...) {
        return {QStringLiteral("unknown exception"), QStringLiteral("(not a std::exception)")};
    }
}

namespace {

/// One worker's end of its channel.
class WorkerLink
{
public:
    WorkerLink(ipc::ChannelView view, ipc::PoolBellHeader *bell, pid_t parent)
        : m_view(view)
        , m_bell(bell)
        , m_parent(parent)
        , m_requests(&view.header->requests, view.requestData, view.header->ringCapacity,
                     kMaxMessageSize)
        , m_responses(&view.header->responses, view.responseData, view.header->ringCapacity)
        , m_requestBulk(&view.header->requestBulkMap, view.requestBulk)
        , m_responseBulk(&view.header->responseBulkMap, view.responseBulk)
    {}

    bool parentAlive() const { return getppid() == m_parent; }

    /// Waits for the next request; false when the parent is gone.
    bool receive(QByteArrayView &message)
    {
        while (!m_requests.next(message)) {
            if (m_requests.takeReleased())
                m_bell->parentBell.ring(); // room for the rest of a long message
            const bool woken = m_view.header->workerBell.wait(
                [this] { return m_requests.hasData(); }, std::chrono::seconds(1));
            if (!parentAlive())
                return false;
            if (!woken) { // idle for a second: let go of shared memory nobody else holds
                SharedBlock::releaseAbandoned();
                m_requestBulk.reclaim();
            }
        }
        m_inBulk = kindOf(message) == ipc::MessageKind::Bulk;
        if (m_inBulk)
            message = m_requestBulk.open(message);
        return true;
    }

    /// Done with the request receive() returned (the arrays a task kept stay lent). \a ring
    /// false: a response follows at once, and its ring tells the parent about the room too.
    void release(bool ring = true)
    {
        m_requests.release();
        if (m_inBulk)
            m_requestBulk.close();
        if (m_requestBulk.lending())
            m_requestBulk.reclaim();
        if (ring)
            m_bell->parentBell.ring(); // the parent may be waiting for room
    }

    /// Where to encode the next response: in place in the largest free stretch of the
    /// bulk region, moving on into \a fallback if it outgrows that.
    Encoder responseEncoder(QByteArray &fallback) { return m_responseBulk.encoder(fallback); }

    /// Sends what \a encoder holds: copied into the ring when small, else by reference
    /// to the bulk region it was written in.
    bool sendEncoded(const Encoder &encoder)
    {
        ipc::BulkReference ref{};
        if (m_responseBulk.claim(encoder, kInlineLimit, ref))
            return send(QByteArrayView(reinterpret_cast<const char *>(&ref), sizeof ref));
        return send(QByteArrayView(encoder.data(), encoder.size()));
    }

    /// Sends a whole message, waiting for room as the parent drains; false when the
    /// parent is gone.
    bool send(QByteArrayView message)
    {
        qsizetype offset = 0;
        for (;;) {
            const std::uint64_t tail =
                m_view.header->responses.tail.load(std::memory_order_acquire);
            offset = m_responses.write(message, offset);
            m_bell->parentBell.ring();
            if (offset == message.size())
                return true;
            m_view.header->workerBell.wait(
                [&] {
                    return m_view.header->responses.tail.load(std::memory_order_acquire) != tail;
                },
                std::chrono::seconds(1));
            if (!parentAlive())
                return false;
        }
    }

private:
    ipc::ChannelView m_view;
    ipc::PoolBellHeader *m_bell;
    pid_t m_parent;
    ipc::RingReader m_requests;
    ipc::RingWriter m_responses;
    ipc::BulkReceiver m_requestBulk;
    ipc::BulkSender m_responseBulk;
    bool m_inBulk = false; ///< the request being served waits in the bulk region
};

void appendError(Encoder &out, const std::exception_ptr &error)
{
    const auto [type, message] = describeException(error);
    out.write(type);
    out.write(message);
}

/// The registered tasks this worker was asked for, by name; the last one is checked
/// first, without allocating, since chunks of one task usually come in a row.
class TaskCache
{
public:
    Invoker find(QByteArrayView name)
    {
        if (m_lastInvoker && name == m_lastName)
            return m_lastInvoker;
        const QByteArray key = name.toByteArray();
        auto it = m_all.find(key);
        if (it == m_all.end())
            it = m_all.insert(key, findTask(key));
        m_lastName = key;
        m_lastInvoker = it.value();
        return m_lastInvoker;
    }

private:
    QHash<QByteArray, Invoker> m_all;
    QByteArray m_lastName;
    Invoker m_lastInvoker = nullptr;
};

/// Runs one record of a Run message, appending its Result record to \a encoder.
void runRecord(Decoder &message, Encoder &encoder, TaskCache &tasks)
{
    RunHeader run{};
    message.readRaw(&run, sizeof run);
    if (run.bytes > std::uint64_t(message.remaining()))
        throw ProtocolError(QStringLiteral("run record longer than its message"));
    Decoder in(message.take(qsizetype(run.bytes)), qsizetype(run.bytes));

    const qsizetype resultAt = encoder.size();
    encoder.grow(sizeof(ResultHeader));
    ResultHeader result{std::uint32_t(ipc::MessageKind::Result), 0, run.chunkId, 0, 0};
    std::exception_ptr error;
    try {
        const qsizetype nameSize = in.readCount(1);
        const QByteArrayView name(in.take(nameSize), nameSize);
        const Invoker invoke = tasks.find(name);
        if (!invoke)
            throw PoolError(QStringLiteral("task '%1' is not registered in the worker program")
                                .arg(QString::fromUtf8(name)));
        if (run.count < 0)
            throw ProtocolError(QStringLiteral("negative item count"));
        // Before the task runs: should this worker die, the parent knows it started.
        g_channel->runningChunk.store(run.chunkId, std::memory_order_release);
        result.completed = invoke(in, run.count, encoder, error);
    } catch (...) {
        error = std::current_exception();
    }
    if (error) {
        result.failed = 1;
        appendError(encoder, error);
    }
    result.bytes = std::uint64_t(encoder.size() - resultAt - qsizetype(sizeof result));
    std::memcpy(encoder.at(resultAt), &result, sizeof result);
}

/// This process's own resident memory in bytes: its anonymous pages (heap, stacks), not the
/// program's code nor shared memory (a channel's bulk regions, shared blocks), which a
/// fresh worker would map again. From /proc/self/statm: resident minus shared. -1 when
/// unreadable.
qint64 ownResidentBytes()
{
    const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char text[160];
    const ssize_t n = ::read(fd, text, sizeof text - 1);
    ::close(fd);
    if (n <= 0)
        return -1;
    text[n] = '\0';
    unsigned long long size = 0, resident = 0, shared = 0;
    if (std::sscanf(text, "%llu %llu %llu", &size, &resident, &shared) != 3)
        return -1;
    return qint64(resident - std::min(shared, resident)) * qint64(::sysconf(_SC_PAGESIZE));
}

/// Whether this worker should make way for a fresh one: its own resident memory is above
/// \a limit, even after handing free heap back to the system.
bool overMemoryLimit(std::uint64_t limit)
{
    // The peak of the whole resident set is at least the current own part, and costs one
    // system call: /proc is read only once the peak has passed the limit.
    rusage usage{};
    if (::getrusage(RUSAGE_SELF, &usage) == 0 && std::uint64_t(usage.ru_maxrss) * 1024 <= limit)
        return false;
    const qint64 resident = ownResidentBytes();
    if (resident < 0 || std::uint64_t(resident) <= limit)
        return false;
    // Heap that was freed but kept (M_TRIM_THRESHOLD, in runWorker) is no leak: given back,
    // it no longer counts. Like loky, which collects garbage before it decides.
    malloc_trim(0);
    const qint64 trimmed = ownResidentBytes();
    return trimmed > 0 && std::uint64_t(trimmed) > limit;
}

/// Runs every record of a Run message into one Result message.
void runChunks(QByteArrayView message, Encoder &encoder, TaskCache &tasks)
{
    RunHeader first{};
    if (message.size() < qsizetype(sizeof first))
        throw ProtocolError(QStringLiteral("short run message"));
    std::memcpy(&first, message.data(), sizeof first);
    Decoder in(message);
    for (std::uint32_t i = 0; i < std::max<std::uint32_t>(1, first.records); ++i)
        runRecord(in, encoder, tasks);
}

} // namespace

int runWorker(int channelFd, int bellFd, pid_t parentPid)
{
    if (getppid() != parentPid)
        return 1; // the parent died before we could ask to die with it
    // Large arguments are decoded into fresh buffers task after task. Served from the heap
    // and kept there, they are reused warm instead of being mapped, zeroed by the kernel
    // and unmapped every time. (A worker's memory growth is bounded by recycling it:
    // maxTasksPerChild, maxWorkerMemory, which trims this heap before it counts.)
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    ipc::Segment channel;
    ipc::Segment bell;
    try {
        channel = ipc::Segment::adopt(channelFd);
        bell = ipc::Segment::adopt(bellFd);
    } catch (const Error &e) {
        std::fprintf(stderr, "jobpool worker: %s\n", e.what());
        return 2;
    }
    const ipc::ChannelView view = ipc::ChannelView::attach(channel);
    if (!view.header || bell.size() < sizeof(ipc::PoolBellHeader)) {
        std::fprintf(stderr, "jobpool worker: the inherited channel is not a JobPool channel\n");
        return 2;
    }
    g_channel = view.header;
    dieWithParentAndCommand(parentPid);
    keepToCpu(view.header->cpu);
    // The segments stay mapped; their descriptors must not reach commands we run.
    channel.closeFd();
    bell.closeFd();

    WorkerLink link(view, static_cast<ipc::PoolBellHeader *>(bell.data()), parentPid);
    const std::uint64_t maxMemory = view.header->maxMemory;
    TaskCache tasks;
    QByteArray out;
    bool ready = false;

    auto sendReady = [&] {
        out.resize(0);
        Encoder e(out);
        e.write(std::uint32_t(ipc::MessageKind::Ready));
        e.write(std::int64_t(getpid()));
        ready = true;
        return link.send(out);
    };
    if (!view.header->hasInitializer && !sendReady())
        return 1;

    for (;;) {
        QByteArrayView message;
        try {
            if (!link.receive(message))
                return 1;
        } catch (const Error &e) {
            std::fprintf(stderr, "jobpool worker: %s\n", e.what());
            return 3;
        }
        Decoder in(message);
        const ipc::MessageKind kind = kindOf(message);
        switch (kind) {
        case ipc::MessageKind::Run: {
            Encoder encoder = link.responseEncoder(out);
            try {
                runChunks(message, encoder, tasks);
            } catch (const Error &e) {
                std::fprintf(stderr, "jobpool worker: %s\n", e.what());
                return 3; // the parent sees a protocol error; its tasks fail as lost
            }
            link.release(false);
            std::fflush(stdout);
            if (!link.sendEncoded(encoder))
                return 1;
            // Before the next message, which may already wait in the ring: one over the
            // limit runs nothing more. The parent gives what waits to another worker.
            if (maxMemory > 0 && overMemoryLimit(maxMemory)) {
                const auto recycled = std::uint32_t(ipc::MessageKind::Recycled);
                link.send(
                    QByteArrayView(reinterpret_cast<const char *>(&recycled), sizeof recycled));
                return 0;
            }
            break;
        }
        case ipc::MessageKind::Initialize: {
            std::exception_ptr error;
            try {
                in.read<std::uint32_t>();
                const QByteArray name = in.read<QByteArray>();
                const Invoker invoke = findTask(name);
                if (!invoke)
                    throw PoolError(QStringLiteral("initializer '%1' is not registered in the "
                                                   "worker program")
                                        .arg(QString::fromUtf8(name)));
                QByteArray ignored;
                Encoder results(ignored);
                invoke(in, 1, results, error);
            } catch (...) {
                error = std::current_exception();
            }
            link.release();
            std::fflush(stdout);
            if (error) {
                out.resize(0);
                Encoder e(out);
                e.write(std::uint32_t(ipc::MessageKind::InitFailed));
                appendError(e, error);
                link.send(out);
                return 1;
            }
            if (!ready && !sendReady())
                return 1;
            break;
        }
        case ipc::MessageKind::Exit:
            link.release();
            return 0;
        default:
            std::fprintf(stderr, "jobpool worker: unknown request %u\n", unsigned(kind));
            return 3;
        }
    }
}

} // namespace detail
} // namespace jobpool
