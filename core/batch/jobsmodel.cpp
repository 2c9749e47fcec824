// SPDX-License-Identifier: GPL-3.0-or-later
// JobsModel: loading a batch from the job store, and the runner's live changes. What the
// cells show is in jobsmodeldata.cpp.
#include <jobpool/batchrunner.h>
#include <jobpool/errors.h>
#include <jobpool/jobsmodel.h>

#include <QDateTime>
#include <QElapsedTimer>

#include <algorithm>

namespace jobpool {
namespace {

constexpr int kPageSize = 1000;
constexpr qint64 kSliceMs = 8;        ///< of reading per turn of the event loop
constexpr int kApplyIntervalMs = 100; ///< live changes reach the view ten times a second
constexpr qsizetype kSpanReload = 32; ///< more seqs than this: read their whole span in pages
constexpr int kCoalesceGap = 16;      ///< changed rows this close share one dataChanged()

/// ExecResult::workerPid where the runner reports it (a newer core), else 0.
template<typename Result>
qint64 workerPidOf(const Result &result)
{
    if constexpr (requires { result.workerPid; })
        return qint64(result.workerPid);
    else
        return 0;
}

JobState stateOf(BatchJob::Outcome outcome)
{
    switch (outcome) {
    case BatchJob::Outcome::Pending:
        return JobState::Pending;
    case BatchJob::Outcome::Done:
        return JobState::Done;
    case BatchJob::Outcome::Failed:
        return JobState::Failed;
    case BatchJob::Outcome::Interrupted:
        return JobState::Interrupted;
    default:
        return JobState::Skipped; // cancelled by the user
    }
}

qint32 clamp32(qint64 value)
{
    return qint32(std::clamp<qint64>(value, 0, std::numeric_limits<qint32>::max()));
}

} // namespace

JobsModel::JobsModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    m_loadTimer.setInterval(0);
    connect(&m_loadTimer, &QTimer::timeout, this, [this] {
        if (loadSlice(kSliceMs))
            m_loadTimer.stop();
    });
    m_applyTimer.setInterval(kApplyIntervalMs);
    connect(&m_applyTimer, &QTimer::timeout, this, &JobsModel::tick);
}

JobsModel::~JobsModel() = default;

void JobsModel::setStore(JobStore *store)
{
    beginResetModel();
    clear();
    m_store = store;
    m_batch = 0;
    endResetModel();
    emit countsChanged();
}

void JobsModel::showBatch(qint64 batch)
{
    beginResetModel();
    clear();
    m_batch = m_store ? batch : 0;
    endResetModel();
    if (m_batch == 0) {
        emit countsChanged();
        return;
    }
    try {
        const std::optional<BatchRecord> record = m_store->batch(m_batch);
        if (!record) {
            fail(tr("%1 holds no batch %2.").arg(m_store->path()).arg(m_batch));
            m_batch = 0;
            emit countsChanged();
            return;
        }
        m_counts = record->counts;
        m_rows.reserve(size_t(m_counts.total()));
    } catch (const Error &e) {
        fail(e.message());
        emit countsChanged();
        return;
    }
    emit countsChanged();
    if (loadSlice(kSliceMs))
        return;
    m_loadTimer.start();
}

void JobsModel::finishLoading()
{
    while (m_loadTimer.isActive()) {
        if (loadSlice(1000))
            m_loadTimer.stop();
    }
}

void JobsModel::reload()
{
    if (!m_store || m_batch == 0)
        return;
    if (m_loadTimer.isActive() && !m_refreshing) { // the first load is not through yet
        showBatch(m_batch);
        return;
    }
    m_refreshing = true;
    m_staged.clear();
    m_staged.reserve(m_rows.size());
    if (!loadSlice(kSliceMs))
        m_loadTimer.start();
}

void JobsModel::clear()
{
    m_loadTimer.stop();
    m_applyTimer.stop();
    std::vector<Row>().swap(m_rows);
    std::vector<Row>().swap(m_staged);
    m_refreshing = false;
    m_inputs = QByteArray();
    m_counts = {};
    m_error.clear();
    m_pending.clear();
    m_running.clear();
    m_lastRecord.reset();
    m_command.reset();
    m_countsStale = false;
    m_nowMs = QDateTime::currentMSecsSinceEpoch();
}

