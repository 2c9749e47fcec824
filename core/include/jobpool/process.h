// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/codec.h>
#include <jobpool/task.h>

#include <QString>

#include <chrono>
#include <memory>
#include <optional>
#include <typeinfo>

namespace jobpool {

/// One child process running one function, the twin of Python's multiprocessing.Process.
///
/// \code
/// void greet(QString who) { std::printf("hello %s from %d\n", qPrintable(who), getpid()); }
/// JOBPOOL_TASK(greet)
///
/// jobpool::Process p(greet, QStringLiteral("world"));
/// p.start();
/// p.join();            // p.exitCode() == 0
/// \endcode
///
/// The subclass form: derive, override run(), give the class QDataStream operators for
/// the members that must travel, and register it with JOBPOOL_PROCESS(MyProcess).
///
/// Destroying a started process waits for it, as Python waits for its non-daemon children
/// at exit; a daemon process (setDaemon(true)) is terminated instead.
class Process
{
public:
    template<class Fn, class... Args>
    explicit Process(Fn fn, Args &&...args)
        : Process()
    {
        using Traits = detail::FunctionTraits<std::decay_t<Fn>>;
        static_assert(sizeof...(Args) == Traits::arity, "Process: wrong number of arguments");
        m_task = detail::taskNameOf(reinterpret_cast<const void *>(fn));
        Encoder out(m_arguments);
        if constexpr (Traits::arity > 0)
            out.write(typename Traits::Item(std::forward<Args>(args)...));
    }
    virtual ~Process();

    Process(const Process &) = delete;
    Process &operator=(const Process &) = delete;

    /// Starts the child. Throws PoolError when it cannot be started (or was already).
    void start();
    /// Waits for the child to end, at most \a timeout (negative: for ever). True once it
    /// has ended.
    bool join(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));
    bool isAlive() const;
    /// The child's pid once started, else 0.
    qint64 pid() const;
    /// The exit status once ended: 0 for a clean return, 1 when run() threw, the
    /// negative signal number when killed. Empty while running or before start.
    std::optional<int> exitCode() const;
    void terminate(); ///< SIGTERM
    void kill();      ///< SIGKILL

    QString name() const { return m_name; }
    void setName(const QString &name) { m_name = name; }
    bool isDaemon() const { return m_daemon; }
    void setDaemon(bool daemon) { m_daemon = daemon; }

protected:
    /// For subclasses that override run().
    Process();
    /// What the child runs. The default runs the function given to the constructor.
    virtual void run();

private:
    friend struct ProcessAccess;
    QByteArray m_task;
    QByteArray m_arguments;
    QString m_name;
    bool m_daemon = false;
    struct Child;
    std::unique_ptr<Child> m_child;
};

namespace detail {

using ProcessSaver = void (*)(const Process &, QDataStream &);
using ProcessFactory = Process *(*)(QDataStream &);
void registerProcessType(const char *typeName, ProcessSaver save, ProcessFactory make);

template<class P>
bool registerProcessClass()
{
    static_assert(std::is_base_of_v<Process, P>, "JOBPOOL_PROCESS: not a jobpool::Process");
    registerProcessType(
        typeid(P).name(), [](const Process &p, QDataStream &s) { s << static_cast<const P &>(p); },
        [](QDataStream &s) -> Process * {
            auto *p = new P;
            s >> *p;
            return p;
        });
    return true;
}

} // namespace detail
} // namespace jobpool

/// Registers a subclass of jobpool::Process so that its child can rebuild it. The class
/// must be default-constructible and have QDataStream operators << and >>.
#define JOBPOOL_PROCESS(cls)                                                                       \
    [[maybe_unused]] static const bool JOBPOOL_DETAIL_CONCAT(jobpool_process_, __LINE__) =         \
        ::jobpool::detail::registerProcessClass<cls>();
