// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/processesmodel.h>

#include <QDateTime>
#include <QLocale>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace jobpool {
namespace {

/// A command line as a person would type it: arguments with spaces or quotes in '…'.
QString joinArguments(const QStringList &argv)
{
    QStringList quoted;
    quoted.reserve(argv.size());
    for (const QString &arg : argv) {
        const bool plain = !arg.isEmpty() && std::none_of(arg.cbegin(), arg.cend(), [](QChar c) {
            return c.isSpace() || c == u'\'' || c == u'"' || c == u'\\' || c == u'$';
        });
        if (plain)
            quoted.append(arg);
        else
            quoted.append(u'\'' + QString(arg).replace(QStringLiteral("'"), QStringLiteral("'\\''"))
                          + u'\'');
    }
    return quoted.join(u' ');
}

QString formatKiB(qint64 kib)
{
    return QLocale().formattedDataSize(kib * 1024, 1, QLocale::DataSizeIecFormat);
}

qint64 sum(qint64 a, qint64 b)
{
    if (a < 0)
        return b;
    return b < 0 ? a : a + b;
}

double sum(double a, double b)
{
    if (a < 0)
        return b;
    return b < 0 ? a : a + b;
}

} // namespace

ProcessesModel::ProcessesModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    m_clock.start();
}

ProcessesModel::~ProcessesModel() = default;

void ProcessesModel::setJobLabel(std::function<QString(qint64)> label)
{
    m_jobLabel = std::move(label);
    for (Row &row : m_rows)
        row.jobLabel = jobText(row);
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, JobColumn), index(int(m_rows.size()) - 1, JobColumn));
}

void ProcessesModel::setPoolStats(const PoolStats &stats)
{
    if (stats.workersRecycled == m_workersRecycled)
        return;
    m_workersRecycled = stats.workersRecycled;
    emit summaryChanged();
}

QString ProcessesModel::summary() const
{
    if (m_workersRecycled <= 0)
        return {};
    return tr("Workers replaced for using too much memory: %1").arg(m_workersRecycled);
}

QString ProcessesModel::summaryToolTip() const
{
    if (m_workersRecycled <= 0)
        return {};
    return tr("A worker whose own memory grew past the limit after a job was replaced by a new "
              "one before its next job. No job failed or ran twice because of it.");
}

void ProcessesModel::update(const QList<WorkerInfo> &workers)
{
    QList<qint64> keys;
    keys.reserve(workers.size());
    for (qsizetype i = 0; i < workers.size(); ++i)
        keys.append(workers[i].pid > 0 ? workers[i].pid : -1 - i);
    removeRowsNotIn(keys);

    QHash<qint64, int> rowOfKey;
    rowOfKey.reserve(m_rows.size());
    for (int r = 0; r < int(m_rows.size()); ++r)
        rowOfKey.insert(m_rows[r].key, r);

    const qint64 nowMs = m_clock.elapsed();
    const qint64 nowWall = QDateTime::currentMSecsSinceEpoch();
    std::optional<double> bootUptime; // read once, and only when a reading needs it
    const auto uptime = [&bootUptime] {
        if (!bootUptime) {
            const std::optional<QByteArray> text = readProcFile(QStringLiteral("/proc/uptime"));
            const std::optional<Uptime> parsed = text ? parseUptime(*text) : std::nullopt;
            bootUptime = parsed ? parsed->seconds : 0.0;
        }
        return *bootUptime;
    };

    QList<Row> added;
    int firstChanged = -1;
    int lastChanged = -1;
    int changedRows = 0;
    QList<std::pair<int, std::pair<int, int>>> changes; // row → first, last column
    for (qsizetype i = 0; i < workers.size(); ++i) {
        const WorkerInfo &info = workers[i];
        const int existing = rowOfKey.value(keys[i], -1);
        Row row = existing >= 0 ? m_rows[existing] : Row{};
        const bool commandChanged = existing < 0 || row.info.childPid != info.childPid
                                    || row.info.childTag != info.childTag;
        // The label function may look the job up: asked only when the job changed.
        const bool jobChanged = commandChanged || row.info.currentTask != info.currentTask;
        row.key = keys[i];
        row.info = info;
        if (commandChanged || row.sampledMs < 0 || nowMs - row.sampledMs >= m_sampleIntervalMs)
            sample(row, nowMs, uptime());
        if (jobChanged)
            row.jobLabel = jobText(row);
        if (info.startedAt.isValid())
            row.uptimeSeconds =
                std::max<qint64>(0, (nowWall - info.startedAt.toMSecsSinceEpoch()) / 1000);
        else if (row.worker.startTime > 0)
            row.uptimeSeconds =
                qint64(uptime() - double(row.worker.startTime) / clockTicksPerSecond());

        if (existing < 0) {
            added.append(std::move(row));
            continue;
        }
        int first = -1;
        int last = -1;
        for (int c = 0; c < ColumnCount; ++c) {
            if (display(m_rows[existing], c) != display(row, c)
                || sortValue(m_rows[existing], c) != sortValue(row, c)) {
                first = first < 0 ? c : first;
                last = c;
            }
        }
        m_rows[existing] = std::move(row);
        if (first >= 0) {
            changes.append({existing, {first, last}});
            firstChanged = firstChanged < 0 ? existing : std::min(firstChanged, existing);
            lastChanged = std::max(lastChanged, existing);
            ++changedRows;
        }
    }

    // Like qBittorrent's transfer list: one signal for the lot when most rows changed.
    if (changedRows > 0 && changedRows * 2 > int(m_rows.size())) {
        int firstColumn = ColumnCount;
        int lastColumn = 0;
        for (const auto &change : std::as_const(changes)) {
            firstColumn = std::min(firstColumn, change.second.first);
            lastColumn = std::max(lastColumn, change.second.second);
        }
        emit dataChanged(index(firstChanged, firstColumn), index(lastChanged, lastColumn));
    } else {
        for (const auto &change : std::as_const(changes))
            emit dataChanged(index(change.first, change.second.first),
                             index(change.first, change.second.second));
    }

    if (!added.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        m_rows.append(std::move(added));
        endInsertRows();
    }

    QSet<qint64> pids;
    for (const Row &row : std::as_const(m_rows)) {
        pids.insert(row.worker.pid);
        pids.insert(row.child.pid);
    }
    m_cpu.retainOnly(pids);
}

