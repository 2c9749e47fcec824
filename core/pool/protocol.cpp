// SPDX-License-Identifier: GPL-3.0-or-later
#include "protocol.h"

#include <sys/mman.h>

namespace jobpool::detail {

void adviseLargeBuffer(void *data, qsizetype size)
{
    constexpr std::uintptr_t kHuge = std::uintptr_t(2) << 20;
    if (size < qsizetype(4 * kHuge))
        return;
    const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(data) + std::uintptr_t(size)) & ~(kHuge - 1);
    if (end > begin)
        madvise(reinterpret_cast<void *>(begin), end - begin, MADV_HUGEPAGE);
}

} // namespace jobpool::detail
