// SPDX-License-Identifier: GPL-3.0-or-later
// Writes the seed corpus of fuzz_frames: well-formed worker messages, encoded by the
// library's own Encoder and RingWriter, in the input format fuzz_frames.cpp describes.
// Run once after the protocol changes, and commit what it writes:
//
//     build/fuzz/bin/make_frame_seeds tests/fuzz/corpus/fuzz_frames
#include "../../core/ipc/bulk.h"
#include "../../core/ipc/channel.h"
#include "../../core/ipc/ring.h"
#include "../../core/pool/protocol.h"

#include <jobpool/codec.h>

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QList>
#include <QString>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using namespace jobpool;

namespace {

// Indexes into fuzz_frames.cpp's kTypes.
enum Type : char {
    Void = 0,
    Int = 1,
    Double = 2,
    PointType = 3,
    Bool = 5,
    String = 6,
    Bytes = 7,
    StdString = 8,
    IntList = 9,
    StringList = 12,
    NestedList = 13,
    Pair = 15,
    Tuple = 16,
    PairList = 17,
};
enum Transport : char { Message = 0, Ring = 1, Bulk = 2, Calls = 3, Future = 4 };

constexpr std::uint64_t kRingCapacity = 1024; // as in fuzz_frames.cpp

struct Point
{
    int x;
    double y;
    char tag[6];
};

QByteArray ready()
{
    QByteArray m;
    Encoder out(m);
    out.write(std::uint32_t(ipc::MessageKind::Ready));
    out.write(std::int64_t(4242));
    return m;
}

QByteArray initFailed()
{
    QByteArray m;
    Encoder out(m);
    out.write(std::uint32_t(ipc::MessageKind::InitFailed));
    out.write(QStringLiteral("std::runtime_error"));
    out.write(QStringLiteral("no such database: jobs.sqlite"));
    return m;
}

/// One Result record for chunk \a chunk; \a body writes its results (and error).
template<class Body>
void record(Encoder &out, std::uint64_t chunk, std::int64_t completed, bool failed, Body body)
{
    const qsizetype at = out.size();
    detail::ResultHeader header{std::uint32_t(ipc::MessageKind::Result), failed ? 1u : 0u, chunk,
                                completed, 0};
    out.writeRaw(&header, sizeof header);
    body(out);
    header.bytes = std::uint64_t(out.size() - at - qsizetype(sizeof header));
    std::memcpy(out.at(at), &header, sizeof header);
}

/// A Result message answering all four chunks of \a perChunk items, each item \a value.
template<class T>
QByteArray results(qsizetype perChunk, const T &value)
{
    QByteArray m;
    Encoder out(m);
    for (std::uint64_t chunk = 1; chunk <= 4; ++chunk) {
        record(out, chunk, perChunk, false, [&](Encoder &e) {
            for (qsizetype i = 0; i < perChunk; ++i)
                e.write(value);
        });
    }
    return m;
}

QByteArray voidResults()
{
    QByteArray m;
    Encoder out(m);
    for (std::uint64_t chunk = 1; chunk <= 4; ++chunk)
        record(out, chunk, 1, false, [](Encoder &) {});
    return m;
}

QByteArray failedResult()
{
    QByteArray m;
    Encoder out(m);
    record(out, 1, 2, false, [](Encoder &e) { e.write(1), e.write(4), e.write(9); });
    record(out, 2, 1, true, [](Encoder &e) {
        e.write(16);
        e.write(QStringLiteral("std::invalid_argument"));
        e.write(QStringLiteral("negative input: -5"));
    });
    return m;
}

/// A response ring whose reader stands at \a tail, holding \a messages as a worker
/// writes them.
QByteArray ring(std::uint64_t tail, const QList<QByteArray> &messages)
{
    const auto control = std::make_unique<ipc::RingControl>();
    QByteArray data(qsizetype(kRingCapacity), '\0');
    control->head.store(tail);
    control->tail.store(tail);
    ipc::RingWriter writer(control.get(), data.data(), kRingCapacity);
    for (const QByteArray &m : messages)
        writer.write(m, 0);
    const std::uint64_t head = control->head.load();
    QByteArray image;
    image.append(reinterpret_cast<const char *>(&tail), sizeof tail);
    image.append(reinterpret_cast<const char *>(&head), sizeof head);
    return image + data;
}

QByteArray bulk(std::uint32_t firstUnit, const QByteArray &message)
{
    const ipc::BulkReference ref{std::uint32_t(ipc::MessageKind::Bulk), firstUnit,
                                 std::uint64_t(message.size())};
    return QByteArray(reinterpret_cast<const char *>(&ref), sizeof ref) + message;
}

/// Decoder calls as fuzz_frames' decodeCalls() reads them: a byte picking each, then its
/// bytes.
QByteArray decoderCalls()
{
    QByteArray m;
    Encoder out(m);
    out.write(std::uint8_t(1)); // QString
    out.write(QStringLiteral("r\u00e9sum\u00e9"));
    out.write(std::uint8_t(5)); // takeArray(3, 4)
    out.write(qint64(3));
    out.write(qint64(4));
    out.write(std::tuple<int, int, int>(1, 2, 3));
    out.write(std::uint8_t(6)); // readCount(2) of a QString's size
    out.write(qint64(2));
    out.write(qint64(1));
    out.write(std::uint8_t(7)); // take(2): the rest of that string
    out.write(qint64(2));
    out.writeRaw("hi", 2);
    out.write(std::uint8_t(8));
    out.write(std::vector<QList<QString>>{{QStringLiteral("a")}, {}});
    out.write(std::uint8_t(9));
    out.write(std::tuple<bool, QByteArray, double>(true, "gz", 1.5));
    out.write(std::uint8_t(4));
    out.write(QList<qint64>{-1, 0, 1});
    return m;
}

bool save(const QDir &dir, const char *name, char type, char transport, char items,
          const QByteArray &bytes)
{
    QFile file(dir.filePath(QString::fromLatin1(name)));
    if (!file.open(QIODevice::WriteOnly))
        return false;
    const char head[] = {type, transport, items};
    return file.write(head, sizeof head) == qint64(sizeof head)
           && file.write(bytes) == bytes.size();
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
        return 2;
    }
    const QDir dir(QString::fromLocal8Bit(argv[1]));
    if (!dir.mkpath(QStringLiteral(".")))
        return 1;