void ProcessesModel::removeRowsNotIn(const QList<qint64> &keys)
{
    const QSet<qint64> wanted(keys.cbegin(), keys.cend());
    // From the end, in runs, so that each removal keeps the rows before it in place.
    for (int last = int(m_rows.size()) - 1; last >= 0; --last) {
        if (wanted.contains(m_rows[last].key))
            continue;
        int first = last;
        while (first > 0 && !wanted.contains(m_rows[first - 1].key))
            --first;
        beginRemoveRows({}, first, last);
        m_rows.remove(first, last - first + 1);
        endRemoveRows();
        last = first;
    }
}

void ProcessesModel::sample(Row &row, qint64 nowMs, double bootUptime)
{
    row.sampledMs = nowMs;
    sampleProcess(row.worker, row.info.pid, nowMs, bootUptime);
    sampleProcess(row.child, row.info.childPid, nowMs, bootUptime);
    row.argv.clear();
    if (row.info.childPid > 0) {
        // Read each time: right after fork the child still shows the worker's command line.
        const std::optional<QByteArray> cmdline =
            readProcFile(QStringLiteral("/proc/%1/cmdline").arg(row.info.childPid));
        if (cmdline)
            row.argv = parseCmdline(*cmdline);
    }
}

void ProcessesModel::sampleProcess(Process &process, qint64 pid, qint64 nowMs, double bootUptime)
{
    if (pid != process.pid)
        process = Process{pid};
    if (pid <= 0) {
        process = Process{};
        return;
    }
    const std::optional<QByteArray> stat = readProcFile(QStringLiteral("/proc/%1/stat").arg(pid));
    const std::optional<ProcessStat> parsed = stat ? parseProcessStat(*stat) : std::nullopt;
    if (!parsed || parsed->state == 'Z' || parsed->state == 'X') {
        process.cpu = -1;
        process.rssKiB = -1;
        return;
    }
    process.startTime = parsed->startTime;
    process.cpu = m_cpu.sample(*parsed, nowMs, bootUptime).value_or(-1);
    const std::optional<QByteArray> status =
        readProcFile(QStringLiteral("/proc/%1/status").arg(pid));
    process.rssKiB = status ? parseVmRssKiB(*status).value_or(-1) : -1;
}

QString ProcessesModel::jobText(const Row &row) const
{
    if (row.info.childTag > 0)
        return m_jobLabel ? m_jobLabel(row.info.childTag) : tr("#%1").arg(row.info.childTag);
    if (row.info.currentTask > 0)
        return tr("task %1").arg(row.info.currentTask);
    return {};
}

int ProcessesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ProcessesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString ProcessesModel::formatUptime(qint64 seconds)
{
    if (seconds < 0)
        return {};
    return QStringLiteral("%1:%2:%3")
        .arg(seconds / 3600)
        .arg(seconds / 60 % 60, 2, 10, QLatin1Char('0'))
        .arg(seconds % 60, 2, 10, QLatin1Char('0'));
}

