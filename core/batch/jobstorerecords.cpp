// SPDX-License-Identifier: GPL-3.0-or-later
// The job store's vocabulary: state names, packed byte lists, readable bytes, and the
// JSON of `jobpool history --json` and `jobpool show --json`.
#include "batch/jobstoreprivate.h"

#include <QDateTime>
#include <QJsonArray>

namespace jobpool {
namespace {

const char *const kJobStates[] = {"pending", "running", "done", "failed", "interrupted", "skipped"};
const char *const kBatchStates[] = {"running", "finished", "halted", "stopped", "interrupted"};

/// Length of the well-formed UTF-8 sequence at \a at, or 0 when the byte there starts none
/// (stray continuation bytes, overlong forms, surrogates, beyond U+10FFFF, cut short).
int utf8SequenceAt(QByteArrayView bytes, qsizetype at)
{
    const auto byte = [&](qsizetype i) { return uchar(bytes[i]); };
    const uchar lead = byte(at);
    if (lead < 0x80)
        return 1;
    int length = 0;
    uchar low = 0x80;
    uchar high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        low = lead == 0xE0 ? 0xA0 : 0x80;
        high = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        low = lead == 0xF0 ? 0x90 : 0x80;
        high = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (at + length > bytes.size())
        return 0;
    if (byte(at + 1) < low || byte(at + 1) > high)
        return 0;
    for (int i = 2; i < length; ++i) {
        if (byte(at + i) < 0x80 || byte(at + i) > 0xBF)
            return 0;
    }
    return length;
}

bool isUtf8(QByteArrayView bytes)
{
    for (qsizetype at = 0; at < bytes.size();) {
        const int length = utf8SequenceAt(bytes, at);
        if (length == 0)
            return false;
        at += length;
    }
    return true;
}

QJsonValue timeJson(qint64 ms)
{
    if (ms == 0)
        return QJsonValue::Null;
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

/// \a key as readable text; when that is not the exact bytes, `<key>Base64` as well.
void putBytes(QJsonObject &object, const QString &key, const QByteArray &bytes)
{
    object[key] = JobStore::displayBytes(bytes);
    if (!isUtf8(bytes))
        object[key + QStringLiteral("Base64")] = QString::fromLatin1(bytes.toBase64());
}

/// The same for a list: `<key>Base64` holds every element when any one needs it.
void putByteList(QJsonObject &object, const QString &key, const QList<QByteArray> &list)
{
    QJsonArray shown;
    bool exact = true;
    for (const QByteArray &bytes : list) {
        shown.append(JobStore::displayBytes(bytes));
        exact = exact && isUtf8(bytes);
    }
    object[key] = shown;
    if (!exact) {
        QJsonArray raw;
        for (const QByteArray &bytes : list)
            raw.append(QString::fromLatin1(bytes.toBase64()));
        object[key + QStringLiteral("Base64")] = raw;
    }
}

QJsonValue optionalJson(const std::optional<int> &value)
{
    return value ? QJsonValue(*value) : QJsonValue(QJsonValue::Null);
}

} // namespace

QString stateName(JobState state)
{
    return QString::fromLatin1(kJobStates[int(state)]);
}

QString stateName(BatchState state)
{
    return QString::fromLatin1(kBatchStates[int(state)]);
}

std::optional<JobState> jobStateFromName(QStringView text)
{
    for (int i = 0; i < int(std::size(kJobStates)); ++i) {
        if (text == QLatin1String(kJobStates[i]))
            return JobState(i);
    }
    return std::nullopt;
}

std::optional<BatchState> batchStateFromName(QStringView text)
{
    for (int i = 0; i < int(std::size(kBatchStates)); ++i) {
        if (text == QLatin1String(kBatchStates[i]))
            return BatchState(i);
    }
    return std::nullopt;
}

qint64 &StateCounts::operator[](JobState state)
{
    switch (state) {
    case JobState::Pending:
        return pending;
    case JobState::Running:
        return running;
    case JobState::Done:
        return done;
    case JobState::Failed:
        return failed;
    case JobState::Interrupted:
        return interrupted;
    case JobState::Skipped:
        break;
    }
    return skipped;
}

qint64 StateCounts::operator[](JobState state) const
{
    return const_cast<StateCounts &>(*this)[state];
}

QString JobStore::displayBytes(QByteArrayView bytes, Display display)
{
    const bool oneLine = display == Display::OneLine;
    QString shown;
    shown.reserve(bytes.size());
    qsizetype runStart = 0;
    qsizetype at = 0;
    while (at < bytes.size()) {
        const uchar byte = uchar(bytes[at]);
        const int length = utf8SequenceAt(bytes, at);
        if (length > 0 && !(oneLine && (byte < 0x20 || byte == 0x7f))) {
            at += length;
            continue;
        }
        shown += QString::fromUtf8(bytes.sliced(runStart, at - runStart));
        if (byte == '\n')
            shown += QStringLiteral("\\n");
        else if (byte == '\r')
            shown += QStringLiteral("\\r");
        else if (byte == '\t')
            shown += QStringLiteral("\\t");
        else
            shown += QStringLiteral("\\x%1").arg(uint(byte), 2, 16, QLatin1Char('0'));
        runStart = ++at;
    }
    shown += QString::fromUtf8(bytes.sliced(runStart));
    return shown;
}

// --- packing ------------------------------------------------------------------------------

namespace storedetail {

QByteArray packValues(const QList<QByteArray> &values)
{
    QByteArray packed;
    qsizetype size = 0;
    for (const QByteArray &value : values)
        size += value.size() + 12;
    packed.reserve(size);
    for (const QByteArray &value : values)
        packed += QByteArray::number(value.size()) + ':' + value + ',';
    return packed;
}

std::optional<QList<QByteArray>> unpackValues(QByteArrayView packed)
{
    QList<QByteArray> values;
    qsizetype at = 0;
    while (at < packed.size()) {
        qsizetype length = 0;
        qsizetype digits = 0;
        while (at < packed.size() && packed[at] >= '0' && packed[at] <= '9') {
            if (++digits > 12)
                return std::nullopt;
            length = length * 10 + (packed[at++] - '0');
        }
        if (digits == 0 || at >= packed.size() || packed[at] != ':')
            return std::nullopt;
        ++at;
        if (length > packed.size() - at - 1 || packed[at + length] != ',')
            return std::nullopt;
        values.append(packed.sliced(at, length).toByteArray());
        at += length + 1;
    }
    return values;
}

QList<QByteArray> readInputs(const QString &path, const QByteArray &blob, qint64 count)
{
    if (count == 1)
        return {blob};
    std::optional<QList<QByteArray>> values = unpackValues(blob);
    if (!values || values->size() != count)
        throw StoreError(StoreError::Reason::Corrupt, path,
                         QStringLiteral("holds job inputs that cannot be read back (%1 values "
                                        "expected)")
                             .arg(count));
    return *values;
}

} // namespace storedetail

// --- JSON ---------------------------------------------------------------------------------

QJsonObject AttemptRecord::toJson() const
{
    QJsonObject o;
    o[u"attempt"] = attempt;
    o[u"slot"] = slot;
    o[u"workerPid"] = workerPid;
    o[u"commandPid"] = commandPid;
    o[u"startedAt"] = timeJson(startedAtMs);
    o[u"endedAt"] = timeJson(endedAtMs);
    o[u"wallUs"] = wallUs;
    o[u"userCpuUs"] = userCpuUs;
    o[u"systemCpuUs"] = systemCpuUs;
    o[u"peakRssKiB"] = peakRssKiB;
    o[u"exitCode"] = optionalJson(exitCode);
    o[u"signal"] = signal;
    o[u"timedOut"] = timedOut;
    o[u"outcome"] = stateName(outcome);
    putBytes(o, QStringLiteral("stdout"), stdoutPath);
    putBytes(o, QStringLiteral("stderr"), stderrPath);
    o[u"error"] = error;
    return o;
}

QJsonObject JobRecord::toJson() const
{
    QJsonObject o;
    o[u"batch"] = batch;
    o[u"seq"] = seq;
    putByteList(o, QStringLiteral("inputs"), inputs);
    o[u"state"] = stateName(state);
    o[u"attempts"] = attempts;
    o[u"exitCode"] = optionalJson(exitCode);
    o[u"signal"] = signal;
    o[u"lastAttempt"] =
        lastAttempt.attempt > 0 ? QJsonValue(lastAttempt.toJson()) : QJsonValue(QJsonValue::Null);
    return o;
}

QJsonObject BatchRecord::toJson() const
{
    QJsonObject o;
    o[u"id"] = id;
    o[u"name"] = name;
    o[u"createdAt"] = timeJson(createdAtMs);
    o[u"finishedAt"] = timeJson(finishedAtMs);
    o[u"state"] = stateName(state);
    putByteList(o, QStringLiteral("template"), templateArgv);
    o[u"shell"] = shell;
    o[u"options"] = options;
    putBytes(o, QStringLiteral("workingDirectory"), workingDirectory);
    putBytes(o, QStringLiteral("logDirectory"), logDirectory);
    o[u"ownerPid"] = ownerPid;
    QJsonObject c;
    for (int i = 0; i < int(std::size(kJobStates)); ++i)
        c[QLatin1String(kJobStates[i])] = counts[JobState(i)];
    c[u"total"] = counts.total();
    o[u"counts"] = c;
    return o;
}

} // namespace jobpool
