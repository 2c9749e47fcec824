// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/batchoptions.h>

#include <QJsonValue>
#include <QRegularExpression>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace jobpool {
namespace {

[[noreturn]] void invalid(const char *what, const QByteArray &text, const char *why)
{
    throw std::invalid_argument(std::string(what) + " '" + text.toStdString() + "': " + why);
}

/// A non-negative decimal number at the start of \a text; \a used gets its length.
bool leadingNumber(const QByteArray &text, qsizetype from, double &value, qsizetype &used)
{
    qsizetype i = from;
    bool digits = false;
    while (i < text.size()
           && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
        digits |= text[i] != '.';
        ++i;
    }
    if (!digits)
        return false;
    bool ok = false;
    value = text.mid(from, i - from).toDouble(&ok);
    used = i - from;
    return ok && std::isfinite(value);
}

} // namespace

HaltPolicy HaltPolicy::parse(const QByteArray &text)
{
    HaltPolicy p;
    if (text == "never" || text == "0")
        return p;
    if (text == "1") {
        p.when = When::Soon;
        return p;
    }
    if (text == "2") {
        p.when = When::Now;
        return p;
    }
    const qsizetype comma = text.indexOf(',');
    if (comma < 0)
        invalid("--halt", text, "expected never, or soon|now,fail|success|done=N[%]");
    const QByteArray when = text.left(comma);
    if (when == "soon")
        p.when = When::Soon;
    else if (when == "now")
        p.when = When::Now;
    else
        invalid("--halt", text, "the first part must be 'soon' or 'now'");
    const QByteArray why = text.mid(comma + 1);
    const qsizetype eq = why.indexOf('=');
    const QByteArray kind = why.left(eq);
    if (kind == "fail")
        p.count = Count::Fail;
    else if (kind == "success")
        p.count = Count::Success;
    else if (kind == "done")
        p.count = Count::Done;
    else
        invalid("--halt", text, "the second part must be fail=, success= or done=");
    QByteArray number = eq < 0 ? QByteArray() : why.mid(eq + 1);
    p.percent = number.endsWith('%');
    if (p.percent)
        number.chop(1);
    bool ok = false;
    p.threshold = number.toDouble(&ok);
    if (!ok || p.threshold <= 0 || (p.percent && p.threshold > 100))
        invalid("--halt", text, "the count must be a positive number, or a percentage up to 100");
    return p;
}

QByteArray HaltPolicy::toString() const
{
    if (when == When::Never)
        return "never";
    QByteArray s = when == When::Soon ? "soon," : "now,";
    s += count == Count::Fail ? "fail=" : count == Count::Success ? "success=" : "done=";
    s += QByteArray::number(threshold);
    if (percent)
        s += '%';
    return s;
}

QJsonObject BatchOptions::toJson() const
{
    return QJsonObject{
        {QStringLiteral("jobs"), jobSlots},
        {QStringLiteral("keepOrder"), keepOrder},
        {QStringLiteral("tag"), tag},
        {QStringLiteral("lineBuffer"), lineBuffer},
        {QStringLiteral("tries"), tries},
        {QStringLiteral("timeoutSeconds"), timeout.seconds},
        {QStringLiteral("timeoutPercent"), timeout.percent},
        {QStringLiteral("halt"), QString::fromLatin1(halt.toString())},
        {QStringLiteral("memfree"), double(memfreeBytes)},
        {QStringLiteral("delay"), delaySeconds},
        {QStringLiteral("shell"), shell},
        {QStringLiteral("slurm"),
         QJsonObject{
             {QStringLiteral("enabled"), slurm.enabled},
             {QStringLiteral("partition"), slurm.partition},
             {QStringLiteral("time"), slurm.timeLimit},
             {QStringLiteral("inputsPerTask"), slurm.inputsPerTask},
             {QStringLiteral("maxRunning"), slurm.maxRunning},
             {QStringLiteral("loginHost"), slurm.loginHost},
             {QStringLiteral("patience"), slurm.patienceSeconds},
         }},
    };
}