bool JobsModel::loadSlice(qint64 budgetMs)
{
    QElapsedTimer elapsed;
    elapsed.start();
    // A refresh reads into m_staged, swapped in at the end so that the view keeps its rows
    // (and selection); a first load appends what it reads at once.
    std::vector<Row> fresh;
    std::vector<Row> &into = m_refreshing ? m_staged : fresh;
    const std::vector<Row> &before = m_refreshing ? m_staged : m_rows;
    qint64 after = before.empty() ? 0 : before.back().seq;
    bool done = false;
    try {
        do {
            const QList<JobRecord> page = m_store->jobs(m_batch, {}, after, kPageSize);
            for (const JobRecord &record : page) {
                const size_t at = into.size();
                const bool known =
                    m_refreshing && at < m_rows.size() && m_rows[at].seq == record.seq;
                into.push_back(rowFrom(record, known ? &m_rows[at] : nullptr));
            }
            done = page.size() < kPageSize;
            if (!page.isEmpty())
                after = page.constLast().seq;
        } while (!done && elapsed.elapsed() < budgetMs);
    } catch (const Error &e) {
        fail(e.message());
        done = true;
    }
    if (!fresh.empty())
        appendRows(fresh.begin(), fresh.end());
    if (!done)
        return false;
    if (m_refreshing)
        finishRefresh();
    m_rows.shrink_to_fit();
    m_inputs.squeeze();
    emit loaded();
    return true;
}

void JobsModel::appendRows(std::vector<Row>::const_iterator begin,
                           std::vector<Row>::const_iterator end)
{
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(end - begin) - 1);
    m_rows.insert(m_rows.end(), begin, end);
    endInsertRows();
    for (int row = first; row < int(m_rows.size()); ++row) {
        if (JobState(m_rows[size_t(row)].state) == JobState::Running)
            m_running.insert(row);
    }
    updateTimer();
}

void JobsModel::finishRefresh()
{
    m_refreshing = false;
    std::vector<Row> staged;
    staged.swap(m_staged);
    const size_t old = m_rows.size();
    const bool sameRows = staged.size() >= old
                          && std::equal(m_rows.begin(), m_rows.end(), staged.begin(),
                                        [](const Row &a, const Row &b) { return a.seq == b.seq; });
    if (!sameRows) { // jobs went away: not something a store does, but start over then
        beginResetModel();
        m_rows.swap(staged);
        endResetModel();
    } else {
        std::copy(staged.begin(), staged.begin() + qsizetype(old), m_rows.begin());
        // One range: a proxy sorted by a changed column re-sorts it in one go (a few
        // scattered ranges would each cost it a pass over its whole mapping).
        if (old > 0)
            emit dataChanged(index(0, StateColumn), index(int(old) - 1, RssColumn));
        if (staged.size() > old)
            appendRows(staged.begin() + qsizetype(old), staged.end());
    }
    m_running.clear();
    for (size_t row = 0; row < m_rows.size(); ++row) {
        if (JobState(m_rows[row].state) == JobState::Running)
            m_running.insert(int(row));
    }
    m_lastRecord.reset();
    refreshCounts();
    updateTimer();
}

JobsModel::Row JobsModel::rowFrom(const JobRecord &record, const Row *existing)
{
    Row row;
    row.seq = record.seq;
    if (existing) { // the inputs of a job never change
        row.inputOffset = existing->inputOffset;
        row.inputLength = existing->inputLength;
    } else {
        row.inputOffset = m_inputs.size();
        for (qsizetype i = 0; i < record.inputs.size(); ++i) {
            if (i > 0)
                m_inputs.append(' ');
            m_inputs.append(record.inputs[i]);
        }
        row.inputLength = qint32(m_inputs.size() - row.inputOffset);
    }
    const AttemptRecord &a = record.lastAttempt;
    row.state = quint8(record.state);
    row.attempts = quint16(std::min(record.attempts, 0xffff));
    row.slot = a.slot;
    row.workerPid = clamp32(a.workerPid);
    row.startedAtMs = a.startedAtMs;
    row.wallUs = a.wallUs;
    row.cpuUs = a.userCpuUs + a.systemCpuUs;
    row.peakRssKiB = quint32(std::clamp<qint64>(a.peakRssKiB, 0, 0xffffffff));
    row.signal = quint8(std::clamp(record.signal, 0, 255));
    if (record.exitCode) {
        row.flags |= HasExit;
        row.exitCode = *record.exitCode;
    }
    if (a.timedOut)
        row.flags |= TimedOut;
    if (!a.error.isEmpty() && record.state == JobState::Failed)
        row.flags |= StartError;
    return row;
}