QVariant ProcessesModel::display(const Row &row, int column) const
{
    switch (Column(column)) {
    case PidColumn:
        return row.info.pid > 0 ? QString::number(row.info.pid) : QString();
    case StateColumn:
        switch (row.info.state) {
        case WorkerInfo::State::Starting:
            return tr("Starting");
        case WorkerInfo::State::Idle:
            return tr("Idle");
        case WorkerInfo::State::Busy:
            return tr("Busy");
        case WorkerInfo::State::Stopping:
            return tr("Stopping");
        }
        return QString();
    case JobColumn:
        return row.jobLabel;
    case CommandColumn:
        return joinArguments(row.argv);
    case CpuColumn: {
        const double cpu = sum(row.worker.cpu, row.child.cpu);
        return cpu < 0 ? QString() : tr("%1 %").arg(qRound(cpu));
    }
    case RssColumn: {
        const qint64 rss = sum(row.worker.rssKiB, row.child.rssKiB);
        return rss < 0 ? QString() : formatKiB(rss);
    }
    case UptimeColumn:
        return formatUptime(row.uptimeSeconds);
    case JobsDoneColumn:
        return QString::number(row.info.tasksDone);
    case ColumnCount:
        break;
    }
    return {};
}

QVariant ProcessesModel::sortValue(const Row &row, int column) const
{
    switch (Column(column)) {
    case PidColumn:
        return row.info.pid;
    case StateColumn:
        return int(row.info.state);
    case JobColumn:
        return row.info.childTag > 0 ? row.info.childTag : qint64(row.info.currentTask);
    case CommandColumn:
        return joinArguments(row.argv);
    case CpuColumn:
        return sum(row.worker.cpu, row.child.cpu);
    case RssColumn: {
        const qint64 rss = sum(row.worker.rssKiB, row.child.rssKiB);
        return rss < 0 ? qint64(-1) : rss * 1024;
    }
    case UptimeColumn:
        return row.uptimeSeconds;
    case JobsDoneColumn:
        return row.info.tasksDone;
    case ColumnCount:
        break;
    }
    return {};
}

QVariant ProcessesModel::toolTip(const Row &row, int column) const
{
    const bool hasChild = row.info.childPid > 0;
    switch (Column(column)) {
    case PidColumn:
        return hasChild
                   ? tr("Worker %1, running process %2").arg(row.info.pid).arg(row.info.childPid)
                   : tr("Worker %1").arg(row.info.pid);
    case CommandColumn:
        return row.argv.isEmpty() ? QVariant() : QVariant(joinArguments(row.argv));
    case JobColumn:
        return row.jobLabel.isEmpty() ? QVariant() : QVariant(row.jobLabel);
    case CpuColumn:
        if (!hasChild || row.worker.cpu < 0 || row.child.cpu < 0)
            return {};
        return tr("Worker %1 %, command %2 %")
            .arg(qRound(row.worker.cpu))
            .arg(qRound(row.child.cpu));
    case RssColumn:
        if (!hasChild || row.worker.rssKiB < 0 || row.child.rssKiB < 0)
            return {};
        return tr("Worker %1, command %2")
            .arg(formatKiB(row.worker.rssKiB), formatKiB(row.child.rssKiB));
    case UptimeColumn:
        return row.info.startedAt.isValid()
                   ? QVariant(tr("Started %1")
                                  .arg(QLocale().toString(row.info.startedAt.toLocalTime(),
                                                          QLocale::ShortFormat)))
                   : QVariant();
    default:
        return {};
    }
}

QVariant ProcessesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        return display(row, index.column());
    case SortRole:
        return sortValue(row, index.column());
    case Qt::ToolTipRole:
        return toolTip(row, index.column());
    case JobSeqRole:
        return row.info.childTag;
    case PidRole:
        return row.info.pid;
    case Qt::TextAlignmentRole:
        if (index.column() == StateColumn || index.column() == JobColumn
            || index.column() == CommandColumn)
            return QVariant::fromValue(Qt::Alignment(Qt::AlignLeft | Qt::AlignVCenter));
        return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
    default:
        return {};
    }
}

QVariant ProcessesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::DisplayRole) {
        switch (Column(section)) {
        case PidColumn:
            return tr("PID");
        case StateColumn:
            return tr("State");
        case JobColumn:
            return tr("Job");
        case CommandColumn:
            return tr("Command");
        case CpuColumn:
            return tr("CPU %");
        case RssColumn:
            return tr("RSS");
        case UptimeColumn:
            return tr("Uptime");
        case JobsDoneColumn:
            return tr("Jobs done");
        case ColumnCount:
            break;
        }
    } else if (role == Qt::ToolTipRole) {
        switch (Column(section)) {
        case CpuColumn:
            return tr("CPU use of the worker and its command; 100 % is one core busy");
        case RssColumn:
            return tr("Resident memory of the worker and its command");
        case JobsDoneColumn:
            return tr("Tasks the worker has finished");
        default:
            break;
        }
    }
    return {};
}

} // namespace jobpool
