// SPDX-License-Identifier: GPL-3.0-or-later
// Files and stdin are read with POSIX calls on byte paths, not QFile: a QString file name
// cannot carry every byte a Linux name may hold, and a million records want one memchr
// each, not one QIODevice::readLine.
#include <jobpool/commandtemplate.h>
#include <jobpool/errors.h>
#include <jobpool/inputsource.h>

#include <QIODevice>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace jobpool {
namespace {

constexpr qsizetype ChunkSize = 64 * 1024;

QString readable(const QByteArray &name)
{
    return QString::fromUtf8(CommandTemplate::displayQuote(name));
}

[[noreturn]] void throwInputError(const QByteArray &name, const char *what, int error)
{
    throw InputError(name, QStringLiteral("cannot %1 input file %2: %3")
                               .arg(QLatin1StringView(what), readable(name),
                                    QString::fromLocal8Bit(std::strerror(error))));
}

} // namespace

/// Where the values of a source come from.
class InputSource::Reader
{
public:
    explicit Reader(QByteArray name)
        : m_name(std::move(name))
    {}
    virtual ~Reader() = default;
    virtual bool next(QByteArray &value) = 0;
    virtual qint64 count() const = 0;
    QByteArray name() const { return m_name; }

protected:
    QByteArray m_name;
};

namespace {

class ListReader final : public InputSource::Reader
{
public:
    explicit ListReader(QList<QByteArray> values)
        : Reader(QByteArrayLiteral(":::"))
        , m_values(std::move(values))
    {}
    bool next(QByteArray &value) override
    {
        if (m_next >= m_values.size())
            return false;
        value = m_values[m_next++];
        return true;
    }
    qint64 count() const override { return m_values.size(); }

private:
    QList<QByteArray> m_values;
    qsizetype m_next = 0;
};

/// Splits a byte stream into records; subclasses say where the bytes come from.
class StreamReader : public InputSource::Reader
{
public:
    StreamReader(QByteArray name, char separator)
        : Reader(std::move(name))
        , m_separator(separator)
    {
        m_buffer.resize(ChunkSize);
    }

    bool next(QByteArray &value) override
    {
        for (;;) {
            const char *start = m_buffer.constData() + m_begin;
            const auto *hit = static_cast<const char *>(
                std::memchr(m_buffer.constData() + m_scanned, m_separator, m_end - m_scanned));
            if (hit) {
                value = QByteArray(start, hit - start);
                m_begin = m_scanned = hit - m_buffer.constData() + 1;
                return true;
            }
            m_scanned = m_end;
            if (m_eof) {
                if (m_end == m_begin)
                    return false;
                value = QByteArray(start, m_end - m_begin); // the last record, unterminated
                m_begin = m_scanned = m_end;
                return true;
            }
            if (m_begin > 0) {
                std::memmove(m_buffer.data(), start, m_end - m_begin);
                m_end -= m_begin;
                m_scanned -= m_begin;
                m_begin = 0;
            }
            if (m_end == m_buffer.size())
                m_buffer.resize(m_buffer.size() * 2); // a record longer than the buffer
            const qint64 n = fill(m_buffer.data() + m_end, m_buffer.size() - m_end);
            if (n == 0)
                m_eof = true;
            m_end += n;
        }
    }

protected:
    /// Reads up to \a max bytes into \a to; 0 at the end; throws InputError on errors.
    virtual qint64 fill(char *to, qint64 max) = 0;
    const char m_separator;

private:
    QByteArray m_buffer;
    qsizetype m_begin = 0;   ///< the first byte not handed out
    qsizetype m_scanned = 0; ///< no separator in [m_begin, m_scanned)
    qsizetype m_end = 0;     ///< bytes in the buffer
    bool m_eof = false;
};

class FdReader final : public StreamReader
{
public:
    FdReader(QByteArray name, char separator, int fd, bool owned)
        : StreamReader(std::move(name), separator)
        , m_fd(fd)
        , m_owned(owned)
    {
        struct stat st
        {
        };
        if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            m_regular = true;
            m_start = ::lseek(fd, 0, SEEK_CUR); // stdin may be a file read partly already
            if (m_start < 0)
                m_start = 0;
        }
    }
    ~FdReader() override
    {
        if (m_owned)
            ::close(m_fd);
    }

