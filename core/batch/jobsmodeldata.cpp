// SPDX-License-Identifier: GPL-3.0-or-later
// JobsModel: what its cells show, how its rows compare, and the lookups of a row (whole
// records are read from the store only on demand). Text is built only here, for the cells
// a view asks for; sorting and filtering read the compact rows directly.
#include <jobpool/errors.h>
#include <jobpool/jobsmodel.h>

#include <QDateTime>
#include <QLocale>

#include <algorithm>
#include <csignal>
#include <cstring>

namespace jobpool {
namespace {

template<typename T>
int compare(T a, T b)
{
    return a < b ? -1 : b < a ? 1 : 0;
}

char foldAscii(char c)
{
    return c >= 'A' && c <= 'Z' ? char(c + ('a' - 'A')) : c;
}

QString signalName(int signal)
{
    switch (signal) {
    case SIGHUP:
        return QStringLiteral("SIGHUP");
    case SIGINT:
        return QStringLiteral("SIGINT");
    case SIGQUIT:
        return QStringLiteral("SIGQUIT");
    case SIGILL:
        return QStringLiteral("SIGILL");
    case SIGABRT:
        return QStringLiteral("SIGABRT");
    case SIGBUS:
        return QStringLiteral("SIGBUS");
    case SIGFPE:
        return QStringLiteral("SIGFPE");
    case SIGKILL:
        return QStringLiteral("SIGKILL");
    case SIGSEGV:
        return QStringLiteral("SIGSEGV");
    case SIGPIPE:
        return QStringLiteral("SIGPIPE");
    case SIGALRM:
        return QStringLiteral("SIGALRM");
    case SIGTERM:
        return QStringLiteral("SIGTERM");
    default:
        return JobsModel::tr("signal %1").arg(signal);
    }
}

bool isNumeric(int column)
{
    switch (column) {
    case JobsModel::SeqColumn:
    case JobsModel::DurationColumn:
    case JobsModel::ExitColumn:
    case JobsModel::CpuColumn:
    case JobsModel::RssColumn:
        return true;
    default:
        return false;
    }
}

} // namespace

QModelIndex JobsModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || size_t(row) >= m_rows.size() || column < 0 || column >= ColumnCount
        || parent.isValid())
        return {};
    return createIndex(row, column);
}

int JobsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int JobsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant JobsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue(Qt::Alignment(
            (isNumeric(section) ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter));
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeqColumn:
        return tr("#");
    case InputColumn:
        return tr("Input");
    case StateColumn:
        return tr("State");
    case WorkerColumn:
        return tr("Worker");
    case StartedColumn:
        return tr("Started");
    case DurationColumn:
        return tr("Duration");
    case ExitColumn:
        return tr("Exit");
    case CpuColumn:
        return tr("CPU time");
    case RssColumn:
        return tr("Peak RSS");
    default:
        return {};
    }
}

QVariant JobsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayText(row, column);
    case Qt::ToolTipRole:
        if (column == InputColumn)
            return JobStore::displayBytes(inputOf(row));
        if (column == WorkerColumn && row.attempts > 0)
            return row.workerPid > 0 ? tr("Worker pid %1, slot %2").arg(row.workerPid).arg(row.slot)
                                     : tr("Slot %1").arg(row.slot);
        if (column == ExitColumn && (row.flags & StartError)) {
            const std::optional<JobRecord> &record = cachedRecord(index.row());
            return record ? record->lastAttempt.error : QString();
        }
        if (column == StateColumn && row.attempts > 1)
            return tr("%1, attempt %2").arg(stateText(JobState(row.state))).arg(row.attempts);
        return {};
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(
            Qt::Alignment((isNumeric(column) ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter));
    case SeqRole:
        return row.seq;
    case StateRole:
        return int(row.state);
    case SortRole:
        return sortValue(row, column);
    case StdoutPathRole:
    case StderrPathRole: {
        const std::optional<JobRecord> &record = cachedRecord(index.row());
        if (!record)
            return QByteArray();
        return role == StdoutPathRole ? record->lastAttempt.stdoutPath
                                      : record->lastAttempt.stderrPath;
    }
    default:
        return {};
    }
}

