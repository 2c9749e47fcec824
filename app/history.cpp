// SPDX-License-Identifier: GPL-3.0-or-later
// `jobpool history` and `jobpool show`: the job store, read-only, for people and scripts.
#include "run.h"

#include <jobpool/commandtemplate.h>
#include <jobpool/errors.h>
#include <jobpool/jobstore.h>

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

#include <cstdio>

namespace jobpool::app {
namespace {

struct ReadOptions
{
    QString database;
    bool json = false;
    qint64 batch = 0;
    QList<JobState> states;
};

[[noreturn]] void usage(const char *command, const QString &why)
{
    throw std::invalid_argument(
        QStringLiteral("jobpool %1: %2").arg(QLatin1String(command), why).toStdString());
}

ReadOptions parse(const char *command, const QList<QByteArray> &arguments, bool wantsBatch)
{
    ReadOptions o;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QByteArray &a = arguments[i];
        auto value = [&] {
            if (i + 1 >= arguments.size())
                usage(command, QStringLiteral("%1 needs a value").arg(QString::fromLocal8Bit(a)));
            return arguments[++i];
        };
        if (a == "--json") {
            o.json = true;
        } else if (a == "--db") {
            o.database = QFile::decodeName(value());
        } else if (a == "--state" && wantsBatch) {
            for (const QByteArray &name : value().split(',')) {
                const std::optional<JobState> s = jobStateFromName(QString::fromLatin1(name));
                if (!s)
                    usage(command,
                          QStringLiteral("unknown state '%1'").arg(QString::fromLocal8Bit(name)));
                o.states.append(*s);
            }
        } else if (wantsBatch && o.batch == 0 && a.toLongLong() > 0) {
            o.batch = a.toLongLong();
        } else {
            usage(command,
                  QStringLiteral("unexpected argument '%1'").arg(QString::fromLocal8Bit(a)));
        }
    }
    if (wantsBatch && o.batch == 0)
        usage(command, QStringLiteral("which batch? (see 'jobpool history')"));
    if (o.database.isEmpty())
        o.database = JobStore::defaultPath();
    return o;
}

JobStore openForReading(const ReadOptions &o)
{
    JobStore::OpenOptions options;
    options.mode = JobStore::OpenMode::ReadOnly;
    return JobStore::open(o.database, options);
}

void print(const QByteArray &text)
{
    std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
}

QByteArray when(qint64 ms)
{
    if (ms <= 0)
        return "-";
    return QDateTime::fromMSecsSinceEpoch(ms)
        .toString(QStringLiteral("yyyy-MM-dd hh:mm:ss"))
        .toUtf8();
}

QByteArray cell(const QString &text, int width)
{
    return text.leftJustified(width).toUtf8() + ' ';
}

QString countsText(const StateCounts &c)
{
    QString text = QStringLiteral("%1/%2 done").arg(c.done).arg(c.total());
    if (c.failed)
        text += QStringLiteral(", %1 failed").arg(c.failed);
    if (c.running)
        text += QStringLiteral(", %1 running").arg(c.running);
    if (c.interrupted)
        text += QStringLiteral(", %1 interrupted").arg(c.interrupted);
    if (c.pending)
        text += QStringLiteral(", %1 pending").arg(c.pending);
    if (c.skipped)
        text += QStringLiteral(", %1 skipped").arg(c.skipped);
    return text;
}

/// Bytes for a table cell: JobStore::displayBytes(), and control characters escaped too, so
/// that an input holding a newline or a tab stays on its row.
QString cellText(QByteArrayView bytes)
{
    QString text;
    for (const QChar c : JobStore::displayBytes(bytes)) {
        if (c == u'\n')
            text += QStringLiteral("\\n");
        else if (c == u'\t')
            text += QStringLiteral("\\t");
        else if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            text += QStringLiteral("\\x%1").arg(uint(c.unicode()), 2, 16, QLatin1Char('0'));
        else
            text += c;
    }
    return text;
}

QString commandText(const BatchRecord &b)
{
    return JobStore::displayBytes(CommandTemplate::displayCommand(b.templateArgv));
}

template<class Run>
int guarded(const char *command, Run run)
{
    try {
        return run();
    } catch (const std::invalid_argument &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 255;
    } catch (const Error &e) {
        std::fprintf(stderr, "jobpool %s: %s\n", command, e.what());
        return 255;
    }
}

} // namespace

