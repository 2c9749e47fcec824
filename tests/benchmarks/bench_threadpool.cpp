// SPDX-License-Identifier: GPL-3.0-or-later
//
// ThreadPool benchmark (issue #10): where threads win and where processes do, one case at a
// time, through jobpool::ThreadPool and jobpool::Pool with the same number of workers.
// tests/benchmarks/threadpool_anchor.py measures the same cases on Python's
// multiprocessing.dummy.Pool (threads) and multiprocessing.Pool (processes), and
// run-threadpool-bench.sh sets the four side by side.
//
//   io     200 requests to a local server that answers each after 20 ms (a slow web service
//          or a remote disk: the task waits in recv(), using no CPU), 20 workers
//   burst  the same 200 requests all at once: a pool of 200 workers made for them, the
//          requests, the pool gone — what a program pays to fire them all together
//   cpu    200 tasks of ~5 ms of pure computation each (calibrated on this machine), 2
//          workers, and the same 200 run one after another in this thread
//   start  a pool of 20 workers created, to its first result
//
// Prints one line per figure, e.g. `case=io_threads value=212.3 unit=ms`. Workers of the
// Pool are this executable, re-launched: jobpool::init() comes first.
//
//   bench_threadpool [--case NAME]... [--list]

#include "benchcases.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using jobpool::bench::check;
using jobpool::bench::Clock;
using jobpool::bench::report;
using jobpool::bench::secondsSince;

namespace {

constexpr int IoTasks = 200;
constexpr auto IoDelay = std::chrono::milliseconds(20);
constexpr int IoWorkers = 20;
constexpr int BurstWorkers = IoTasks;
constexpr int ReplyBytes = 16 * 1024;
constexpr int CpuTasks = 200;
constexpr double CpuTaskSeconds = 0.005;
constexpr int CpuWorkers = 2;
constexpr int StartWorkers = 20;
constexpr int StartPools = 5;
constexpr int Repeats = 3; // best of: runs of a fraction of a second show scheduling noise

/// A local server that answers every request after IoDelay with ReplyBytes, and closes.
/// One thread and poll(), so that it keeps up with any number of waiting clients.
class SlowServer
{
public:
    SlowServer()
    {
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (m_listen < 0 || ::bind(m_listen, reinterpret_cast<sockaddr *>(&address), length) != 0
            || ::listen(m_listen, 512) != 0
            || ::getsockname(m_listen, reinterpret_cast<sockaddr *>(&address), &length) != 0
            || ::pipe2(m_stop, O_CLOEXEC) != 0)
            throw std::runtime_error("cannot start the local server");
        m_port = ntohs(address.sin_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~SlowServer()
    {
        const char quit = 'q';
        [[maybe_unused]] const ssize_t n = ::write(m_stop[1], &quit, 1);
        m_thread.join();
        ::close(m_stop[0]);
        ::close(m_stop[1]);
        ::close(m_listen);
    }
    int port() const { return m_port; }

private:
    struct Client
    {
        int fd;
        std::optional<Clock::time_point> due; ///< when to answer, once it asked
    };

    void serve()
    {
        const std::string reply(ReplyBytes, 'x');
        std::vector<Client> clients;
        std::vector<pollfd> fds;
        for (;;) {
            fds = {{m_stop[0], POLLIN, 0}, {m_listen, POLLIN, 0}};
            int timeout = -1;
            const Clock::time_point now = Clock::now();
            for (const Client &c : clients) {
                if (!c.due) {
                    fds.push_back({c.fd, POLLIN, 0});
                } else {
                    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*c.due - now);
                    const int ms = std::max(0, int(left.count()));
                    timeout = timeout < 0 ? ms : std::min(timeout, ms);
                }
            }
            if (::poll(fds.data(), fds.size(), timeout) < 0)
                continue;
            if (fds[0].revents)
                break;
            if (fds[1].revents & POLLIN) {
                const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
                if (fd >= 0)
                    clients.push_back({fd, std::nullopt});
            }
            for (std::size_t i = 2; i < fds.size(); ++i) {
                if (!fds[i].revents)
                    continue;
                char request;
                for (Client &c : clients) {
                    if (c.fd == fds[i].fd)
                        c.due = Clock::now() + IoDelay;
                }
                [[maybe_unused]] const ssize_t n = ::recv(fds[i].fd, &request, 1, 0);
            }
            const Clock::time_point later = Clock::now();
            std::erase_if(clients, [&](const Client &c) {
                if (!c.due || *c.due > later)
                    return false;
                [[maybe_unused]] const ssize_t n =
                    ::send(c.fd, reply.data(), reply.size(), MSG_NOSIGNAL);
                ::close(c.fd);
                return true;
            });
        }
        for (const Client &c : clients)
            ::close(c.fd);
    }

    int m_listen = -1;
    int m_stop[2] = {-1, -1};
    int m_port = 0;
    std::thread m_thread;
};

} // namespace

// --- tasks: free functions, registered, so that both pools run the very same code --------

/// A request to the local server: connects, asks, reads the answer to its end.
qint64 fetch(int port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(quint16(port));
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0
        || ::send(fd, "?", 1, MSG_NOSIGNAL) != 1) {
        if (fd >= 0)
            ::close(fd);
        throw std::runtime_error("cannot reach the local server");
    }
    qint64 total = 0;
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
        total += n;
    ::close(fd);
    return total;
}
JOBPOOL_TASK(fetch)

