// SPDX-License-Identifier: GPL-3.0-or-later
// jobpool::Encoder / Decoder (codec.h): every type a task may take or return must come back
// exactly as it went, and a short or hostile buffer must end in ProtocolError — never in a
// crash, a read past the end, or an allocation of whatever size the bytes claim.
#include <jobpool/codec.h>
#include <jobpool/errors.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QTest>

#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using jobpool::Decoder;
using jobpool::Encoder;
using jobpool::ProtocolError;

namespace {

enum class Colour : quint8 { Red = 1, Green = 200 };
enum PlainEnum { First = -7, Second = 1 << 20 };

// Trivially copyable: travels as raw bytes.
struct Point
{
    int x = 0;
    double y = 0;
    char tag[6] = {};
    bool operator==(const Point &) const = default;
};
static_assert(jobpool::detail::RawCodable<Point>);

// Not trivially copyable, has QDataStream operators: travels through QDataStream.
struct Person
{
    QString name;
    QList<int> scores;
    bool operator==(const Person &) const = default;
};
static_assert(!jobpool::detail::RawCodable<Person>);

QDataStream &operator<<(QDataStream &s, const Person &p)
{
    return s << p.name << p.scores;
}
QDataStream &operator>>(QDataStream &s, Person &p)
{
    return s >> p.name >> p.scores;
}

// A type with its own Codec specialisation (codec.h invites one).
struct Celsius
{
    QString unit;
    double degrees = 0;
    bool operator==(const Celsius &) const = default;
};

} // namespace

template<>
struct jobpool::Codec<Celsius>
{
    static void encode(Encoder &out, const Celsius &c)
    {
        out.write(c.degrees);
        out.write(c.unit);
    }
    static Celsius decode(Decoder &in)
    {
        Celsius c;
        c.degrees = in.read<double>();
        c.unit = in.read<QString>();
        return c;
    }
};

namespace QTest {
template<>
char *toString(const Point &p)
{
    const QByteArray text = "Point(" + QByteArray::number(p.x) + ", " + QByteArray::number(p.y)
                            + ", " + QByteArray(p.tag, sizeof p.tag).toHex() + ')';
    return qstrdup(text.constData());
}
template<>
char *toString(const Person &p)
{
    const QByteArray text =
        "Person(" + p.name.toUtf8() + ", " + QByteArray::number(p.scores.size()) + " scores)";
    return qstrdup(text.constData());
}
} // namespace QTest

namespace {

constexpr qsizetype CountSize = sizeof(qsizetype);

template<class T>
QByteArray encoded(const T &value)
{
    QByteArray bytes;
    Encoder out(bytes);
    out.write(value);
    return bytes;
}

/// The cut points worth trying on an encoding: all of them for a small one, a sample for a
/// large one (each attempt may copy up to the whole buffer).
QList<qsizetype> cutPoints(qsizetype size)
{
    QList<qsizetype> cuts;
    if (size <= 2048) {
        for (qsizetype i = 0; i < size; ++i)
            cuts.append(i);
        return cuts;
    }
    for (qsizetype i = 0; i <= 64; ++i)
        cuts.append(i);
    for (qsizetype i = 1; i < 64; ++i)
        cuts.append(size * i / 64);
    for (qsizetype i = 1; i <= 64; ++i)
        cuts.append(size - i);
    return cuts;
}

/// Every strict prefix of a valid encoding is a truncated value.
template<class T>
void verifyTruncationsThrow(const QByteArray &bytes)
{
    for (const qsizetype cut : cutPoints(bytes.size())) {
        // A copy of exactly `cut` bytes, so that a read past the end is caught by ASan too.
        const QByteArray prefix(bytes.constData(), cut);
        Decoder in(prefix);
        QVERIFY_THROWS_EXCEPTION(ProtocolError, in.read<T>());
    }
}

template<class T>
void verifyRoundTrip(const T &value)
{
    const QByteArray bytes = encoded(value);
    Decoder in(bytes);
    const T back = in.read<T>();
    QVERIFY2(in.atEnd(), qPrintable(QStringLiteral("%1 bytes left over").arg(in.remaining())));
    QCOMPARE(back, value);
    verifyTruncationsThrow<T>(bytes);
}

/// Peak virtual size of this process (VmPeak), in KiB.
qint64 peakVirtualKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("VmPeak:"))
            return line.mid(7).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