int runHistoryCommand(const QList<QByteArray> &arguments)
{
    return guarded("history", [&] {
        const ReadOptions o = parse("history", arguments, false);
        JobStore store = openForReading(o);
        const QList<BatchRecord> batches = store.batches();
        if (o.json) {
            QJsonArray all;
            for (const BatchRecord &b : batches)
                all.append(b.toJson());
            print(QJsonDocument(all).toJson());
            return 0;
        }
        print(cell(QStringLiteral("BATCH"), 6) + cell(QStringLiteral("CREATED"), 19)
              + cell(QStringLiteral("STATE"), 11) + cell(QStringLiteral("JOBS"), 34) + "COMMAND\n");
        for (const BatchRecord &b : batches) {
            print(cell(QString::number(b.id), 6) + when(b.createdAtMs) + ' '
                  + cell(stateName(b.state), 11) + cell(countsText(b.counts), 34)
                  + commandText(b).toUtf8() + '\n');
        }
        return 0;
    });
}

int runShowCommand(const QList<QByteArray> &arguments)
{
    return guarded("show", [&] {
        const ReadOptions o = parse("show", arguments, true);
        JobStore store = openForReading(o);
        const std::optional<BatchRecord> batch = store.batch(o.batch);
        if (!batch)
            throw StoreError(StoreError::Reason::NotFound, store.path(),
                             QStringLiteral("there is no batch %1").arg(o.batch));
        const QList<JobRecord> jobs = store.jobs(o.batch, o.states);
        if (o.json) {
            QJsonObject all = batch->toJson();
            QJsonArray list;
            for (const JobRecord &j : jobs)
                list.append(j.toJson());
            all.insert(QStringLiteral("jobs"), list);
            print(QJsonDocument(all).toJson());
            return 0;
        }
        print("batch " + QByteArray::number(batch->id) + ": " + commandText(*batch).toUtf8()
              + '\n');
        print("  " + stateName(batch->state).toUtf8() + ", " + countsText(batch->counts).toUtf8()
              + ", created " + when(batch->createdAtMs) + ", logs in "
              + JobStore::displayBytes(batch->logDirectory).toUtf8() + "\n\n");
        print(cell(QStringLiteral("SEQ"), 7) + cell(QStringLiteral("STATE"), 11)
              + cell(QStringLiteral("EXIT"), 6) + cell(QStringLiteral("TRIES"), 5)
              + cell(QStringLiteral("WALL"), 9) + cell(QStringLiteral("RSS"), 9) + "INPUT\n");
        for (const JobRecord &j : jobs) {
            const AttemptRecord &a = j.lastAttempt;
            QString exit = QStringLiteral("-");
            if (j.signal != 0)
                exit = QStringLiteral("sig%1").arg(j.signal);
            else if (j.exitCode)
                exit = QString::number(*j.exitCode);
            QStringList inputs;
            for (const QByteArray &input : j.inputs)
                inputs.append(cellText(input));
            print(
                cell(QString::number(j.seq), 7) + cell(stateName(j.state), 11) + cell(exit, 6)
                + cell(QString::number(j.attempts), 5)
                + cell(a.attempt ? QString::number(double(a.wallUs) / 1e6, 'f', 3) + u's'
                                 : QStringLiteral("-"),
                       9)
                + cell(a.peakRssKiB ? QStringLiteral("%1K").arg(a.peakRssKiB) : QStringLiteral("-"),
                       9)
                + inputs.join(u' ').toUtf8() + '\n');
        }
        return 0;
    });
}

} // namespace jobpool::app