    qint64 count() const override
    {
        if (!m_regular)
            return -1;
        if (m_count >= 0)
            return m_count;
        // One pass of pread over the file, not disturbing the stream's offset.
        QByteArray chunk(1 << 20, Qt::Uninitialized);
        qint64 records = 0;
        off_t offset = m_start;
        char last = m_separator;
        for (;;) {
            const ssize_t n = ::pread(m_fd, chunk.data(), size_t(chunk.size()), offset);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                throwInputError(m_name, "read", errno);
            if (n == 0)
                break;
            for (const char *p = chunk.constData(), *end = p + n;
                 (p = static_cast<const char *>(std::memchr(p, m_separator, size_t(end - p)))); ++p)
                ++records;
            last = chunk[qsizetype(n) - 1];
            offset += n;
        }
        if (last != m_separator)
            ++records;
        m_count = records;
        return records;
    }

protected:
    qint64 fill(char *to, qint64 max) override
    {
        for (;;) {
            const ssize_t n = ::read(m_fd, to, size_t(max));
            if (n >= 0)
                return n;
            if (errno != EINTR)
                throwInputError(m_name, "read", errno);
        }
    }

private:
    const int m_fd;
    const bool m_owned;
    bool m_regular = false;
    off_t m_start = 0;
    mutable qint64 m_count = -1;
};

class DeviceReader final : public StreamReader
{
public:
    DeviceReader(QIODevice *device, char separator, QByteArray name)
        : StreamReader(std::move(name), separator)
        , m_device(device)
    {}
    qint64 count() const override { return -1; }

protected:
    qint64 fill(char *to, qint64 max) override
    {
        for (;;) {
            const qint64 n = m_device->read(to, max);
            if (n > 0)
                return n;
            if (n < 0 && !m_device->atEnd()) {
                throw InputError(m_name, QStringLiteral("cannot read input %1: %2")
                                             .arg(readable(m_name), m_device->errorString()));
            }
            // Nothing yet: a QProcess or socket may still send more; files and buffers end.
            if (n < 0 || !m_device->isSequential() || !m_device->waitForReadyRead(-1))
                return 0;
        }
    }

private:
    QIODevice *m_device;
};

} // namespace

InputSource::InputSource(std::unique_ptr<Reader> reader)
    : m_reader(std::move(reader))
{}

InputSource::InputSource(InputSource &&) noexcept = default;
InputSource &InputSource::operator=(InputSource &&) noexcept = default;
InputSource::~InputSource() = default;

InputSource InputSource::fromList(QList<QByteArray> values)
{
    return InputSource(std::make_unique<ListReader>(std::move(values)));
}

InputSource InputSource::fromFile(const QByteArray &path, Separator separator)
{
    if (path == "-")
        return fromStdin(separator);
    if (path.isEmpty() || path.contains('\0'))
        throwInputError(path, "open", ENOENT);
    const int fd = ::open(path.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throwInputError(path, "open", errno);
    struct stat st
    {
    };
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        throwInputError(path, "read", EISDIR);
    }
    return InputSource(std::make_unique<FdReader>(path, char(separator), fd, true));
}

InputSource InputSource::fromStdin(Separator separator)
{
    return InputSource(
        std::make_unique<FdReader>(QByteArrayLiteral("-"), char(separator), STDIN_FILENO, false));
}

InputSource InputSource::fromDevice(QIODevice *device, Separator separator, const QByteArray &name)
{
    return InputSource(std::make_unique<DeviceReader>(device, char(separator), name));
}

bool InputSource::next(QByteArray &value)
{
    return m_reader && m_reader->next(value);
}

QList<QByteArray> InputSource::readAll()
{
    QList<QByteArray> values;
    QByteArray value;
    while (next(value))
        values.append(std::move(value));
    return values;
}

qint64 InputSource::count() const
{
    return m_reader ? m_reader->count() : 0;
}

QByteArray InputSource::name() const
{
    return m_reader ? m_reader->name() : QByteArray();
}

} // namespace jobpool