// A hostile count can reach one of these allocations only if the decoder believes it.
constexpr qint64 AllowedGrowthKiB = 256 * 1024;

using DecodeFn = std::function<void(Decoder &)>;

template<class T>
DecodeFn decodeAs()
{
    return [](Decoder &in) { (void)in.read<T>(); };
}

/// Bytes that claim \a count elements and then hold only a little junk.
QByteArray claimingCount(qint64 count)
{
    QByteArray bytes;
    Encoder out(bytes);
    out.writeSize(qsizetype(count));
    const QByteArray junk(64, 'A');
    out.writeRaw(junk.constData(), junk.size());
    return bytes;
}

} // namespace

class TestCodec : public QObject
{
    Q_OBJECT

private slots:
    void integers_data()
    {
        QTest::addColumn<qint64>("value");
        QTest::newRow("zero") << qint64(0);
        QTest::newRow("minus one") << qint64(-1);
        QTest::newRow("int min") << qint64(std::numeric_limits<int>::min());
        QTest::newRow("int max") << qint64(std::numeric_limits<int>::max());
        QTest::newRow("int64 min") << std::numeric_limits<qint64>::min();
        QTest::newRow("int64 max") << std::numeric_limits<qint64>::max();
    }
    void integers()
    {
        QFETCH(qint64, value);
        verifyRoundTrip(value);
        verifyRoundTrip(int(value));
        verifyRoundTrip(quint64(value));
        verifyRoundTrip(qint16(value));
        QCOMPARE(encoded(int(value)).size(), qsizetype(sizeof(int)));
    }

    void doubles_data()
    {
        QTest::addColumn<double>("value");
        QTest::newRow("zero") << 0.0;
        QTest::newRow("negative zero") << -0.0;
        QTest::newRow("pi") << 3.141592653589793;
        QTest::newRow("max") << std::numeric_limits<double>::max();
        QTest::newRow("denormal") << std::numeric_limits<double>::denorm_min();
        QTest::newRow("-inf") << -std::numeric_limits<double>::infinity();
        QTest::newRow("nan") << std::numeric_limits<double>::quiet_NaN();
    }
    void doubles()
    {
        QFETCH(double, value);
        const QByteArray bytes = encoded(value);
        QCOMPARE(bytes.size(), qsizetype(sizeof(double)));
        Decoder in(bytes);
        // Bit for bit: -0.0 and NaN must survive, which == cannot tell.
        QCOMPARE(std::bit_cast<quint64>(in.read<double>()), std::bit_cast<quint64>(value));
        QVERIFY(in.atEnd());
        verifyTruncationsThrow<double>(bytes);
        verifyRoundTrip(float(value) == float(value) ? float(value) : 0.0f);
    }

    void boolsAndEnums()
    {
        verifyRoundTrip(true);
        verifyRoundTrip(false);
        verifyRoundTrip(Colour::Red);
        verifyRoundTrip(Colour::Green);
        verifyRoundTrip(First);
        verifyRoundTrip(Second);
        QCOMPARE(encoded(Colour::Green).size(), qsizetype(sizeof(Colour)));
    }

    // Found by fuzz_frames: a bool result was copied as a raw byte, so a worker's byte 3
    // became a bool that is neither true nor false (UBSan: "load of value 3, which is not a
    // valid value for type 'bool'"). Any byte but 0 now reads as true.
    void boolFromAnyByte()
    {
        const QByteArray one("\x03", 1);
        Decoder in(one);
        const bool b = in.read<bool>();
        QCOMPARE(b, true);
        QVERIFY(in.atEnd());

        QByteArray bytes;
        Encoder out(bytes);
        out.writeSize(4);
        out.writeRaw("\x00\x01\x02\xff", 4);
        Decoder listIn(bytes);
        QCOMPARE(listIn.read<QList<bool>>(), (QList<bool>{false, true, true, true}));
        QVERIFY(listIn.atEnd());

        verifyRoundTrip(QList<bool>{true, false, true});
        verifyRoundTrip(std::vector<bool>{false, true});
        QCOMPARE(encoded(QList<bool>{true, false}).size(), qsizetype(sizeof(qsizetype) + 2));
    }

