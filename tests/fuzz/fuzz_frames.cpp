// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: what a worker writes, as the parent decodes it. A worker is another
// process; whatever it puts in its response ring or bulk region must end in a
// ProtocolError (the engine then drops the worker), never in a crash, a read out of
// bounds, undefined behaviour or an allocation of whatever size the bytes claim.
//
// The input is three bytes the parent would know, then the worker's bytes:
//
//   byte 0   the result type of the batch in flight (see kTypes)
//   byte 1   bits 0-1: how the bytes arrive. 0: one message, as the ring hands it
//            over. 1: a response ring image: u64 tail (taken down to a multiple of
//            8), u64 head, then the ring's kRingCapacity bytes. 2: a bulk reference
//            (16 bytes) into the bulk region, then the message written there.
//            3: no message; the Decoder's own calls, picked by the bytes (decodeCalls).
//            Bit 2: deliver into a QFuture (mapAsync…) instead of a list (map…)
//   byte 2   items per chunk, 1 + byte % 8; four chunks, ids 1 to 4, are in flight
//
// The ring reader, the bulk receiver, the Decoder and the codecs are the library's own;
// Parent below walks a message as Dispatcher::handleMessage and handleResult do (those
// belong to the dispatcher thread and need live worker processes), with the same checks.
// Types that go through QDataStream (QVariant, the QJson types, user types with stream
// operators) are left out: Qt reserves whatever element count their bytes announce, a
// known gap (tst_codec::hostileCountInsideStream, docs/RELIABILITY.md).
#include "../../core/ipc/bulk.h"
#include "../../core/ipc/channel.h"
#include "../../core/ipc/ring.h"
#include "../../core/pool/protocol.h"

#include <jobpool/batch.h>
#include <jobpool/codec.h>
#include <jobpool/errors.h>

#include <QByteArrayView>
#include <QList>
#include <QString>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <sys/mman.h>

using namespace jobpool;

namespace {

/// Small, so that short inputs reach wrapping, padding and messages in several fragments.
constexpr std::uint64_t kRingCapacity = 1024;
constexpr int kChunks = 4;

/// Where the harness puts what it reads, so that the reading is not optimised away.
volatile qsizetype g_sink = 0;

/// A trivially copyable result: travels as raw bytes.
struct Point
{
    int x;
    double y;
    char tag[6];
    bool operator==(const Point &) const = default;
};
static_assert(detail::RawCodable<Point>);

enum class Colour : quint8 { Red = 1, Green = 200 };

/// The parent's side of one worker: the chunks it was sent, in order, and what it does
/// with each message. The same steps and checks as Dispatcher::handleMessage and
/// Dispatcher::handleResult.
class Parent
{
public:
    Parent(detail::Batch &batch, qsizetype chunkSize)
        : m_batch(batch)
    {
        for (int i = 0; i < kChunks; ++i)
            m_inFlight.push_back({std::uint64_t(i + 1), i * chunkSize, chunkSize});
    }
    ~Parent()
    {
        if (!m_done)
            m_batch.fail(std::make_exception_ptr(ProtocolError(QStringLiteral("dropped"))));
    }
    Parent(const Parent &) = delete;
    Parent &operator=(const Parent &) = delete;

    void handleMessage(QByteArrayView message)
    {
        if (message.size() < qsizetype(sizeof(std::uint32_t)))
            throw ProtocolError(QStringLiteral("empty message"));
        Decoder in(message);
        switch (detail::kindOf(message)) {
        case ipc::MessageKind::Ready:
            in.read<std::uint32_t>();
            m_pid = in.read<std::int64_t>();
            return;
        case ipc::MessageKind::InitFailed: {
            in.read<std::uint32_t>();
            const QString type = in.read<QString>();
            const QString what = in.read<QString>();
            m_initError = QStringLiteral("the initializer raised %1: %2").arg(type, what);
            return;
        }
        case ipc::MessageKind::Result:
            while (!in.atEnd())
                handleResult(in);
            return;
        case ipc::MessageKind::Recycled:
            return; // the worker leaves; the dispatcher puts its unstarted chunks back
        default:
            throw ProtocolError(QStringLiteral("unknown message kind %1")
                                    .arg(std::uint32_t(detail::kindOf(message))));
        }
    }

private:
    struct Chunk
    {
        std::uint64_t id;
        qsizetype first;
        qsizetype count;
    };

