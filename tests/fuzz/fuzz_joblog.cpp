// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: GNU parallel joblogs as `jobpool run --resume` reads them. A joblog
// may come from parallel, from an older JobPool, or from a writer killed mid-line;
// JobLog::read() must summarise it or throw PoolError naming the line. What it read must
// survive being appended to (as --resume then does) and read again, and what
// JobLog::shellJoin() writes must split back into the same words.
//
// The input is the joblog file, byte for byte.
#include <jobpool/errors.h>
#include <jobpool/joblog.h>
#include <jobpool/presets.h>

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QString>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include <sys/mman.h>
#include <unistd.h>

using namespace jobpool;

namespace {

void check(bool condition, const char *what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_joblog: %s\n", what);
        std::abort();
    }
}

/// A file in memory, by a path QFile can open: nothing is left on disk, however the
/// fuzzer ends.
struct MemoryFile
{
    int fd = memfd_create("fuzz_joblog", MFD_CLOEXEC);
    QString path = QStringLiteral("/proc/self/fd/%1").arg(fd);

    void set(const char *data, std::size_t size) const
    {
        check(ftruncate(fd, 0) == 0, "ftruncate");
        for (std::size_t done = 0; done < size;) {
            const ssize_t n = pwrite(fd, data + done, size - done, off_t(done));
            check(n > 0, "pwrite");
            done += std::size_t(n);
        }
    }
};

bool operator==(const JoblogSummary &a, const JoblogSummary &b)
{
    return a.succeeded == b.succeeded && a.failed == b.failed;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const MemoryFile file;
    file.set(reinterpret_cast<const char *>(data), size);

    JoblogSummary summary;
    try {
        summary = JobLog::read(file.path);
    } catch (const PoolError &) {
        return 0;
    }
    for (const qint64 seq : summary.succeeded) {
        check(seq > 0, "a sequence number below 1");
        check(!summary.failed.contains(seq), "a job both succeeded and failed");
    }
    for (auto it = summary.failed.cbegin(); it != summary.failed.cend(); ++it)
        check(it.key() > 0, "a sequence number below 1");

    // --resume appends to the joblog it read: the same jobs, written again, read the same.
    {
        JobLog log(file.path, true);
        for (const qint64 seq : summary.succeeded)
            log.write({seq, 1795330406.191, 0.5, 0, 0, 0, "true"});
        for (auto it = summary.failed.cbegin(); it != summary.failed.cend(); ++it)
            log.write({it.key(), 1795330406.191, 0.5, 0, 1, 0, it.value()});
        log.flush();
    }
    check(JobLog::read(file.path) == summary, "a joblog appended to reads differently");

    // What shellJoin() writes in the Command column is shell words that read back.
    QList<QByteArray> argv =
        QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size)).split('\t');
    argv.removeIf([](const QByteArray &word) {
        return QString::fromUtf8(word).toUtf8() != word; // only text survives a QString
    });
    const std::optional<QList<QByteArray>> words =
        splitCommandLine(QString::fromUtf8(JobLog::shellJoin(argv)));
    check(words && *words == argv, "shellJoin() does not split back into its words");
    return 0;
}