JobsModel::Row *JobsModel::pendingRow(qint64 seq)
{
    m_countsStale = true;
    updateTimer();
    // A row not read yet is left to the page that will read it: the store already has
    // the change (the runner signals after its flush).
    const int row = rowOf(seq);
    if (row < 0)
        return nullptr;
    auto it = m_pending.find(row);
    if (it == m_pending.end())
        it = m_pending.emplace(row, m_rows[size_t(row)]).first;
    return &it->second;
}

void JobsModel::jobStarted(const BatchJob &job)
{
    m_paused.erase(job.seq); // a new attempt
    Row *row = pendingRow(job.seq);
    if (!row)
        return;
    row->state = quint8(JobState::Running);
    row->attempts = quint16(std::min(job.attempt, 0xffff));
    row->slot = job.slot;
    row->workerPid = clamp32(workerPidOf(job.result));
    row->startedAtMs = job.launchedAtMs;
    row->wallUs = 0;
    row->cpuUs = 0;
    row->peakRssKiB = 0;
    row->exitCode = 0;
    row->signal = 0;
    row->flags = 0;
}

void JobsModel::setJobPaused(qint64 seq, bool paused)
{
    Pause &pause = m_paused[seq];
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (paused && pause.sinceMs == 0) {
        pause.sinceMs = now;
    } else if (!paused && pause.sinceMs != 0) {
        pause.totalMs += now - pause.sinceMs;
        pause.sinceMs = 0;
    }
    if (const int row = rowOf(seq); row >= 0)
        emitChangedRows({row}, StateColumn, DurationColumn);
}

bool JobsModel::isPaused(int row) const
{
    const auto pause = m_paused.find(seqAt(row));
    return pause != m_paused.end() && pause->second.sinceMs != 0
           && stateAt(row) == JobState::Running;
}

void JobsModel::jobFinished(const BatchJob &job)
{
    m_paused.erase(job.seq);
    Row *row = pendingRow(job.seq);
    if (!row)
        return;
    applyResult(*row, job);
}

void JobsModel::applyResult(Row &row, const BatchJob &job) const
{
    const ExecResult &r = job.result;
    row.state = quint8(stateOf(job.outcome));
    row.attempts = quint16(std::min(job.attempt, 0xffff));
    row.slot = job.slot;
    if (const qint64 pid = workerPidOf(r))
        row.workerPid = clamp32(pid);
    row.startedAtMs = r.startedAtMs ? r.startedAtMs : job.launchedAtMs;
    row.wallUs = r.wallUs;
    row.cpuUs = r.userUs + r.systemUs;
    row.peakRssKiB = quint32(std::clamp<qint64>(r.maxRssKiB, 0, 0xffffffff));
    row.signal = quint8(std::clamp(r.signal, 0, 255));
    row.flags = 0;
    // As the store keeps it: no exit code for a job a signal ended.
    if (r.signal == 0) {
        row.flags |= HasExit;
        row.exitCode = r.exitCode;
    }
    if (r.timedOut)
        row.flags |= TimedOut;
    if (!r.error.isEmpty() && row.state == quint8(JobState::Failed))
        row.flags |= StartError;
}