    void handleResult(Decoder &message)
    {
        detail::ResultHeader header{};
        message.readRaw(&header, sizeof header);
        if (header.bytes > std::uint64_t(message.remaining()))
            throw ProtocolError(QStringLiteral("result record longer than its message"));
        Decoder in(message.take(qsizetype(header.bytes)), qsizetype(header.bytes));
        if (m_inFlight.empty() || m_inFlight.front().id != header.chunkId)
            throw ProtocolError(QStringLiteral("result for chunk %1").arg(header.chunkId));
        const qint64 expected = m_inFlight.front().count;
        if (header.completed < 0 || header.completed > expected
            || (!header.failed && header.completed != expected))
            throw ProtocolError(QStringLiteral("result with %1 items").arg(header.completed));
        const Chunk chunk = m_inFlight.front();
        m_inFlight.pop_front();
        if (m_done)
            return;
        QString errorType, errorMessage; // of a task that threw
        try {
            m_batch.deliver(chunk.first, header.completed, in);
            if (header.failed) {
                errorType = in.read<QString>();
                errorMessage = in.read<QString>();
            }
        } catch (const ProtocolError &) {
            finish(std::current_exception());
            throw;
        } catch (...) {
            finish(std::current_exception());
            return;
        }
        if (header.failed) {
            finish(std::make_exception_ptr(RemoteError(errorType, errorMessage, chunk.id)));
        } else if (m_inFlight.empty()) {
            finish(nullptr);
        }
    }

    void finish(std::exception_ptr error)
    {
        m_done = true;
        if (error)
            m_batch.fail(std::move(error));
        else
            m_batch.complete();
    }

