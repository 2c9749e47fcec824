// SPDX-License-Identifier: GPL-3.0-or-later
#include "bulk.h"

#include "channel.h"

#include <jobpool/errors.h>

#include <QArrayData>

#include <bit>
#include <cstring>
#include <mutex>

#include <sys/mman.h>

namespace jobpool::ipc {

namespace {

/// Bulk memory beyond this stays allocated only while a message or a lent array uses it;
/// below it, pages are kept warm for the next large message.
constexpr std::uint64_t kKeepWarm = std::uint64_t(128) << 20;

bool unitTaken(const BulkMap &map, std::uint64_t unit)
{
    return (map.used[unit / 64].load(std::memory_order_acquire) >> (unit % 64)) & 1;
}

/// Sets (\a taken) or clears the bits of units [first, first + count).
void markUnits(BulkMap &map, std::uint64_t first, std::uint64_t count, bool taken)
{
    for (std::uint64_t unit = first; unit < first + count;) {
        const std::uint64_t bit = unit % 64;
        const std::uint64_t n = std::min<std::uint64_t>(64 - bit, first + count - unit);
        const std::uint64_t mask = (n == 64 ? ~std::uint64_t(0) : ((std::uint64_t(1) << n) - 1))
                                   << bit;
        if (taken)
            map.used[unit / 64].fetch_or(mask, std::memory_order_acq_rel);
        else
            map.used[unit / 64].fetch_and(~mask, std::memory_order_acq_rel);
        unit += n;
    }
}

/// The longest run of free units: {first, count}.
std::pair<std::uint64_t, std::uint64_t> largestFreeRun(const BulkMap &map)
{
    std::uint64_t bestFirst = 0;
    std::uint64_t bestCount = 0;
    std::uint64_t runFirst = 0;
    std::uint64_t unit = 0;
    while (unit < kBulkUnits) {
        const std::uint64_t word = map.used[unit / 64].load(std::memory_order_acquire);
        if (word == 0 && unit % 64 == 0) { // the common case: 64 free units at once
            unit += 64;
        } else if (!unitTaken(map, unit)) {
            ++unit;
        } else {
            if (unit - runFirst > bestCount) {
                bestFirst = runFirst;
                bestCount = unit - runFirst;
            }
            runFirst = ++unit;
        }
    }
    if (kBulkUnits - runFirst > bestCount) {
        bestFirst = runFirst;
        bestCount = kBulkUnits - runFirst;
    }
    return {bestFirst, bestCount};
}

/// The message being decoded on this thread, if it may lend.
struct LendingScope
{
    const char *begin = nullptr;
    const char *end = nullptr;
    std::vector<QArrayData *> *loans = nullptr;
};
thread_local LendingScope t_scope;

/// Mappings of channels that are gone, kept while arrays lent out of them live.
struct Orphans
{
    std::mutex mutex;
    std::vector<std::pair<std::shared_ptr<void>, std::vector<QArrayData *>>> kept;
    std::atomic<bool> any{false};
};
Orphans &orphans()
{
    static Orphans instance;
    return instance;
}

} // namespace

Encoder BulkSender::encoder(QByteArray &spill)
{
    spill.resize(0);
    const auto [first, count] = largestFreeRun(*m_map);
    if (count == 0)
        return Encoder(spill);
    return Encoder(m_region + first * kBulkUnit, qsizetype(count * kBulkUnit), &spill);
}

bool BulkSender::claim(const Encoder &encoder, qsizetype inlineLimit, BulkReference &reference)
{
    const char *at = encoder.data();
    if (encoder.size() <= inlineLimit || at < m_region || at >= m_region + kBulkRegionSize)
        return false;
    const auto first = std::uint64_t(at - m_region) / kBulkUnit;
    const std::uint64_t units = (std::uint64_t(encoder.size()) + kBulkUnit - 1) / kBulkUnit;
    markUnits(*m_map, first, units, true);
    reference = {std::uint32_t(MessageKind::Bulk), std::uint32_t(first),
                 std::uint64_t(encoder.size())};
    return true;
}

BulkReceiver::~BulkReceiver()
{
    if (m_isOpen)
        close();
}

QByteArrayView BulkReceiver::open(QByteArrayView message)
{
    BulkReference ref{};
    if (message.size() != qsizetype(sizeof ref))
        throw ProtocolError(QStringLiteral("malformed bulk reference"));
    std::memcpy(&ref, message.data(), sizeof ref);
    if (ref.firstUnit >= kBulkUnits || ref.size < sizeof(std::uint32_t)
        || ref.size > kBulkRegionSize - ref.firstUnit * kBulkUnit)
        throw ProtocolError(QStringLiteral("bulk message of %1 bytes at unit %2 does not fit its "
                                           "region")
                                .arg(ref.size)
                                .arg(ref.firstUnit));
    m_open = Message{ref.firstUnit, std::uint32_t((ref.size + kBulkUnit - 1) / kBulkUnit), {}};
    m_isOpen = true;
    const char *begin = m_region + std::uint64_t(ref.firstUnit) * kBulkUnit;
    t_scope = LendingScope{begin, begin + ref.size, &m_open.loans};
    return QByteArrayView(begin, qsizetype(ref.size));
}

void BulkReceiver::close()
{
    t_scope = LendingScope{};
    m_isOpen = false;
    if (returned(m_open.loans))
        release(m_open);
    else
        m_lent.push_back(std::move(m_open));
}

void BulkReceiver::reclaim()
{
    for (auto it = m_lent.begin(); it != m_lent.end();) {
        if (returned(it->loans)) {
            release(*it);
            it = m_lent.erase(it);
        } else {
            ++it;
        }
    }
    reclaimOrphans();
}

bool BulkReceiver::returned(std::vector<QArrayData *> &loans)
{
    // The reference held here is the last one: nobody can copy the array any more.
    std::erase_if(loans, [](QArrayData *d) { return d->ref_.loadAcquire() == 1; });
    return loans.empty();
}

void BulkReceiver::release(const Message &message)
{
    const std::uint64_t begin = std::uint64_t(message.firstUnit) * kBulkUnit;
    const std::uint64_t end = begin + std::uint64_t(message.units) * kBulkUnit;
    if (end > kKeepWarm) {
        const std::uint64_t from = std::max(begin, kKeepWarm);
        madvise(m_region + from, end - from, MADV_REMOVE);
    }
    markUnits(*m_map, message.firstUnit, message.units, false);
}

void BulkReceiver::orphan(std::shared_ptr<void> mapping)
{
    if (m_isOpen)
        close();
    std::vector<QArrayData *> loans;
    for (Message &m : m_lent)
        loans.insert(loans.end(), m.loans.begin(), m.loans.end());
    m_lent.clear();
    if (returned(loans))
        return;
    Orphans &o = orphans();
    std::lock_guard lock(o.mutex);
    o.kept.emplace_back(std::move(mapping), std::move(loans));
    o.any.store(true, std::memory_order_release);
}

void BulkReceiver::reclaimOrphans()
{
    Orphans &o = orphans();
    if (!o.any.load(std::memory_order_acquire))
        return;
    std::lock_guard lock(o.mutex);
    std::erase_if(o.kept, [](auto &kept) { return returned(kept.second); });
    o.any.store(!o.kept.empty(), std::memory_order_release);
}

} // namespace jobpool::ipc

namespace jobpool::detail {

std::optional<QByteArray> lendBytes(const char *data, qsizetype size)
{
    using Header = QTypedArrayData<char>;
    static_assert(sizeof(Header) == kLendHeaderSpace);
    ipc::LendingScope &scope = ipc::t_scope;
    if (!scope.loans || data - kLendHeaderSpace < scope.begin || data + size > scope.end
        || reinterpret_cast<std::uintptr_t>(data) % kLendHeaderSpace != 0)
        return std::nullopt;
    // The array's header goes where Qt's allocator would have put it, right before the
    // bytes, so that Qt sees an ordinary array with no free space at either end. Two
    // references: the program's, and the receiver's, which keeps the array shared — any
    // attempt to change it copies it first — and tells the receiver when it is the last.
    auto *header = reinterpret_cast<Header *>(const_cast<char *>(data) - kLendHeaderSpace);
    header->ref_.storeRelaxed(2);
    header->flags = {};
    header->alloc = size;
    Q_ASSERT(Header::dataStart(header, alignof(Header::AlignmentDummy)) == data);
    scope.loans->push_back(header);
    return QByteArray(QByteArray::DataPointer(header, const_cast<char *>(data), size));
}

} // namespace jobpool::detail
