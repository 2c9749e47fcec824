// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/codec.h>

#include <QByteArrayView>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

struct QArrayData;

/// \file
/// The bulk regions of a worker's channel: where messages too large for a ring are
/// written in place, and where a large byte array a message carries stays for as long as
/// its receiver keeps it — handed over, not copied.
///
/// Each direction's region is cut into units of kBulkUnit bytes, and a bitmap in the
/// channel header says which are taken. Only the sender takes units (one thread per
/// direction), only the receiver gives them back, so each bit has one writer at a time.
/// The sender writes a message into the largest free stretch and marks the units it
/// filled; the receiver decodes the message in place and frees the units once it is done
/// with them — at once, or when the last byte array it lent out of them is dropped.

namespace jobpool::ipc {

constexpr std::uint64_t kBulkUnit = std::uint64_t(1) << 20;
constexpr std::uint64_t kBulkUnits = 2048;
constexpr std::uint64_t kBulkRegionSize = kBulkUnit * kBulkUnits; ///< 2 GiB, sparse

/// Which units of one bulk region are taken: bit u of word u / 64.
struct BulkMap
{
    std::atomic<std::uint64_t> used[kBulkUnits / 64] = {};
};

/// A message that waits in the sender's bulk region; what crosses the ring instead of it.
struct BulkReference
{
    std::uint32_t kind; ///< MessageKind::Bulk
    std::uint32_t firstUnit;
    std::uint64_t size;
};

/// The sending side of one bulk region.
class BulkSender
{
public:
    BulkSender(BulkMap *map, char *region)
        : m_map(map)
        , m_region(region)
    {}

    /// Where to encode the next message: the largest free stretch of the region. A message
    /// that outgrows it moves on into \a spill, which then travels through the ring.
    Encoder encoder(QByteArray &spill);
    /// After encoding into encoder(): when the message is large and sits in the region,
    /// marks its units taken and returns the reference to send in its place; otherwise
    /// false, and the message's bytes go through the ring.
    bool claim(const Encoder &encoder, qsizetype inlineLimit, BulkReference &reference);

private:
    BulkMap *m_map;
    char *m_region;
};

/// The receiving side of one bulk region. While a message is open, decoding a large
/// QByteArray out of it lends the bytes in place (see Codec<QByteArray>): the array's
/// header is written into the padding before them, with one reference held here. The
/// units stay taken until that reference is the only one left, i.e. until every copy
/// the program made of the array is gone.
class BulkReceiver
{
public:
    BulkReceiver(BulkMap *map, char *region)
        : m_map(map)
        , m_region(region)
    {}
    ~BulkReceiver();
    BulkReceiver(const BulkReceiver &) = delete;
    BulkReceiver &operator=(const BulkReceiver &) = delete;

    /// The message \a reference names, open for lending on this thread until close();
    /// throws ProtocolError on a reference that does not fit the region.
    QByteArrayView open(QByteArrayView reference);
    /// Done decoding the open message: frees its units, or keeps them while it lent.
    void close();
    /// Frees the units of messages whose lent arrays have all been dropped.
    void reclaim();
    /// Byte arrays lent out of this region are still alive somewhere.
    bool lending() const { return !m_lent.empty(); }

    /// For a channel that goes away while arrays it lent live on: \a mapping (the
    /// channel's memory) stays until the last of them is dropped.
    void orphan(std::shared_ptr<void> mapping);
    /// Lets go of the mappings of gone channels whose lent arrays are all dropped.
    static void reclaimOrphans();

private:
    struct Message
    {
        std::uint32_t firstUnit = 0;
        std::uint32_t units = 0;
        std::vector<QArrayData *> loans;
    };
    void release(const Message &message);
    static bool returned(std::vector<QArrayData *> &loans);

    BulkMap *m_map;
    char *m_region;
    Message m_open;
    bool m_isOpen = false;
    std::vector<Message> m_lent;
};

} // namespace jobpool::ipc
