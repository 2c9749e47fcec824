// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/errors.h>
#include <jobpool/joblog.h>

namespace jobpool {
namespace {

const QByteArray kHeader =
    "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

QString fileError(const QFile &file)
{
    return QStringLiteral("joblog %1: %2").arg(file.fileName(), file.errorString());
}

} // namespace

JobLog::JobLog(const QString &path, bool append)
    : m_file(path)
{
    const QIODevice::OpenMode mode =
        QIODevice::WriteOnly | (append ? QIODevice::Append : QIODevice::Truncate);
    if (!m_file.open(mode))
        throw PoolError(fileError(m_file));
    if (m_file.size() == 0) {
        m_pending = kHeader;
    } else if (append) {
        // A writer killed mid-line left its last line cut short, which readers ignore:
        // drop it, or the next line would be glued to it.
        QFile existing(path);
        if (existing.open(QIODevice::ReadOnly)) {
            const QByteArray all = existing.readAll();
            if (!all.endsWith('\n'))
                m_file.resize(all.lastIndexOf('\n') + 1);
        }
    }
}

void JobLog::write(const JoblogEntry &e)
{
    QByteArray line;
    line += QByteArray::number(e.seq) + "\t:\t";
    line += QByteArray::number(e.startTime, 'f', 3) + '\t';
    line += QByteArray::number(e.runTime, 'f', 3).rightJustified(10) + '\t';
    line += "0\t" + QByteArray::number(e.received) + '\t';
    line += QByteArray::number(e.exitValue) + '\t' + QByteArray::number(e.signal) + '\t';
    // A command with a newline would break the one-line-per-job format; parallel writes
    // it as it is, which its own reader then misreads. Keep each job on its line.
    QByteArray command = e.command;
    command.replace('\n', "\\n");
    line += command + '\n';
    m_pending += line;
}

void JobLog::flush()
{
    if (m_pending.isEmpty())
        return;
    if (m_file.write(m_pending) != m_pending.size() || !m_file.flush())
        throw PoolError(fileError(m_file));
    m_pending.clear();
}

JoblogSummary JobLog::read(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw PoolError(fileError(file));
    const QByteArray all = file.readAll();
    JoblogSummary summary;
    qsizetype at = 0;
    int lineNumber = 0;
    while (at < all.size()) {
        const qsizetype end = all.indexOf('\n', at);
        if (end < 0)
            break; // cut short by a crash: as if not written
        const QByteArray line = all.mid(at, end - at);
        at = end + 1;
        ++lineNumber;
        if (lineNumber == 1 && line.startsWith("Seq\t"))
            continue;
        if (line.isEmpty())
            continue;
        const QList<QByteArray> fields = line.split('\t');
        bool seqOk = false;
        bool exitOk = false;
        bool signalOk = false;
        const qint64 seq = fields.value(0).toLongLong(&seqOk);
        const int exitValue = fields.value(6).toInt(&exitOk);
        const int signal = fields.value(7).toInt(&signalOk);
        if (fields.size() < 9 || !seqOk || seq <= 0 || !exitOk || !signalOk)
            throw PoolError(
                QStringLiteral("joblog %1, line %2: not a joblog line").arg(path).arg(lineNumber));
        // The command may itself contain tabs: it is everything after the eighth.
        QByteArray command = line.mid(line.indexOf('\t', 0) + 1);
        for (int i = 1; i < 8; ++i)
            command = command.mid(command.indexOf('\t') + 1);
        if (exitValue != 0 || signal != 0) {
            summary.succeeded.remove(seq);
            summary.failed.insert(seq, command);
        } else {
            summary.failed.remove(seq);
            summary.succeeded.insert(seq);
        }
    }
    return summary;
}

QByteArray JobLog::shellQuote(const QByteArray &argument)
{
    if (argument.isEmpty())
        return "''";
    bool plain = true;
    for (char c : argument) {
        const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                          || c == '/' || c == '.' || c == '_' || c == '-' || c == '+' || c == ','
                          || c == ':' || c == '=' || c == '@' || c == '%';
        if (!safe) {
            plain = false;
            break;
        }
    }
    if (plain)
        return argument;
    QByteArray quoted = argument;
    quoted.replace('\'', "'\"'\"'");
    return '\'' + quoted + '\'';
}

QByteArray JobLog::shellJoin(const QList<QByteArray> &argv)
{
    QByteArray joined;
    for (const QByteArray &a : argv) {
        if (!joined.isEmpty())
            joined += ' ';
        joined += shellQuote(a);
    }
    return joined;
}

} // namespace jobpool