BatchOptions BatchOptions::fromJson(const QJsonObject &json)
{
    BatchOptions o;
    o.jobSlots = std::max(1, json.value(QStringLiteral("jobs")).toInt(o.jobSlots));
    o.keepOrder = json.value(QStringLiteral("keepOrder")).toBool();
    o.tag = json.value(QStringLiteral("tag")).toBool();
    o.lineBuffer = json.value(QStringLiteral("lineBuffer")).toBool();
    o.tries = std::max(0, json.value(QStringLiteral("tries")).toInt(1));
    o.timeout.seconds = std::max(0.0, json.value(QStringLiteral("timeoutSeconds")).toDouble());
    o.timeout.percent = std::max(0.0, json.value(QStringLiteral("timeoutPercent")).toDouble());
    try {
        o.halt = HaltPolicy::parse(json.value(QStringLiteral("halt")).toString().toLatin1());
    } catch (const std::invalid_argument &) {
        o.halt = {};
    }
    o.memfreeBytes = qint64(std::max(0.0, json.value(QStringLiteral("memfree")).toDouble()));
    o.delaySeconds = std::max(0.0, json.value(QStringLiteral("delay")).toDouble());
    o.shell = json.value(QStringLiteral("shell")).toBool();
    const QJsonObject slurm = json.value(QStringLiteral("slurm")).toObject();
    o.slurm.enabled = slurm.value(QStringLiteral("enabled")).toBool();
    o.slurm.partition = slurm.value(QStringLiteral("partition")).toString();
    o.slurm.timeLimit = slurm.value(QStringLiteral("time")).toString();
    o.slurm.inputsPerTask = std::max(0, slurm.value(QStringLiteral("inputsPerTask")).toInt());
    o.slurm.maxRunning = std::max(0, slurm.value(QStringLiteral("maxRunning")).toInt());
    o.slurm.loginHost = slurm.value(QStringLiteral("loginHost")).toString();
    o.slurm.patienceSeconds =
        std::max(1, slurm.value(QStringLiteral("patience")).toInt(o.slurm.patienceSeconds));
    return o;
}

int SlurmOptions::inputsPerTaskFor(qint64 jobs) const
{
    if (inputsPerTask > 0)
        return inputsPerTask;
    constexpr qint64 kMaxTasks = 1000;
    return int(std::max<qint64>(1, (jobs + kMaxTasks - 1) / kMaxTasks));
}

QString SlurmOptions::checkTimeLimit(const QString &text)
{
    // sbatch's forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, and "infinite"/"unlimited".
    static const QRegularExpression form(QStringLiteral(
        "^(?:\\d+(?::\\d+){0,2}|\\d+-\\d+(?::\\d+){0,2}|infinite|unlimited|UNLIMITED)$"));
    if (text.isEmpty() || form.match(text).hasMatch())
        return {};
    return QStringLiteral("'%1' is not a Slurm time limit (minutes, MM:SS, HH:MM:SS or "
                          "DAYS-HH[:MM[:SS]])")
        .arg(text);
}

namespace units {

double parseDuration(const QByteArray &text)
{
    if (text.isEmpty())
        invalid("duration", text, "empty");
    double total = 0;
    qsizetype i = 0;
    while (i < text.size()) {
        double value = 0;
        qsizetype used = 0;
        if (!leadingNumber(text, i, value, used))
            invalid("duration", text, "expected a number of seconds, e.g. 30, 1.5m, 2h, 1d3h");
        i += used;
        double unit = 1;
        if (i < text.size()) {
            switch (text[i]) {
            case 's':
                unit = 1;
                break;
            case 'm':
                unit = 60;
                break;
            case 'h':
                unit = 3600;
                break;
            case 'd':
                unit = 86400;
                break;
            default:
                invalid("duration", text, "units are s, m, h and d");
            }
            ++i;
        }
        total += value * unit;
    }
    return total;
}

qint64 parseSize(const QByteArray &text)
{
    double value = 0;
    qsizetype used = 0;
    if (!leadingNumber(text, 0, value, used))
        invalid("size", text, "expected a number of bytes, e.g. 500M or 2G");
    const QByteArray suffix = text.mid(used);
    static const char kSuffixes[] = "KMGTP";
    double factor = 1;
    if (suffix.size() == 1) {
        const char c = suffix[0];
        const char *upper = std::strchr(kSuffixes, std::toupper(static_cast<unsigned char>(c)));
        if (!upper)
            invalid("size", text, "suffixes are K, M, G, T, P (powers of 1024) or k, m, g, t, p");
        const int power = int(upper - kSuffixes) + 1;
        factor = std::pow(std::isupper(static_cast<unsigned char>(c)) ? 1024.0 : 1000.0, power);
    } else if (!suffix.isEmpty()) {
        invalid("size", text, "suffixes are K, M, G, T, P (powers of 1024) or k, m, g, t, p");
    }
    const double bytes = value * factor;
    if (bytes > 9.0e18)
        invalid("size", text, "too large");
    return qint64(bytes);
}

int parseJobSlots(const QByteArray &text, int cpus)
{
    constexpr int kMaxSlots = 256;
    cpus = std::max(1, cpus);
    QByteArray number = text;
    const bool percent = number.endsWith('%');
    if (percent)
        number.chop(1);
    const bool relative = !percent && (number.startsWith('+') || number.startsWith('-'));
    bool ok = false;
    const double value = number.toDouble(&ok);
    if (!ok || text.isEmpty() || !std::isfinite(value))
        invalid("-j", text, "expected N, N%, +N or -N");
    double wanted = value;
    if (percent)
        wanted = std::floor(cpus * value / 100.0);
    else if (relative)
        wanted = cpus + value;
    else if (value == 0)
        wanted = kMaxSlots;
    if (wanted < 1)
        wanted = 1; // parallel runs at least one job
    return int(std::min<double>(wanted, kMaxSlots));
}

} // namespace units

} // namespace jobpool