QString JobsModel::displayText(const Row &row, int column) const
{
    const bool started = row.attempts > 0;
    switch (column) {
    case SeqColumn:
        return QString::number(row.seq);
    case InputColumn:
        return JobStore::displayBytes(inputOf(row), JobStore::Display::OneLine);
    case StateColumn:
        if (JobState(row.state) == JobState::Running) {
            const auto pause = m_paused.find(row.seq);
            if (pause != m_paused.end() && pause->second.sinceMs != 0)
                return tr("Paused");
        }
        return stateText(JobState(row.state));
    case WorkerColumn:
        if (!started)
            return {};
        return row.workerPid > 0 ? QString::number(row.workerPid) : tr("slot %1").arg(row.slot);
    case StartedColumn: {
        if (row.startedAtMs <= 0)
            return {};
        const QDateTime when = QDateTime::fromMSecsSinceEpoch(row.startedAtMs);
        return when.date() == QDate::currentDate()
                   ? when.toString(QStringLiteral("HH:mm:ss"))
                   : when.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    }
    case DurationColumn: {
        const qint64 us = durationUs(row);
        return us > 0 ? formatDuration(us) : QString();
    }
    case ExitColumn:
        return exitText(row);
    case CpuColumn:
        return started && JobState(row.state) != JobState::Running ? formatDuration(row.cpuUs)
                                                                   : QString();
    case RssColumn:
        return row.peakRssKiB > 0 ? QLocale().formattedDataSize(qint64(row.peakRssKiB) * 1024)
                                  : QString();
    default:
        return {};
    }
}

QVariant JobsModel::sortValue(const Row &row, int column) const
{
    switch (column) {
    case SeqColumn:
        return row.seq;
    case InputColumn:
        return JobStore::displayBytes(inputOf(row), JobStore::Display::OneLine);
    case StateColumn:
        return int(row.state);
    case WorkerColumn:
        return row.workerPid > 0 ? qint64(row.workerPid) : qint64(row.slot);
    case StartedColumn:
        return row.startedAtMs;
    case DurationColumn:
        return durationUs(row);
    case ExitColumn:
        return row.signal ? 1000 + row.signal : (row.flags & HasExit) ? row.exitCode : -1;
    case CpuColumn:
        return row.cpuUs;
    case RssColumn:
        return qint64(row.peakRssKiB);
    default:
        return {};
    }
}

int JobsModel::compareRows(int left, int right, int column) const
{
    const Row &a = m_rows[size_t(left)];
    const Row &b = m_rows[size_t(right)];
    int order = 0;
    switch (column) {
    case InputColumn: {
        const QByteArrayView x = inputOf(a);
        const QByteArrayView y = inputOf(b);
        const int common = int(std::min(x.size(), y.size()));
        order = common > 0 ? std::memcmp(x.data(), y.data(), size_t(common)) : 0;
        if (order == 0)
            order = compare(x.size(), y.size());
        break;
    }
    case StateColumn:
        order = compare(a.state, b.state);
        break;
    case WorkerColumn:
        order = compare(a.workerPid, b.workerPid);
        if (order == 0)
            order = compare(a.slot, b.slot);
        break;
    case StartedColumn:
        order = compare(a.startedAtMs, b.startedAtMs);
        break;
    case DurationColumn:
        order = compare(durationUs(a), durationUs(b));
        break;
    case ExitColumn: {
        const auto key = [](const Row &r) {
            return r.signal ? 1000 + r.signal : (r.flags & HasExit) ? r.exitCode : -1;
        };
        order = compare(key(a), key(b));
        break;
    }
    case CpuColumn:
        order = compare(a.cpuUs, b.cpuUs);
        break;
    case RssColumn:
        order = compare(a.peakRssKiB, b.peakRssKiB);
        break;
    default:
        break;
    }
    return order != 0 ? order : compare(a.seq, b.seq);
}

bool JobsModel::inputContains(int row, QByteArrayView foldedNeedle) const
{
    if (foldedNeedle.isEmpty())
        return true;
    const QByteArrayView hay = inputOf(m_rows[size_t(row)]);
    return std::search(hay.begin(), hay.end(), foldedNeedle.begin(), foldedNeedle.end(),
                       [](char h, char n) { return foldAscii(h) == n; })
           != hay.end();
}

QByteArrayView JobsModel::inputOf(const Row &row) const
{
    return QByteArrayView(m_inputs.constData() + row.inputOffset, row.inputLength);
}