    void triviallyCopyableStruct()
    {
        const Point p{-42, 2.5, {'a', '\0', 'b', '\xff', '\0', 'z'}};
        verifyRoundTrip(p);
        QCOMPARE(encoded(p).size(), qsizetype(sizeof(Point)));
        verifyRoundTrip(Point{});
    }

    void qstring_data()
    {
        QTest::addColumn<QString>("value");
        QTest::newRow("null") << QString();
        QTest::newRow("empty") << QStringLiteral("");
        QTest::newRow("ascii") << QStringLiteral("hello, world");
        QTest::newRow("latin-1") << QStringLiteral("Grüße aus Köln, ½ €");
        QTest::newRow("cjk") << QStringLiteral("日本語のテキスト");
        QTest::newRow("surrogate pairs") << QStringLiteral("🎉 emoji 𝄞 clef");
        QTest::newRow("embedded nul") << QString(QStringLiteral("a%1b")).arg(QChar(0));
        QTest::newRow("long") << QString(100000, QChar(0x4e2d));
    }
    void qstring()
    {
        QFETCH(QString, value);
        verifyRoundTrip(value);
        const QByteArray bytes = encoded(value);
        Decoder in(bytes);
        const QString back = in.read<QString>();
        // QString's == treats null and empty as equal; the size must match exactly.
        QCOMPARE(back.size(), value.size());
        QVERIFY(std::equal(back.cbegin(), back.cend(), value.cbegin()));
    }

