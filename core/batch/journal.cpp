// SPDX-License-Identifier: GPL-3.0-or-later
#include "journal.h"

#include <QFile>

#include <mutex>

#include <fcntl.h>
#include <unistd.h>

namespace jobpool::detail {
namespace {

/// The journal a worker writes to, kept open between its jobs (a worker runs jobs of one
/// batch). Guarded, since exec() may also run in the caller's threads.
struct OpenJournal
{
    std::mutex mutex;
    QByteArray path;
    int fd = -1;
};

OpenJournal &openJournal()
{
    static OpenJournal journal;
    return journal;
}

void append(const QByteArray &path, const QByteArray &line)
{
    OpenJournal &j = openJournal();
    const std::lock_guard lock(j.mutex);
    if (j.path != path) {
        if (j.fd >= 0)
            ::close(j.fd);
        j.fd = ::open(path.constData(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        j.path = path;
    }
    if (j.fd < 0)
        return; // without its journal a job is only as safe as the store's commit of it
    // One write, so that records never interleave. A short write (a full disk) leaves a
    // line without its end, which the reader passes over.
    [[maybe_unused]] const ssize_t written = ::write(j.fd, line.constData(), size_t(line.size()));
}

QByteArray field(qint64 value)
{
    return QByteArray::number(value) + '\t';
}

} // namespace

QByteArray jobLogPath(const QByteArray &folder, qint64 seq, int attempt, const char *suffix)
{
    QByteArray name = QByteArray::number(seq);
    if (attempt > 1)
        name += '.' + QByteArray::number(attempt);
    return folder + '/' + name + suffix;
}

void journalStart(const QByteArray &path, qint64 seq, int attempt, qint64 startedAtMs)
{
    append(path, "S\t" + field(seq) + field(attempt) + field(startedAtMs)
                     + QByteArray::number(qint64(::getpid())) + '\n');
}

void journalEnd(const QByteArray &path, qint64 seq, int attempt, const ExecResult &r)
{
    append(path, "E\t" + field(seq) + field(attempt) + field(r.pid) + field(r.workerPid)
                     + field(r.exitCode) + field(r.signal) + field(r.timedOut ? 1 : 0)
                     + field(r.startedAtMs) + field(r.endedAtMs) + field(r.wallUs) + field(r.userUs)
                     + field(r.systemUs) + field(r.maxRssKiB) + r.error.toUtf8().toPercentEncoding()
                     + '\n');
}

std::vector<JournalRecord> readJournal(const QByteArray &path)
{
    std::vector<JournalRecord> records;
    QFile file(QFile::decodeName(path));
    if (!file.open(QIODevice::ReadOnly))
        return records;
    const QByteArray text = file.readAll();
    qsizetype at = 0;
    for (qsizetype end = text.indexOf('\n'); end >= 0; at = end + 1, end = text.indexOf('\n', at)) {
        const QList<QByteArray> f = text.sliced(at, end - at).split('\t');
        const bool start = f.size() == 5 && f[0] == "S";
        const bool ended = f.size() == 15 && f[0] == "E";
        if (!start && !ended)
            continue;
        bool ok = true;
        auto number = [&](qsizetype i) {
            bool parsed = false;
            const qint64 n = f[i].toLongLong(&parsed);
            ok = ok && parsed;
            return n;
        };
        JournalRecord r;
        r.ended = ended;
        r.seq = number(1);
        r.attempt = int(number(2));
        if (start) {
            r.result.startedAtMs = number(3);
            r.result.workerPid = number(4);
        } else {
            r.result.pid = number(3);
            r.result.workerPid = number(4);
            r.result.exitCode = int(number(5));
            r.result.signal = int(number(6));
            r.result.timedOut = number(7) != 0;
            r.result.startedAtMs = number(8);
            r.result.endedAtMs = number(9);
            r.result.wallUs = number(10);
            r.result.userUs = number(11);
            r.result.systemUs = number(12);
            r.result.maxRssKiB = number(13);
            r.result.error = QString::fromUtf8(QByteArray::fromPercentEncoding(f[14]));
        }
        if (ok && r.seq > 0 && r.attempt > 0)
            records.push_back(std::move(r));
    }
    return records;
}

} // namespace jobpool::detail
