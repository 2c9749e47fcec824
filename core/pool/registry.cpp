// SPDX-License-Identifier: GPL-3.0-or-later
#include "registry.h"

#include <jobpool/errors.h>
#include <jobpool/process.h>

#include <QHash>

#include <mutex>

namespace jobpool::detail {
namespace {

// Registration happens during static initialisation, in any order across translation
// units: function-local statics are constructed on first use.
struct Registry
{
    std::mutex mutex;
    QHash<QByteArray, Invoker> tasksByName;
    QHash<const void *, const char *> namesByFunction;
    QHash<const void *, QByteArray> nameArraysByFunction; ///< shared, so a lookup never allocates
    QHash<QByteArray, std::pair<ProcessSaver, ProcessFactory>> processTypes;
};

Registry &registry()
{
    static Registry r;
    return r;
}

} // namespace

void registerTask(const char *name, const void *function, Invoker invoker)
{
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    r.tasksByName.insert(QByteArray(name), invoker);
    r.namesByFunction.insert(function, name);
    r.nameArraysByFunction.insert(function, QByteArray(name));
}

const char *registeredTaskName(const void *function)
{
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    return r.namesByFunction.value(function, nullptr);
}

QByteArray taskNameOf(const void *function)
{
    Registry &r = registry();
    {
        std::lock_guard lock(r.mutex);
        const auto it = r.nameArraysByFunction.constFind(function);
        if (it != r.nameArraysByFunction.cend())
            return it.value();
    }
    throw PoolError(QStringLiteral("this function is not a registered task: add "
                                   "JOBPOOL_TASK(name) next to its definition"));
}

Invoker findTask(QByteArrayView name)
{
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    return r.tasksByName.value(name.toByteArray(), nullptr);
}

void registerProcessType(const char *typeName, ProcessSaver save, ProcessFactory make)
{
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    r.processTypes.insert(QByteArray(typeName), {save, make});
}

std::pair<ProcessSaver, ProcessFactory> findProcessType(QByteArrayView typeName)
{
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    return r.processTypes.value(typeName.toByteArray(), {nullptr, nullptr});
}

} // namespace jobpool::detail