/// Pure computation: \a iterations rounds of xorshift64, each depending on the last.
quint64 burn(quint64 iterations)
{
    quint64 x = 88172645463325252ULL;
    for (quint64 i = 0; i < iterations; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}
JOBPOOL_TASK(burn)

int answer(int n)
{
    return n;
}
JOBPOOL_TASK(answer)

namespace {

jobpool::PoolOptions poolOptions(int workers)
{
    jobpool::PoolOptions options;
    options.workers = workers;
    return options;
}

/// Best wall time of Repeats maps of \a fn over \a inputs on \a pool, checking the results.
template<class P, class Fn, class Inputs, class Check>
double bestMap(P &pool, Fn fn, const Inputs &inputs, Check resultsAreRight)
{
    double best = std::numeric_limits<double>::infinity();
    for (int rep = 0; rep < Repeats; ++rep) {
        const auto t0 = Clock::now();
        const auto results = pool.map(fn, inputs, {.chunkSize = 1});
        best = std::min(best, secondsSince(t0));
        resultsAreRight(results);
    }
    return best;
}

void caseIo()
{
    SlowServer server;
    const QList<int> ports(IoTasks, server.port());
    const auto rightSize = [](const QList<qint64> &sizes) {
        check(sizes.size() == IoTasks
                  && std::all_of(sizes.begin(), sizes.end(),
                                 [](qint64 s) { return s == ReplyBytes; }),
              "io");
    };
    {
        jobpool::ThreadPool pool({.workers = IoWorkers});
        pool.map(fetch, QList<int>(IoWorkers, server.port()), {.chunkSize = 1}); // warm-up
        report("io_threads", bestMap(pool, fetch, ports, rightSize) * 1000, "ms");
    }
    {
        jobpool::Pool pool(poolOptions(IoWorkers));
        pool.map(fetch, QList<int>(IoWorkers, server.port()), {.chunkSize = 1});
        report("io_processes", bestMap(pool, fetch, ports, rightSize) * 1000, "ms");
    }
}

template<class P, class Options>
double bestBurst(const SlowServer &server, Options options)
{
    const QList<int> ports(IoTasks, server.port());
    double best = std::numeric_limits<double>::infinity();
    for (int rep = 0; rep < Repeats; ++rep) {
        const auto t0 = Clock::now();
        qint64 total = 0;
        {
            P pool(options);
            for (qint64 size : pool.map(fetch, ports, {.chunkSize = 1}))
                total += size;
        }
        best = std::min(best, secondsSince(t0));
        check(total == qint64(IoTasks) * ReplyBytes, "burst");
    }
    return best;
}

void caseBurst()
{
    SlowServer server;
    report(
        "burst_threads",
        bestBurst<jobpool::ThreadPool>(server, jobpool::ThreadPoolOptions{.workers = BurstWorkers})
            * 1000,
        "ms");
    report("burst_processes", bestBurst<jobpool::Pool>(server, poolOptions(BurstWorkers)) * 1000,
           "ms");
}

void caseCpu()
{
    // Calibrates the task to ~CpuTaskSeconds on this machine (best of a few runs).
    constexpr quint64 Probe = 2'000'000;
    quint64 (*volatile serialBurn)(quint64) = burn; // the same code the pools run
    double probe = std::numeric_limits<double>::infinity();
    for (int i = 0; i < 5; ++i) {
        const auto t0 = Clock::now();
        check(serialBurn(Probe) != 0, "cpu probe");
        probe = std::min(probe, secondsSince(t0));
    }
    const quint64 iterations = quint64(double(Probe) * CpuTaskSeconds / probe);
    const QList<quint64> work(CpuTasks, iterations);
    const quint64 expected = burn(iterations);
    const auto rightValues = [expected](const QList<quint64> &values) {
        check(values == QList<quint64>(CpuTasks, expected), "cpu");
    };

    double serial = std::numeric_limits<double>::infinity();
    for (int rep = 0; rep < Repeats; ++rep) {
        const auto t0 = Clock::now();
        QList<quint64> values;
        for (quint64 n : work)
            values.append(serialBurn(n));
        serial = std::min(serial, secondsSince(t0));
        rightValues(values);
    }
    std::printf("info case=cpu iterations=%llu task_ms=%.2f\n",
                static_cast<unsigned long long>(iterations), serial / CpuTasks * 1000);
    report("cpu_serial", serial * 1000, "ms");
    {
        jobpool::ThreadPool pool({.workers = CpuWorkers});
        pool.map(answer, QList<int>{1, 2});
        report("cpu_threads", bestMap(pool, burn, work, rightValues) * 1000, "ms");
    }
    {
        jobpool::Pool pool(poolOptions(CpuWorkers));
        pool.map(answer, QList<int>{1, 2});
        report("cpu_processes", bestMap(pool, burn, work, rightValues) * 1000, "ms");
    }
}

template<class P, class Options>
double medianStart(Options options)
{
    std::vector<double> samples;
    for (int i = 0; i < StartPools; ++i) {
        std::optional<P> pool;
        const auto t0 = Clock::now();
        pool.emplace(options);
        const int r = pool->apply(answer, 3);
        samples.push_back(secondsSince(t0));
        check(r == 3, "start");
        pool.reset(); // tear-down is not part of the figure
    }
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

void caseStart()
{
    report("start_threads",
           medianStart<jobpool::ThreadPool>(jobpool::ThreadPoolOptions{.workers = StartWorkers})
               * 1000,
           "ms");
    report("start_processes", medianStart<jobpool::Pool>(poolOptions(StartWorkers)) * 1000, "ms");
}

constexpr jobpool::bench::Case Cases[] = {
    {"io", caseIo},
    {"burst", caseBurst},
    {"cpu", caseCpu},
    {"start", caseStart},
};

} // namespace

int main(int argc, char **argv)
{
    jobpool::init(argc, argv); // a worker never returns from here
    QCoreApplication app(argc, argv);

    return jobpool::bench::runCases(
        app, "bench_threadpool",
        QStringLiteral("ThreadPool vs Pool benchmark; prints case=NAME value=X unit=U lines."),
        Cases);
}