    void qbytearray_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("null") << QByteArray();
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("nuls") << QByteArray("a\0b\0\0c\0", 8);
        QTest::newRow("only nuls") << QByteArray(1000, '\0');
        QTest::newRow("all bytes") << [] {
            QByteArray all;
            for (int i = 0; i < 256; ++i)
                all.append(char(i));
            return all;
        }();
        QTest::newRow("one MiB") << QByteArray(1 << 20, '\x7f');
    }
    void qbytearray()
    {
        QFETCH(QByteArray, value);
        verifyRoundTrip(value);
        if (value.size() < jobpool::detail::kLendableSize)
            QCOMPARE(encoded(value).size(), CountSize + value.size());
    }

    // A large array travels as size, padding size, padding, bytes, NUL: the padding puts
    // the bytes on a 16-byte boundary of the message with room for a header before them.
    void largeByteArrayLayout_data()
    {
        QTest::addColumn<int>("offset");
        for (int offset : {0, 1, 7, 8, 15, 16, 33})
            QTest::addRow("at %d", offset) << offset;
    }
    void largeByteArrayLayout()
    {
        QFETCH(int, offset);
        QByteArray value(jobpool::detail::kLendableSize, '\0');
        for (qsizetype i = 0; i < value.size(); ++i)
            value[i] = char(i * 7);
        QByteArray bytes;
        Encoder out(bytes);
        out.writeRaw(QByteArray(offset, 'p').constData(), offset);
        out.write(value);

        Decoder header(bytes.constData() + offset + CountSize, CountSize);
        const auto pad = header.read<qsizetype>();
        QVERIFY(pad >= 16 && pad < 32);
        const qsizetype dataAt = offset + 2 * CountSize + pad;
        QCOMPARE(dataAt % 16, 0);
        QCOMPARE(bytes.size(), dataAt + value.size() + 1);
        QCOMPARE(bytes.back(), '\0');

        Decoder in(bytes);
        in.take(offset);
        QCOMPARE(in.read<QByteArray>(), value); // not in a bulk region: copied
        QVERIFY(in.atEnd());
    }

    void largeByteArrayMalformed_data()
    {
        QTest::addColumn<qsizetype>("pad");
        QTest::addColumn<char>("terminator");
        QTest::newRow("padding too small") << qsizetype(8) << '\0';
        QTest::newRow("padding too large") << qsizetype(32) << '\0';
        QTest::newRow("negative padding") << qsizetype(-16) << '\0';
        QTest::newRow("no terminator") << qsizetype(16) << 'x';
    }
    void largeByteArrayMalformed()
    {
        QFETCH(qsizetype, pad);
        QFETCH(char, terminator);
        QByteArray bytes;
        Encoder out(bytes);
        out.writeSize(jobpool::detail::kLendableSize);
        out.writeSize(pad);
        const QByteArray filler(std::max<qsizetype>(pad, 0) + jobpool::detail::kLendableSize, 'z');
        out.writeRaw(filler.constData(), filler.size());
        out.writeRaw(&terminator, 1);
        Decoder in(bytes);
        QVERIFY_THROWS_EXCEPTION(ProtocolError, in.read<QByteArray>());
    }

    // An encoder on a fixed region moves on into its spill buffer when the region is
    // full, keeping what it wrote; without a spill buffer it refuses.
    void encoderSpillsOver()
    {
        std::vector<char> region(64);
        QByteArray spill;
        Encoder out(region.data(), qsizetype(region.size()), &spill);
        const QString first = QStringLiteral("fits");
        out.write(first);
        QCOMPARE(out.data(), region.data());
        const QList<int> second(100, 42);
        out.write(second);
        QCOMPARE(out.data(), spill.constData());
        QCOMPARE(spill.size(), out.size());
        Decoder in(spill);
        QCOMPARE(in.read<QString>(), first);
        QCOMPARE(in.read<QList<int>>(), second);
        QVERIFY(in.atEnd());

        Encoder strict(region.data(), qsizetype(region.size()));
        QVERIFY_THROWS_EXCEPTION(ProtocolError, strict.write(second));
    }

    void stdString()
    {
        verifyRoundTrip(std::string());
        verifyRoundTrip(std::string("plain"));
        verifyRoundTrip(std::string("with\0nul\0inside", 15));
        verifyRoundTrip(std::string("UTF-8: \xc3\xa4\xe2\x82\xac"));
        verifyRoundTrip(std::string(70000, 'q'));
    }

    void rawLists_data()
    {
        QTest::addColumn<int>("size");
        QTest::newRow("empty") << 0;
        QTest::newRow("one") << 1;
        QTest::newRow("three") << 3;
        QTest::newRow("100000") << 100000;
    }
    void rawLists()
    {
        QFETCH(int, size);
        QList<int> ints;
        std::vector<double> doubles;
        QList<Point> points;
        for (int i = 0; i < size; ++i) {
            ints.append(i * 7 - size);
            doubles.push_back(i / 3.0);
            points.append(Point{i, -i * 0.5, {char(i)}});
        }
        verifyRoundTrip(ints);
        verifyRoundTrip(doubles);
        verifyRoundTrip(points);
        // The fast path: a count, then the elements' bytes as they lie in memory.
        QCOMPARE(encoded(ints).size(), CountSize + size * qsizetype(sizeof(int)));
        QCOMPARE(encoded(doubles).size(), CountSize + size * qsizetype(sizeof(double)));
    }

    void emptyRawListFromBytes()
    {
        // Decoding side of the empty fast-path list, independently of how it was encoded.
        QByteArray bytes;
        Encoder out(bytes);
        out.writeSize(0);
        Decoder in(bytes);
        QVERIFY(in.read<QList<int>>().isEmpty());
        QVERIFY(in.atEnd());
        Decoder again(bytes);
        QVERIFY(again.read<std::vector<double>>().empty());
        Decoder string(bytes);
        QVERIFY(string.read<QString>().isEmpty());
        Decoder byteArray(bytes);
        QVERIFY(byteArray.read<QByteArray>().isEmpty());
    }

    void listsOfStrings()
    {
        verifyRoundTrip(QList<QString>());
        verifyRoundTrip(QList<QString>{QStringLiteral("a"), QString(), QStringLiteral("ü€日"),
                                       QString(300, QLatin1Char('x'))});
        verifyRoundTrip(QStringList{QStringLiteral("one"), QStringLiteral("two")});
        verifyRoundTrip(std::vector<std::string>{"x", "", std::string("\0\0", 2)});
        verifyRoundTrip(QList<QByteArray>{QByteArray("\0", 1), QByteArray()});
    }

    void nestedLists()
    {
        verifyRoundTrip(QList<QList<int>>());
        verifyRoundTrip(QList<QList<int>>{{}, {1}, {2, 3, 4}, {}});
        QList<QList<int>> big;
        for (int i = 0; i < 50; ++i)
            big.append(QList<int>(i, i));
        verifyRoundTrip(big);
        verifyRoundTrip(
            QList<QList<QString>>{{QStringLiteral("a")}, {}, {QStringLiteral("b"), QString()}});
        verifyRoundTrip(std::vector<QList<double>>{{1.5, 2.5}, {}});
    }

    void pairsAndTuples()
    {
        verifyRoundTrip(std::pair<int, QString>(7, QStringLiteral("seven")));
        verifyRoundTrip(std::pair<double, bool>(-1.25, true));
        verifyRoundTrip(std::tuple<int, QString, QByteArray>(-3, QStringLiteral("tuple ✓"),
                                                             QByteArray("\0x\0", 3)));
        verifyRoundTrip(std::tuple<int, QString, QByteArray>());
        verifyRoundTrip(std::tuple<qint64>(1LL << 40));
        verifyRoundTrip(std::tuple<std::pair<int, double>, QList<QString>, Colour>(
            {1, 2.0}, {QStringLiteral("n")}, Colour::Green));
        verifyRoundTrip(
            QList<std::tuple<int, QString>>{{1, QStringLiteral("a")}, {2, QStringLiteral("b")}});
        // An empty tuple encodes to nothing at all.
        QCOMPARE(encoded(std::tuple<>()).size(), 0);
    }

    void variants_data()
    {
        QTest::addColumn<QVariant>("value");
        QTest::newRow("int") << QVariant(42);
        QTest::newRow("double") << QVariant(0.5);
        QTest::newRow("string") << QVariant(QStringLiteral("ünïcode"));
        QTest::newRow("bytes") << QVariant(QByteArray("\0\1", 2));
        QTest::newRow("list") << QVariant(QVariantList{1, QStringLiteral("two"), 3.0});
        QTest::newRow("map") << QVariant(QVariantMap{{QStringLiteral("k"), QVariantList{1, 2}},
                                                     {QStringLiteral("e"), QString()}});
        QTest::newRow("string list")
            << QVariant(QStringList{QStringLiteral("a"), QStringLiteral("b")});
        QTest::newRow("invalid") << QVariant();
    }
    void variants()
    {
        QFETCH(QVariant, value);
        verifyRoundTrip(value);
        const QByteArray bytes = encoded(value);
        Decoder in(bytes);
        QCOMPARE(in.read<QVariant>().metaType(), value.metaType());
    }

    void json()
    {
        const QJsonObject object{
            {QStringLiteral("name"), QStringLiteral("jöb")},
            {QStringLiteral("n"), 3},
            {QStringLiteral("ok"), true},
            {QStringLiteral("nothing"), QJsonValue::Null},
            {QStringLiteral("list"), QJsonArray{1, 2.5, QStringLiteral("x"), QJsonObject{}}},
        };
        verifyRoundTrip(object);
        verifyRoundTrip(QJsonObject());
        verifyRoundTrip(QJsonArray{object, QJsonArray{}, 7});
        verifyRoundTrip(QJsonArray());
        verifyRoundTrip(QJsonValue(object));
        verifyRoundTrip(QJsonValue(QStringLiteral("just a string")));
        verifyRoundTrip(QJsonValue(-1.5));
        verifyRoundTrip(QJsonValue(QJsonValue::Null));
    }

    void userTypeWithStreamOperators()
    {
        verifyRoundTrip(Person{QStringLiteral("Ada Lovelace"), {1815, 1852}});
        verifyRoundTrip(Person{});
        verifyRoundTrip(QList<Person>{{QStringLiteral("a"), {1}}, {QStringLiteral("b"), {}}});
        verifyRoundTrip(std::pair<Person, int>({QStringLiteral("p"), {2}}, 3));
    }

    void userCodecSpecialisation()
    {
        verifyRoundTrip(Celsius{QStringLiteral("°C"), 21.5});
        const QByteArray bytes = encoded(Celsius{QStringLiteral("K"), 0});
        QCOMPARE(bytes.size(), qsizetype(sizeof(double)) + CountSize + 2);
    }

    void valuesInSequence()
    {
        QByteArray bytes("prefix the encoder must keep");
        const qsizetype prefix = bytes.size();
        Encoder out(bytes);
        out.write(1);
        out.write(QStringLiteral("two"));
        out.write(QList<int>{3, 3, 3});
        out.write(Person{QStringLiteral("four"), {4}});
        out.write(5.0);
        QVERIFY(bytes.startsWith("prefix the encoder must keep"));

        Decoder in(bytes.constData() + prefix, bytes.size() - prefix);
        QCOMPARE(in.read<int>(), 1);
        QCOMPARE(in.read<QString>(), QStringLiteral("two"));
        QCOMPARE(in.read<QList<int>>(), (QList<int>{3, 3, 3}));
        QCOMPARE(in.read<Person>(), (Person{QStringLiteral("four"), {4}}));
        QCOMPARE(in.read<double>(), 5.0);
        QVERIFY(in.atEnd());
        QVERIFY_THROWS_EXCEPTION(ProtocolError, in.read<int>());
        QVERIFY_THROWS_EXCEPTION(ProtocolError, in.read<QString>());
    }

    void takeRejectsBadSizes()
    {
        const QByteArray bytes(16, 'x');
        Decoder in(bytes);
        QVERIFY_THROWS_EXCEPTION(ProtocolError, in.take(-1));
        QVERIFY_THROWS_EXCEPTION(ProtocolError, in.take(17));
        QVERIFY_THROWS_EXCEPTION(ProtocolError, in.take(std::numeric_limits<qsizetype>::min()));
        QCOMPARE(in.remaining(), 16); // a refused take consumes nothing
        QCOMPARE(in.take(16), bytes.constData());
        QVERIFY(in.atEnd());
        QVERIFY_THROWS_EXCEPTION(ProtocolError, in.take(1));

        Decoder empty(nullptr, 0);
        QVERIFY(empty.atEnd());
        QVERIFY_THROWS_EXCEPTION(ProtocolError, empty.read<char>());
        QVERIFY_THROWS_EXCEPTION(ProtocolError, empty.read<QByteArray>());
    }

    void hostileCounts_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<qint64>("count");
        const QStringList types{
            QStringLiteral("QString"),
            QStringLiteral("QByteArray"),
            QStringLiteral("std::string"),
            QStringLiteral("QList<int>"),
            QStringLiteral("vector<double>"),
            QStringLiteral("QList<Point>"),
            QStringLiteral("QList<QString>"),
            QStringLiteral("QList<QList<int>>"),
            QStringLiteral("vector<std::string>"),
            QStringLiteral("QVariant"),
            QStringLiteral("QJsonObject"),
            QStringLiteral("Person"),
        };
        const std::pair<const char *, qint64> counts[] = {
            {"2^60", qint64(1) << 60},
            {"2^30", qint64(1) << 30},
            {"2^32+1", (qint64(1) << 32) + 1},
            {"65 (one more than there is)", 65},
            {"-1", -1},
            {"int64 min", std::numeric_limits<qint64>::min()},
            {"int64 max", std::numeric_limits<qint64>::max()},
        };
        for (const QString &type : types) {
            for (const auto &[name, count] : counts)
                QTest::addRow("%s, %s", qPrintable(type), name) << type << count;
        }
    }
    void hostileCounts()
    {
        QFETCH(QString, type);
        QFETCH(qint64, count);
        static const QHash<QString, DecodeFn> decoders{
            {QStringLiteral("QString"), decodeAs<QString>()},
            {QStringLiteral("QByteArray"), decodeAs<QByteArray>()},
            {QStringLiteral("std::string"), decodeAs<std::string>()},
            {QStringLiteral("QList<int>"), decodeAs<QList<int>>()},
            {QStringLiteral("vector<double>"), decodeAs<std::vector<double>>()},
            {QStringLiteral("QList<Point>"), decodeAs<QList<Point>>()},
            {QStringLiteral("QList<QString>"), decodeAs<QList<QString>>()},
            {QStringLiteral("QList<QList<int>>"), decodeAs<QList<QList<int>>>()},
            {QStringLiteral("vector<std::string>"), decodeAs<std::vector<std::string>>()},
            {QStringLiteral("QVariant"), decodeAs<QVariant>()},
            {QStringLiteral("QJsonObject"), decodeAs<QJsonObject>()},
            {QStringLiteral("Person"), decodeAs<Person>()},
        };
        const DecodeFn decode = decoders.value(type);
        QVERIFY(decode);

        const QByteArray bytes = claimingCount(count);
        const qint64 peakBefore = peakVirtualKiB();
        QVERIFY(peakBefore > 0);
        Decoder in(bytes);
        QVERIFY_THROWS_EXCEPTION(ProtocolError, decode(in));
        const qint64 growth = peakVirtualKiB() - peakBefore;
        QVERIFY2(growth < AllowedGrowthKiB,
                 qPrintable(QStringLiteral("peak virtual size grew by %1 MiB").arg(growth / 1024)));
    }

    void hostileCountInsideList()
    {
        // The outer list is plausible; the count of its second element is not.
        QByteArray bytes;
        Encoder out(bytes);
        out.writeSize(2);
        out.write(QList<int>{1, 2});
        out.writeSize(qsizetype(1) << 60);
        out.write(QList<int>{3});
        Decoder in(bytes);
        QVERIFY_THROWS_EXCEPTION(ProtocolError, in.read<QList<QList<int>>>());

        QByteArray tuple;
        Encoder tupleOut(tuple);
        tupleOut.write(5);
        tupleOut.writeSize(qsizetype(1) << 40);
        Decoder tupleIn(tuple);
        QVERIFY_THROWS_EXCEPTION(ProtocolError, (tupleIn.read<std::tuple<int, QString>>()));
    }

    /// Values that go through QDataStream are guarded by their own length, but the bytes
    /// inside may still lie: Qt's container reading must not be trusted with the count.
    void hostileCountInsideStream_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<QString>("type");
        const quint32 hostile = 1u << 28; // 1 GiB of ints, 6 GiB of QStrings
        {
            QByteArray payload;
            QDataStream s(&payload, QIODevice::WriteOnly);
            s << QStringLiteral("mallory") << hostile << qint32(1);
            QTest::newRow("Person, scores") << payload << QStringLiteral("Person");
        }
        {
            // A QVariant holding an empty QStringList, its count then replaced.
            QByteArray payload;
            {
                QDataStream s(&payload, QIODevice::WriteOnly);
                s << QVariant(QStringList());
            }
            payload.chop(int(sizeof(quint32)));
            QDataStream s(&payload, QIODevice::Append);
            s << hostile / 4 << QStringLiteral("x");
            QTest::newRow("QVariant, QStringList") << payload << QStringLiteral("QVariant");
        }
    }
    void hostileCountInsideStream()
    {
        QFETCH(QByteArray, payload);
        QFETCH(QString, type);
        QByteArray bytes;
        Encoder out(bytes);
        out.writeSize(payload.size());
        out.writeRaw(payload.constData(), payload.size());

        const qint64 peakBefore = peakVirtualKiB();
        Decoder in(bytes);
        if (type == QLatin1String("Person"))
            QVERIFY_THROWS_EXCEPTION(ProtocolError, in.read<Person>());
        else
            QVERIFY_THROWS_EXCEPTION(ProtocolError, in.read<QVariant>());
        const qint64 growth = peakVirtualKiB() - peakBefore;
        // Qt's QDataStream readers reserve a container's announced count before reading it
        // (address space only: the pages are never touched, and a count too large for the
        // address space fails with std::bad_alloc, which the pool reports as the call's
        // error). Bounding it means not handing worker bytes to QDataStream: issue #8.
        QEXPECT_FAIL("", "QDataStream reserves the count it reads; see issue #8", Continue);
        QVERIFY2(growth < AllowedGrowthKiB,
                 qPrintable(QStringLiteral("decoding reserved %1 MiB for a %2-byte payload")
                                .arg(growth / 1024)
                                .arg(payload.size())));
    }

    void corruptStreamPayload()
    {
        // A length that stops short of the QDataStream bytes it announces.
        const QByteArray good = encoded(Person{QStringLiteral("truncated"), {1, 2, 3}});
        QByteArray bad = good.left(good.size() - 1);
        qsizetype inner = 0;
        std::memcpy(&inner, bad.constData(), sizeof inner);
        --inner;
        std::memcpy(bad.data(), &inner, sizeof inner);
        Decoder in(bad);
        QVERIFY_THROWS_EXCEPTION(ProtocolError, in.read<Person>());

        // A QVariant of a QString whose bytes are missing.
        QByteArray payload;
        {
            QDataStream s(&payload, QIODevice::WriteOnly);
            s << quint32(QMetaType::QString) << qint8(0) << quint32(100) << qint32(0);
        }
        QByteArray variantBytes;
        Encoder out(variantBytes);
        out.writeSize(payload.size());
        out.writeRaw(payload.constData(), payload.size());
        Decoder variantIn(variantBytes);
        QVERIFY_THROWS_EXCEPTION(ProtocolError, variantIn.read<QVariant>());
    }
};

QTEST_GUILESS_MAIN(TestCodec)
#include "tst_codec.moc"
