// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/codec.h>

#include <exception>
#include <tuple>
#include <type_traits>

/// \file
/// Registering functions that workers can run, and turning a process into a worker.
///
/// \code
/// int square(int n) { return n * n; }
/// JOBPOOL_TASK(square)
///
/// int main(int argc, char **argv)
/// {
///     jobpool::init(argc, argv); // a worker never returns from here
///     jobpool::Pool pool;
///     qDebug() << pool.map(square, QList<int>{1, 2, 3});
/// }
/// \endcode

namespace jobpool {

/// The first line of `main`. In a process that a Pool or a Process launched, it runs
/// the worker loop and ends the process; anywhere else it returns at once. (The C++
/// twin of Python's `if __name__ == '__main__':`.)
void init(int &argc, char **argv);

/// True in a process that a Pool or Process started (inside a task, or a Process::run()).
bool isWorkerProcess();

namespace detail {

/// Runs \a count items read from \a in and appends their results to \a out. Stops at the
/// first item that throws, storing the exception in \a error; returns how many items
/// completed.
using Invoker = qsizetype (*)(Decoder &in, qsizetype count, Encoder &out,
                              std::exception_ptr &error);

void registerTask(const char *name, const void *function, Invoker invoker);
/// The registered name of \a function, or nullptr when it was never registered.
const char *registeredTaskName(const void *function);
Invoker findTask(QByteArrayView name);

template<class... A>
struct MapItem
{
    using type = std::tuple<A...>;
};
template<class A>
struct MapItem<A>
{
    using type = A;
};

template<class F>
struct FunctionTraits;

template<class R, class... A>
struct FunctionTraits<R (*)(A...)>
{
    using Result = R;
    using Arguments = std::tuple<std::decay_t<A>...>;
    static constexpr std::size_t arity = sizeof...(A);
    /// What one item of a map travels as: the argument itself for a one-argument
    /// function, a tuple of the arguments otherwise.
    using Item = typename MapItem<std::decay_t<A>...>::type;
};
template<class R, class... A>
struct FunctionTraits<R (*)(A...) noexcept> : FunctionTraits<R (*)(A...)>
{
};
template<class R, class... A>
struct FunctionTraits<R (&)(A...)> : FunctionTraits<R (*)(A...)>
{
};
template<class R, class... A>
struct FunctionTraits<R(A...)> : FunctionTraits<R (*)(A...)>
{
};

template<class Fn>
using TaskResult = typename FunctionTraits<std::decay_t<Fn>>::Result;
template<class Fn>
using TaskItem = typename FunctionTraits<std::decay_t<Fn>>::Item;

template<auto Fn>
qsizetype invokeTask(Decoder &in, qsizetype count, Encoder &out, std::exception_ptr &error)
{
    using Traits = FunctionTraits<decltype(Fn)>;
    using R = typename Traits::Result;
    using Item = typename Traits::Item;
    constexpr bool rawResult = std::is_void_v<R> || RawCodable<R>;

    if constexpr (Traits::arity == 1 && RawCodable<Item> && rawResult) {
        // Fast path: a contiguous block of plain arguments in, plain results out.
        const char *args = in.takeArray(count, sizeof(Item));
        char *results = nullptr;
        if constexpr (!std::is_void_v<R>)
            results = out.grow(count * qsizetype(sizeof(R)));
        for (qsizetype i = 0; i < count; ++i) {
            Item arg;
            std::memcpy(&arg, args + i * sizeof(Item), sizeof(Item));
            try {
                if constexpr (std::is_void_v<R>) {
                    Fn(arg);
                } else {
                    const R r = Fn(arg);
                    std::memcpy(results + i * sizeof(R), &r, sizeof(R));
                }
            } catch (...) {
                error = std::current_exception();
                if constexpr (!std::is_void_v<R>)
                    out.truncate(out.size() - (count - i) * qsizetype(sizeof(R)));
                return i;
            }
        }
        return count;
    } else {
        for (qsizetype i = 0; i < count; ++i) {
            // Decoded straight into the call's arguments: they need no default constructor.
            auto args = [&in] {
                if constexpr (Traits::arity == 1)
                    return std::tuple<Item>(in.read<Item>());
                else if constexpr (Traits::arity > 1)
                    return in.read<Item>();
                else
                    return std::tuple<>();
            }();
            try {
                if constexpr (std::is_void_v<R>)
                    std::apply(Fn, std::move(args));
                else
                    out.write(std::apply(Fn, std::move(args)));
            } catch (...) {
                error = std::current_exception();
                return i;
            }
        }
        return count;
    }
}

template<auto Fn>
bool registerTaskFunction(const char *name)
{
    registerTask(name, reinterpret_cast<const void *>(Fn), &invokeTask<Fn>);
    return true;
}

/// The name under which \a fn was registered; throws PoolError when it was not.
QByteArray taskNameOf(const void *function);

} // namespace detail
} // namespace jobpool

#define JOBPOOL_DETAIL_CONCAT2(a, b) a##b
#define JOBPOOL_DETAIL_CONCAT(a, b) JOBPOOL_DETAIL_CONCAT2(a, b)

/// Registers the free function \a fn under its name, so that a worker — this same
/// program, re-launched — can run it. Put it at namespace scope, next to the function.
#define JOBPOOL_TASK(fn)                                                                           \
    [[maybe_unused]] static const bool JOBPOOL_DETAIL_CONCAT(jobpool_task_, __LINE__) =            \
        ::jobpool::detail::registerTaskFunction<&fn>(#fn);
