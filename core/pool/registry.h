// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/process.h>
#include <jobpool/task.h>

#include <utility>

namespace jobpool::detail {

/// The saver and factory JOBPOOL_PROCESS registered for a Process subclass, by the
/// mangled type name; nulls when there is none.
std::pair<ProcessSaver, ProcessFactory> findProcessType(QByteArrayView typeName);

} // namespace jobpool::detail