    detail::Batch &m_batch;
    std::deque<Chunk> m_inFlight;
    bool m_done = false;
    qint64 m_pid = 0;
    QString m_initError;
};

/// The bulk region of the response direction: 2 GiB of sparse shared memory, as in a
/// worker's channel, with a page nobody may touch right after it.
char *bulkRegion()
{
    static char *region = [] {
        const std::size_t size = ipc::kBulkRegionSize + 4096;
        void *at = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (at == MAP_FAILED)
            std::abort();
        mprotect(static_cast<char *>(at) + ipc::kBulkRegionSize, 4096, PROT_NONE);
        return static_cast<char *>(at);
    }();
    return region;
}

void receiveMessage(Parent &parent, QByteArrayView bytes)
{
    // A copy of its own, so that AddressSanitizer sees a read past its end.
    const std::unique_ptr<char[]> message(new char[std::size_t(bytes.size())]);
    if (!bytes.isEmpty())
        std::memcpy(message.get(), bytes.data(), std::size_t(bytes.size()));
    parent.handleMessage(QByteArrayView(message.get(), bytes.size()));
}

void receiveRing(Parent &parent, QByteArrayView bytes)
{
    std::uint64_t tail = 0;
    std::uint64_t head = 0;
    if (bytes.size() < qsizetype(sizeof tail + sizeof head))
        return;
    std::memcpy(&tail, bytes.data(), sizeof tail);
    std::memcpy(&head, bytes.data() + sizeof tail, sizeof head);
    // The tail is the parent's own: it starts at 0 and moves by whole fragments, so any
    // multiple of 8 is a position it may have reached. The head is the worker's.
    tail &= ~std::uint64_t(7);
    bytes = bytes.sliced(sizeof tail + sizeof head);

    const auto control = std::make_unique<ipc::RingControl>();
    const std::unique_ptr<char[]> data(new char[kRingCapacity]());
    std::memcpy(data.get(), bytes.data(),
                std::size_t(std::min<qsizetype>(bytes.size(), qsizetype(kRingCapacity))));
    control->tail.store(tail);
    control->head.store(head);
    ipc::RingReader reader(control.get(), data.get(), kRingCapacity, detail::kMaxMessageSize);
    QByteArrayView message;
    while (reader.hasData() && reader.next(message)) {
        if (detail::kindOf(message) == ipc::MessageKind::Bulk)
            throw ProtocolError(QStringLiteral("no bulk region here"));
        parent.handleMessage(message);
        reader.release();
    }
    reader.takeReleased();
}

void receiveBulk(Parent &parent, QByteArrayView bytes)
{
    ipc::BulkReference reference{};
    if (bytes.size() < qsizetype(sizeof reference))
        return;
    std::memcpy(&reference, bytes.data(), sizeof reference);
    const QByteArrayView written = bytes.sliced(sizeof reference);

    // What the worker wrote into the units it names, as far as they lie in the region.
    char *region = bulkRegion();
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    if (reference.firstUnit < ipc::kBulkUnits) {
        offset = std::uint64_t(reference.firstUnit) * ipc::kBulkUnit;
        length =
            std::min<std::uint64_t>(std::uint64_t(written.size()), ipc::kBulkRegionSize - offset);
        if (length > 0)
            std::memcpy(region + offset, written.data(), length);
    }
    const auto forget = [&] { // the next input starts from zeros again
        if (length > 0)
            madvise(region + offset, (length + 4095) & ~std::uint64_t(4095), MADV_REMOVE);
    };

    ipc::BulkMap map;
    ipc::BulkReceiver receiver(&map, region);
    try {
        const QByteArrayView message = receiver.open(
            QByteArrayView(reinterpret_cast<const char *>(&reference), sizeof reference));
        // Past what was written lies whatever the worker left there; a message that large
        // is allowed (up to 2 GiB) and decoding it would only measure this machine.
        if (std::uint64_t(message.size()) <= length)
            parent.handleMessage(message);
        receiver.close();
    } catch (...) {
        receiver.close();
        forget();
        throw;
    }
    forget();
}

/// The Decoder's calls in the order the bytes say: each byte picks one, and the values it
/// needs (counts, element sizes) come from the bytes that follow, as a decoder that
/// trusts nothing gets them.
void decodeCalls(QByteArrayView bytes)
{
    const std::unique_ptr<char[]> copy(new char[std::size_t(bytes.size())]);
    if (!bytes.isEmpty())
        std::memcpy(copy.get(), bytes.data(), std::size_t(bytes.size()));
    Decoder in(copy.get(), bytes.size());
    try {
        while (!in.atEnd()) {
            switch (*in.take(1) % 10) {
            case 0:
                in.read<std::int32_t>();
                break;
            case 1:
                in.read<QString>();
                break;
            case 2:
                in.read<QByteArray>();
                break;
            case 3:
                in.read<std::string>();
                break;
            case 4:
                in.read<QList<qint64>>();
                break;
            case 5: {
                const auto count = in.read<qint64>();
                const auto elementSize = in.read<qint64>();
                if (elementSize >= 0) // a sizeof(), in the library's own calls
                    in.takeArray(count, elementSize);
                break;
            }
            case 6:
                if (const auto elementSize = in.read<qint64>(); elementSize >= 0)
                    in.readCount(elementSize);
                break;
            case 7:
                in.take(in.read<qint64>());
                break;
            case 8:
                in.read<std::vector<QList<QString>>>();
                break;
            case 9:
                in.read<std::tuple<bool, QByteArray, double>>();
                break;
            }
        }
    } catch (const ProtocolError &) {
    }
}

template<class R>
void run(QByteArrayView bytes, int transport, bool future, qsizetype chunkSize)
{
    using Source = detail::CallArguments<int>;
    using Collecting = detail::CollectingBatch<R, Source>;
    std::unique_ptr<detail::Batch> batch;
    if (future) {
        auto b = std::make_unique<detail::FutureBatch<R, Source>>(Source(0));
        b->start(kChunks * chunkSize);
        batch = std::move(b);
    } else {
        auto b = std::make_unique<Collecting>(Source(0));
        b->setCount(kChunks * chunkSize);
        batch = std::move(b);
    }
    {
        Parent parent(*batch, chunkSize);
        try {
            switch (transport) {
            case 1:
                receiveRing(parent, bytes);
                break;
            case 2:
                receiveBulk(parent, bytes);
                break;
            case 3:
                decodeCalls(bytes);
                break;
            default:
                receiveMessage(parent, bytes);
                break;
            }
        } catch (const Error &) {
            // ProtocolError: the engine drops the worker. RemoteError and the others fail
            // the call. Anything else (std::bad_alloc included) is a finding.
        }
    }
    if constexpr (!std::is_void_v<R>) {
        if (future)
            return;
        // The caller looks at what it got: a value the type cannot hold is a finding too.
        try {
            const QList<R> results = static_cast<Collecting &>(*batch).wait();
            qsizetype seen = 0;
            for (const R &r : results)
                seen += r == R{} ? 0 : 1;
            g_sink = seen;
        } catch (const Error &) {
        }
    }
}

using Runner = void (*)(QByteArrayView, int, bool, qsizetype);

constexpr Runner kTypes[] = {
    run<void>,
    run<int>,
    run<double>,
    run<Point>,
    run<Colour>,
    run<bool>,
    run<QString>,
    run<QByteArray>,
    run<std::string>,
    run<QList<int>>,
    run<std::vector<double>>,
    run<QList<Point>>,
    run<QList<QString>>,
    run<QList<QList<int>>>,
    run<std::vector<std::string>>,
    run<std::pair<int, QString>>,
    run<std::tuple<qint64, QByteArray, QList<double>>>,
    run<QList<std::pair<QString, QByteArray>>>,
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 3)
        return 0;
    const Runner runner = kTypes[data[0] % std::size(kTypes)];
    const int transport = data[1] & 3;
    const bool future = data[1] & 4;
    const qsizetype chunkSize = 1 + data[2] % 8;
    runner(QByteArrayView(reinterpret_cast<const char *>(data) + 3, qsizetype(size) - 3), transport,
           future, chunkSize);
    return 0;
}
