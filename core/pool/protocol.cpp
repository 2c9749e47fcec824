// SPDX-License-Identifier: GPL-3.0-or-later
#include "protocol.h"

#include <jobpool/errors.h>

#include <cstring>

#include <sys/mman.h>

namespace jobpool::detail {

void releaseBulk(std::atomic<std::uint32_t> &busy, char *region, qsizetype size)
{
    if (size > kBulkKeepWarm) {
        // Keep the first pages warm for the next large message; free the rest.
        const std::uintptr_t page = 4096;
        char *from = region + kBulkKeepWarm;
        const std::size_t length = (std::size_t(size - kBulkKeepWarm) + page - 1) & ~(page - 1);
        madvise(from, length, MADV_REMOVE);
    }
    busy.store(0, std::memory_order_release);
}

QByteArrayView resolveBulk(QByteArrayView message, const char *region, std::uint64_t capacity)
{
    BulkReference ref{};
    if (message.size() != qsizetype(sizeof ref))
        throw ProtocolError(QStringLiteral("malformed bulk reference"));
    std::memcpy(&ref, message.data(), sizeof ref);
    if (ref.size > capacity || ref.size < sizeof(std::uint32_t))
        throw ProtocolError(
            QStringLiteral("bulk message of %1 bytes does not fit its region").arg(ref.size));
    return QByteArrayView(region, qsizetype(ref.size));
}

} // namespace jobpool::detail

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