    const Point point{7, 2.5, {'t', 'a', 'g', 0, 0, 0}};
    // The third byte is the items per chunk less one.
    const bool ok =
        save(dir, "ready", Int, Message, 0, ready())
        && save(dir, "init-failed", Int, Message, 0, initFailed())
        && save(dir, "result-void", Void, Message, 0, voidResults())
        && save(dir, "result-int", Int, Message, 0, results(1, 42))
        && save(dir, "result-double-future", Double, Message | Future, 2, results(3, 0.25))
        && save(dir, "result-point", PointType, Message, 1, results(2, point))
        && save(dir, "result-bool", Bool, Message, 0, results(1, true))
        && save(dir, "result-qstring", String, Message, 1, results(2, QStringLiteral("caf\u00e9")))
        && save(dir, "result-qbytearray-future", Bytes, Message | Future, 0,
                results(1, QByteArray("\x1f\x8b\x08", 3)))
        && save(dir, "result-stdstring", StdString, Message, 0, results(1, std::string("ok")))
        && save(dir, "result-list", IntList, Message, 0, results(1, QList<int>{1, 2, 3}))
        && save(dir, "result-stringlist", StringList, Message, 0,
                results(1, QList<QString>{QStringLiteral("a"), QString()}))
        && save(dir, "result-nested", NestedList, Message, 0,
                results(1, QList<QList<int>>{{1}, {}, {2, 3}}))
        && save(dir, "result-pair", Pair, Message, 0,
                results(1, std::pair<int, QString>(3, QStringLiteral("three"))))
        && save(dir, "result-tuple", Tuple, Message, 0,
                results(1, std::tuple<qint64, QByteArray, QList<double>>(-1, "x", {0.5})))
        && save(dir, "result-pairlist", PairList, Message, 0,
                results(1, QList<std::pair<QString, QByteArray>>{{QStringLiteral("k"), "v"}}))
        && save(dir, "result-failed", Int, Message, 1, failedResult())
        && save(dir, "ring-ready-results", Int, Ring, 0, ring(0, {ready(), results(1, 7)}))
        && save(dir, "ring-wrapped", String, Ring, 0,
                ring(960, {ready(), results(1, QStringLiteral("wraps around"))}))
        && save(dir, "ring-fragments", Bytes, Ring, 0,
                ring(512, {results(1, QByteArray(150, 'z'))}))
        && save(dir, "decoder-calls", Int, Calls, 0, decoderCalls())
        && save(dir, "bulk-results", IntList, Bulk, 0, bulk(3, results(1, QList<int>(20, 5))));
    return ok ? 0 : 1;
}