qint64 JobsModel::durationUs(const Row &row) const
{
    if (JobState(row.state) == JobState::Running) {
        if (row.startedAtMs <= 0)
            return 0;
        qint64 pausedMs = 0;
        if (const auto pause = m_paused.find(row.seq); pause != m_paused.end())
            pausedMs = pause->second.totalMs
                       + (pause->second.sinceMs ? m_nowMs - pause->second.sinceMs : 0);
        return std::max<qint64>(0, m_nowMs - row.startedAtMs - pausedMs) * 1000;
    }
    return row.attempts > 0 ? row.wallUs : 0;
}

QString JobsModel::exitText(const Row &row) const
{
    QString text;
    if (row.signal)
        text = signalName(row.signal);
    else if (row.flags & HasExit)
        text = QString::number(row.exitCode);
    else
        return {};
    return (row.flags & TimedOut) ? tr("%1, timed out").arg(text) : text;
}

QString JobsModel::stateText(JobState state)
{
    switch (state) {
    case JobState::Pending:
        return tr("Queued");
    case JobState::Running:
        return tr("Running");
    case JobState::Done:
        return tr("Done");
    case JobState::Failed:
        return tr("Failed");
    case JobState::Interrupted:
        return tr("Interrupted");
    case JobState::Skipped:
        return tr("Cancelled");
    }
    return {};
}

QString JobsModel::formatDuration(qint64 us)
{
    if (us < 1'000'000) {
        const double ms = double(us) / 1000.0;
        return tr("%1 ms").arg(ms, 0, 'f', us < 10'000 ? 1 : 0);
    }
    if (us < 60'000'000)
        return tr("%1 s").arg(double(us) / 1e6, 0, 'f', 1);
    const qint64 seconds = us / 1'000'000;
    const QString mmss = QStringLiteral("%1:%2")
                             .arg(seconds / 60 % 60, seconds >= 3600 ? 2 : 1, 10, QChar(u'0'))
                             .arg(seconds % 60, 2, 10, QChar(u'0'));
    return seconds >= 3600 ? QStringLiteral("%1:%2").arg(seconds / 3600).arg(mmss) : mmss;
}

qint64 JobsModel::seqAt(int row) const
{
    return row >= 0 && size_t(row) < m_rows.size() ? m_rows[size_t(row)].seq : 0;
}

int JobsModel::rowOf(qint64 seq) const
{
    // Seqs run 1..N without a gap: the row is seq - 1, unless the store says otherwise.
    if (seq >= 1 && size_t(seq) <= m_rows.size() && m_rows[size_t(seq - 1)].seq == seq)
        return int(seq - 1);
    const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), seq,
                                     [](const Row &row, qint64 s) { return row.seq < s; });
    return it != m_rows.end() && it->seq == seq ? int(it - m_rows.begin()) : -1;
}

JobState JobsModel::stateAt(int row) const
{
    return row >= 0 && size_t(row) < m_rows.size() ? JobState(m_rows[size_t(row)].state)
                                                   : JobState::Pending;
}

std::optional<JobRecord> JobsModel::record(int row)
{
    return cachedRecord(row);
}

const std::optional<JobRecord> &JobsModel::cachedRecord(int row) const
{
    static const std::optional<JobRecord> none;
    const qint64 seq = seqAt(row);
    if (seq == 0 || !m_store)
        return none;
    if (m_lastRecord && m_lastRecord->seq == seq)
        return m_lastRecord;
    try {
        m_lastRecord = m_store->job({m_batch, seq});
    } catch (const Error &e) {
        m_lastRecord.reset();
        const_cast<JobsModel *>(this)->fail(e.message());
    }
    return m_lastRecord ? m_lastRecord : none;
}

std::optional<QList<QByteArray>> JobsModel::command(int row)
{
    const std::optional<JobRecord> job = record(row);
    if (!job)
        return std::nullopt;
    try {
        if (!m_command) {
            const std::optional<BatchRecord> b = m_store->batch(m_batch);
            if (!b)
                return std::nullopt;
            CommandTemplate::Options options;
            options.shell = b->shell;
            options.sources = std::max(1, b->options.value(QStringLiteral("sources")).toInt(1));
            m_command = CommandTemplate::parse(b->templateArgv, options);
        }
        return m_command->expand(job->inputs, job->seq, std::max(1, job->lastAttempt.slot));
    } catch (const Error &e) {
        fail(e.message());
        return std::nullopt;
    }
}

} // namespace jobpool
