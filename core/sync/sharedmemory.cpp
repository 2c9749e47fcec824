// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/errors.h>
#include <jobpool/sharedmemory.h>

#include <QFile>
#include <QRandomGenerator>

#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace jobpool {
namespace {

QString reason(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

/// What shm_open() takes for \a name ("/" + name, as Python passes it), after checking
/// that it names a file right in /dev/shm.
QByteArray systemName(const QString &name)
{
    const QByteArray encoded = QFile::encodeName(name);
    QString problem;
    if (encoded.isEmpty())
        problem = QStringLiteral("it is empty");
    else if (encoded.contains('/'))
        problem = QStringLiteral("it may not contain '/'");
    else if (encoded.contains('\0'))
        problem = QStringLiteral("it may not contain a NUL character");
    else if (encoded == "." || encoded == "..")
        problem = QStringLiteral("it names a directory");
    else if (encoded.size() > NAME_MAX)
        problem = QStringLiteral("it is longer than %1 bytes").arg(NAME_MAX);
    if (!problem.isEmpty())
        throw PoolError(QStringLiteral("invalid shared memory name '%1': %2").arg(name, problem));
    return '/' + encoded;
}

QString randomName()
{
    return QStringLiteral("psm_%1").arg(QRandomGenerator::system()->generate(), 8, 16,
                                        QLatin1Char('0'));
}

void *mapAll(int fd, qsizetype size)
{
    void *data = mmap(nullptr, std::size_t(size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    return data == MAP_FAILED ? nullptr : data;
}

} // namespace

SharedMemory::SharedMemory(QString name, void *data, qsizetype size)
    : m_name(std::move(name))
    , m_data(data)
    , m_size(size)
{}

SharedMemory SharedMemory::create(const QString &requested, qsizetype size)
{
    const bool random = requested.isEmpty();
    QString name = random ? randomName() : requested;
    if (size <= 0)
        throw PoolError(
            QStringLiteral("cannot create shared memory '%1': its size must be positive, not %2")
                .arg(name)
                .arg(size));
    QByteArray path = systemName(name);
    int fd = -1;
    for (int attempt = 0; fd < 0; ++attempt) {
        fd = shm_open(path.constData(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, S_IRUSR | S_IWUSR);
        if (fd >= 0)
            break;
        const int error = errno;
        if (!random || error != EEXIST || attempt == 100)
            throw PoolError(
                QStringLiteral("cannot create shared memory '%1': %2").arg(name, reason(error)));
        name = randomName(); // taken by chance: draw again, as Python does
        path = systemName(name);
    }
    // The umask may have taken bits away (or, with a mode other than ours, left some):
    // the owner reads and writes, nobody else.
    int error = 0;
    if (fchmod(fd, S_IRUSR | S_IWUSR) != 0 || ftruncate(fd, off_t(size)) != 0)
        error = errno;
    void *data = error ? nullptr : mapAll(fd, size);
    if (!data && !error)
        error = errno;
    ::close(fd);
    if (error) {
        shm_unlink(path.constData()); // ours, half made
        throw PoolError(
            QStringLiteral("cannot create shared memory '%1': %2").arg(name, reason(error)));
    }
    return SharedMemory(name, data, size);
}

SharedMemory SharedMemory::attach(const QString &name)
{
    const QByteArray path = systemName(name);
    const int fd = shm_open(path.constData(), O_RDWR | O_CLOEXEC, 0);
    if (fd < 0)
        throw PoolError(
            QStringLiteral("cannot attach to shared memory '%1': %2").arg(name, reason(errno)));
    struct stat st
    {
    };
    int error = fstat(fd, &st) != 0 ? errno : 0;
    if (!error && st.st_size <= 0) {
        ::close(fd);
        throw PoolError(
            QStringLiteral("cannot attach to shared memory '%1': it is empty").arg(name));
    }
    void *data = error ? nullptr : mapAll(fd, qsizetype(st.st_size));
    if (!data && !error)
        error = errno;
    ::close(fd);
    if (error)
        throw PoolError(
            QStringLiteral("cannot attach to shared memory '%1': %2").arg(name, reason(error)));
    return SharedMemory(name, data, qsizetype(st.st_size));
}

SharedMemory::SharedMemory(SharedMemory &&other) noexcept
    : m_name(std::move(other.m_name))
    , m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
{}

SharedMemory &SharedMemory::operator=(SharedMemory &&other) noexcept
{
    if (this != &other) {
        close();
        m_name = std::move(other.m_name);
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

SharedMemory::~SharedMemory()
{
    close(); // never unlink(): see the class comment
}

void SharedMemory::close()
{
    if (m_data)
        munmap(m_data, std::size_t(m_size));
    m_data = nullptr;
}

void SharedMemory::unlink()
{
    if (shm_unlink(systemName(m_name).constData()) != 0)
        throw PoolError(
            QStringLiteral("cannot unlink shared memory '%1': %2").arg(m_name, reason(errno)));
}

} // namespace jobpool