void JobsModel::reloadJobs(const QList<qint64> &seqs)
{
    if (!m_store || m_batch == 0 || seqs.isEmpty())
        return;
    applyPending(); // older than what the store says now
    std::vector<int> changed;
    const auto refresh = [&](const JobRecord &record) {
        const int row = rowOf(record.seq);
        if (row < 0)
            return;
        Row &target = m_rows[size_t(row)];
        target = rowFrom(record, &target);
        if (size_t(row) < m_staged.size())
            m_staged[size_t(row)] = target;
        if (JobState(target.state) == JobState::Running)
            m_running.insert(row);
        else
            m_running.erase(row);
        changed.push_back(row);
    };
    try {
        if (seqs.size() <= kSpanReload) {
            for (qint64 seq : seqs) {
                if (const std::optional<JobRecord> record = m_store->job({m_batch, seq}))
                    refresh(*record);
            }
        } else {
            const auto [low, high] = std::minmax_element(seqs.begin(), seqs.end());
            for (qint64 after = *low - 1; after < *high;) {
                const QList<JobRecord> page =
                    m_store->jobs(m_batch, {}, after, std::min<qint64>(kPageSize, *high - after));
                for (const JobRecord &record : page)
                    refresh(record);
                if (page.isEmpty())
                    break;
                after = page.constLast().seq;
            }
        }
    } catch (const Error &e) {
        fail(e.message());
    }
    m_lastRecord.reset();
    std::sort(changed.begin(), changed.end());
    emitChangedRows(std::move(changed), StateColumn, RssColumn);
    refreshCounts();
    updateTimer();
}

void JobsModel::applyPending()
{
    if (m_pending.empty())
        return;
    std::vector<int> rows;
    rows.reserve(m_pending.size());
    for (const auto &[row, value] : m_pending) {
        m_rows[size_t(row)] = value;
        if (size_t(row) < m_staged.size()) // read by a refresh before this change came
            m_staged[size_t(row)] = value;
        if (JobState(value.state) == JobState::Running)
            m_running.insert(row);
        else
            m_running.erase(row);
        rows.push_back(row);
    }
    m_pending.clear();
    m_lastRecord.reset();
    emitChangedRows(std::move(rows), StateColumn, RssColumn);
}

void JobsModel::emitChangedRows(std::vector<int> rows, int firstColumn, int lastColumn)
{
    if (rows.empty())
        return;
    // Sorted; the seq and input columns never change, so a proxy sorted by them keeps its
    // order without a layoutChanged().
    if (rows.size() > m_rows.size() / 2) {
        emit dataChanged(index(rows.front(), firstColumn), index(rows.back(), lastColumn));
        return;
    }
    int start = rows.front();
    int end = start;
    for (size_t i = 1; i <= rows.size(); ++i) {
        if (i < rows.size() && rows[i] - end <= kCoalesceGap) {
            end = rows[i];
            continue;
        }
        emit dataChanged(index(start, firstColumn), index(end, lastColumn));
        if (i < rows.size())
            start = end = rows[i];
    }
}

void JobsModel::tick()
{
    m_nowMs = QDateTime::currentMSecsSinceEpoch();
    std::vector<int> running;
    for (int row : m_running) {
        if (!m_pending.contains(row)) // those are all signalled below
            running.push_back(row);
    }
    applyPending();
    emitChangedRows(std::move(running), DurationColumn, DurationColumn);
    if (m_countsStale)
        refreshCounts();
    updateTimer();
}

void JobsModel::updateTimer()
{
    if (m_pending.empty() && m_running.empty() && !m_countsStale)
        m_applyTimer.stop();
    else if (!m_applyTimer.isActive())
        m_applyTimer.start();
}

void JobsModel::refreshCounts()
{
    m_countsStale = false;
    if (!m_store || m_batch == 0)
        return;
    StateCounts counts;
    try {
        const std::optional<BatchRecord> record = m_store->batch(m_batch);
        if (!record)
            return;
        counts = record->counts;
    } catch (const Error &e) {
        fail(e.message());
        return;
    }
    const bool changed = counts.pending != m_counts.pending || counts.running != m_counts.running
                         || counts.done != m_counts.done || counts.failed != m_counts.failed
                         || counts.interrupted != m_counts.interrupted
                         || counts.skipped != m_counts.skipped;
    m_counts = counts;
    if (changed)
        emit countsChanged();
}

void JobsModel::fail(const QString &message)
{
    m_error = message;
    emit errorOccurred(message);
}

} // namespace jobpool
