// SPDX-License-Identifier: GPL-3.0-or-later
#include "slurmexecutor.h"

#include "journal.h"
#include "slurmmanifest.h"

#include <jobpool/commandtemplate.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QSaveFile>

#include <algorithm>
#include <csignal>
#include <set>

namespace jobpool::detail {
namespace {

constexpr int kPollMs = 1000;
/// Submitted and not yet ended, at most; more wait in the runner's source.
constexpr std::size_t kCapacity = 100000;

/// The states in which an array task has ended (squeue's %T).
bool isFinal(const QString &state)
{
    static const QSet<QString> final{QStringLiteral("COMPLETED"), QStringLiteral("FAILED"),
                                     QStringLiteral("CANCELLED"), QStringLiteral("TIMEOUT"),
                                     QStringLiteral("NODE_FAIL"), QStringLiteral("OUT_OF_MEMORY"),
                                     QStringLiteral("PREEMPTED"), QStringLiteral("BOOT_FAIL"),
                                     QStringLiteral("DEADLINE"),  QStringLiteral("SPECIAL_EXIT")};
    return final.contains(state);
}

/// What an input that had not ended when its array task did is told.
QString describeState(const QString &state, const QString &reason)
{
    QString what;
    if (state == QLatin1String("TIMEOUT"))
        what = QStringLiteral("Slurm's time limit ended its array task");
    else if (state == QLatin1String("CANCELLED"))
        what = QStringLiteral("its Slurm array task was cancelled");
    else if (state == QLatin1String("OUT_OF_MEMORY"))
        what = QStringLiteral("its Slurm array task ran out of memory");
    else if (state == QLatin1String("NODE_FAIL"))
        what = QStringLiteral("the node of its Slurm array task failed");
    else if (state == QLatin1String("COMPLETED"))
        what = QStringLiteral("its Slurm array task ended without running it");
    else
        what = QStringLiteral("its Slurm array task ended");
    QString detail = state;
    if (!reason.isEmpty() && reason != QLatin1String("None"))
        detail += QStringLiteral(", ") + reason;
    return QStringLiteral("%1 (%2)").arg(what, detail);
}

} // namespace

bool SlurmExecutor::Array::done() const
{
    return std::all_of(jobs.cbegin(), jobs.cend(), [](const Job &j) { return j.ended; });
}

SlurmExecutor::SlurmExecutor(Setup setup, QObject *parent)
    : QObject(parent)
    , m_setup(std::move(setup))
{
    // Arrays of an earlier run of this batch (a resumed one) go on being numbered; any
    // still in Slurm are cancelled, lest an input run twice at once.
    const QStringList earlier =
        QDir(QFile::decodeName(m_setup.folder)).entryList({QStringLiteral("slurm-*")}, QDir::Dirs);
    for (const QString &name : earlier)
        m_nextArray = std::max(m_nextArray, name.mid(6).toInt() + 1);
    cancelEarlierArrays();
    m_pollTimer.setInterval(kPollMs);
    connect(&m_pollTimer, &QTimer::timeout, this, &SlurmExecutor::poll);
}

SlurmExecutor::~SlurmExecutor()
{
    for (QProcess *tool : std::as_const(m_tools)) {
        tool->disconnect(this);
        tool->kill();
        tool->waitForFinished(-1);
        delete tool;
    }
}

QStringList SlurmExecutor::toolEnvironment()
{
    QStringList environment;
    for (const QString &entry : QProcessEnvironment::systemEnvironment().toStringList()) {
        const QString name = entry.section(QLatin1Char('='), 0, 0);
        if (name.startsWith(QLatin1String("SQUEUE_")) || name.startsWith(QLatin1String("SBATCH_"))
            || name.startsWith(QLatin1String("SCANCEL_"))
            || name == QLatin1String("SLURM_TIME_FORMAT"))
            continue;
        environment.append(entry);
    }
    return environment;
}

QStringList SlurmExecutor::toolCommand(const QStringList &argv, const QString &loginHost)
{
    if (loginHost.isEmpty())
        return argv;
    // ssh hands the remote shell one line: a small script that unsets there, too, every
    // variable that changes what the tools print or do, then runs the tool with its words,
    // each quoted.
    static const QString clean = QStringLiteral(
        "for v in $(env | sed -n 's/^\\(S[A-Z]*_[A-Za-z0-9_]*\\)=.*/\\1/p'); do"
        " case $v in SQUEUE_*|SBATCH_*|SCANCEL_*|SLURM_TIME_FORMAT) unset \"$v\";; esac; done;"
        " exec \"$@\"");
    QStringList words{QStringLiteral("sh"), QStringLiteral("-c"), clean, QStringLiteral("sh")};
    words += argv;
    QStringList quoted;
    for (const QString &word : std::as_const(words))
        quoted.append(QString::fromUtf8(CommandTemplate::shellQuote(word.toUtf8())));
    return {QStringLiteral("ssh"),
            QStringLiteral("-o"),
            QStringLiteral("BatchMode=yes"),
            loginHost,
            QStringLiteral("--"),
            quoted.join(QLatin1Char(' '))};
}

void SlurmExecutor::runTool(const QStringList &argv, ToolDone done)
{
    const QStringList command = toolCommand(argv, m_setup.options.loginHost);
    auto *tool = new QProcess(this);
    m_tools.insert(tool);
    tool->setProgram(command.first());
    tool->setArguments(command.mid(1));
    tool->setEnvironment(toolEnvironment());
    tool->setStandardInputFile(QProcess::nullDevice());
    auto finish = [this, tool, done](int exitCode, const QByteArray &err) {
        m_tools.remove(tool);
        const QByteArray out = tool->readAllStandardOutput();
        tool->deleteLater();
        done(exitCode, out, err);
    };
    connect(tool, &QProcess::finished, this, [tool, finish](int exitCode, QProcess::ExitStatus s) {
        finish(s == QProcess::NormalExit ? exitCode : -1, tool->readAllStandardError());
    });
    connect(tool, &QProcess::errorOccurred, this, [tool, finish](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            finish(-1, QStringLiteral("cannot run %1: %2")
                           .arg(tool->program(), tool->errorString())
                           .toUtf8());
    });
    tool->start();
}

void SlurmExecutor::submit(Attempt attempt)
{
    if (m_gaveUp) {
        ExecResult result;
        result.error = QStringLiteral("not submitted: the Slurm cluster cannot be used");
        attempt.done(std::move(result));
        return;
    }
    m_unsubmitted.push_back(std::move(attempt));
    if (m_unsubmitted.size() == 1)
        QMetaObject::invokeMethod(this, &SlurmExecutor::flush, Qt::QueuedConnection);
}

std::size_t SlurmExecutor::capacity(int, bool) const
{
    return kCapacity; // the whole batch in one array; Slurm decides what runs when
}

void SlurmExecutor::flush()
{
    if (m_unsubmitted.empty())
        return;
    auto array = std::make_unique<Array>();
    array->dir = m_setup.folder + "/slurm-" + QByteArray::number(m_nextArray++);
    for (Attempt &a : m_unsubmitted)
        array->jobs.push_back(Job{std::move(a), false, false});
    m_unsubmitted.clear();
    const int perTask = m_setup.options.inputsPerTaskFor(qint64(array->jobs.size()));
    for (std::size_t i = 0; i < array->jobs.size(); ++i) {
        if (i % std::size_t(perTask) == 0)
            array->tasks.emplace_back();
        array->tasks.back().jobs.push_back(i);
    }
    Array &a = *array;
    m_arrays.push_back(std::move(array));
    try {
        writeArray(a);
    } catch (const std::exception &e) {
        giveUp(QString::fromUtf8(e.what()));
        return;
    }

    submitArray(&a);
    m_pollTimer.start();
}

QStringList SlurmExecutor::sbatchCommand(const Array &array) const
{
    const QString dir = QFile::decodeName(array.dir);
    QString range = QStringLiteral("0-%1").arg(array.tasks.size() - 1);
    if (m_setup.throttle > 0)
        range += QStringLiteral("%%1").arg(m_setup.throttle);
    QStringList argv{QStringLiteral("sbatch"),
                     QStringLiteral("--parsable"),
                     QStringLiteral("--job-name=jobpool-%1").arg(m_setup.batch),
                     QStringLiteral("--array=") + range,
                     QStringLiteral("--output=") + dir + QStringLiteral("/task-%a.slurm"),
                     QStringLiteral("--chdir=") + dir};
    if (!m_setup.options.partition.isEmpty())
        argv.append(QStringLiteral("--partition=") + m_setup.options.partition);
    if (!m_setup.options.timeLimit.isEmpty())
        argv.append(QStringLiteral("--time=") + m_setup.options.timeLimit);
    argv.append(dir + QStringLiteral("/job.sh"));
    return argv;
}

void SlurmExecutor::submitArray(Array *array)
{
    runTool(sbatchCommand(*array), [this, array](int exitCode, const QByteArray &out,
                                                 const QByteArray &err) {
        const QByteArray id = out.trimmed().split(';').first(); // "JOBID" or "JOBID;CLUSTER"
        bool numeric = false;
        id.toLongLong(&numeric);
        if (exitCode == 0 && numeric) {
            array->jobId = QString::fromLatin1(id);
            QSaveFile file(QFile::decodeName(array->dir + "/jobid")); // for a resumed run
            if (file.open(QIODevice::WriteOnly)) {
                file.write(id + '\n');
                file.commit();
            }
            if (m_cancelAll)
                runTool({QStringLiteral("scancel"), array->jobId}, [](int, auto &, auto &) {});
            return;
        }
        if (controllerUnreachable(exitCode, err)) { // not submitted: again, while patience lasts
            QTimer::singleShot(kPollMs, this, [this, array] {
                if (!m_gaveUp && !m_cancelAll)
                    submitArray(array);
            });
            return;
        }
        giveUp(QStringLiteral("sbatch failed: %1").arg(describeFailure(err)));
    });
}

void SlurmExecutor::writeArray(Array &array)
{
    const QString dir = QFile::decodeName(array.dir);
    if (!QDir().mkpath(dir))
        throw std::runtime_error(
            QStringLiteral("cannot create the folder %1").arg(dir).toStdString());
    QFile::setPermissions(dir,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    SlurmManifest manifest;
    for (std::size_t t = 0; t < array.tasks.size(); ++t) {
        QList<ExecRequest> requests;
        for (const std::size_t j : array.tasks[t].jobs) {
            ExecRequest &r = array.jobs[j].attempt.request;
            if (r.workingDirectory.isEmpty()) // here: the task starts in its array's folder
                r.workingDirectory = QFile::encodeName(QDir::currentPath());
            r.journalPath = array.dir + "/task-" + QByteArray::number(qulonglong(t)) + ".journal";
            // A cancelled input's file: the task passes over it (exec()'s hold file).
            r.holdPath = array.dir + "/cancel-" + QByteArray::number(r.tag);
            requests.append(r);
        }
        manifest.tasks.append(requests);
    }
    manifest.write(array.dir + "/manifest");
    // The script Slurm runs: this batch's inputs are in the manifest beside it.
    QSaveFile script(dir + QStringLiteral("/job.sh"));
    const QByteArray text =
        "#!/bin/sh\n"
        "# JobPool batch "
        + QByteArray::number(m_setup.batch)
        + ": each array task runs its inputs from the manifest in this\n"
          "# folder and records how each ended in task-$SLURM_ARRAY_TASK_ID.journal.\n"
          "exec "
        + CommandTemplate::shellQuote(QFile::encodeName(m_setup.program)) + " slurm-task "
        + CommandTemplate::shellQuote(array.dir) + '\n';
    if (!script.open(QIODevice::WriteOnly) || script.write(text) != text.size() || !script.commit())
        throw std::runtime_error(QStringLiteral("cannot write %1: %2")
                                     .arg(script.fileName(), script.errorString())
                                     .toStdString());
    QFile::setPermissions(dir + QStringLiteral("/job.sh"),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
}

void SlurmExecutor::poll()
{
    for (auto &array : m_arrays) {
        if (!array->done()) // an array whose every input ended has nothing more to say
            readJournals(*array, false);
    }
    finishArrays();
    QStringList ids;
    for (const auto &array : m_arrays) {
        if (!array->jobId.isEmpty() && !array->done())
            ids.append(array->jobId);
    }
    if (ids.isEmpty() || m_polling)
        return;
    m_polling = true;
    runTool({QStringLiteral("squeue"), QStringLiteral("-h"), QStringLiteral("-t"),
             QStringLiteral("all"), QStringLiteral("-j"), ids.join(QLatin1Char(',')),
             QStringLiteral("-o"), QStringLiteral("%A|%i|%F|%K|%T|%r")},
            [this, ids](int exitCode, const QByteArray &out, const QByteArray &err) {
                m_polling = false;
                if (m_gaveUp)
                    return;
                if (exitCode == 0 || err.contains("Invalid job id")) {
                    m_unreachableFor.invalidate();
                    applyStates(exitCode == 0 ? out : QByteArray(), ids);
                    return;
                }
                if (!controllerUnreachable(exitCode, err))
                    giveUp(QStringLiteral("squeue failed: %1").arg(describeFailure(err)));
            });
}

void SlurmExecutor::readJournals(Array &array, bool force)
{
    for (std::size_t t = 0; t < array.tasks.size(); ++t) {
        Task &task = array.tasks[t];
        const QByteArray path =
            array.dir + "/task-" + QByteArray::number(qulonglong(t)) + ".journal";
        const qint64 size = QFileInfo(QFile::decodeName(path)).size();
        if (!force && size == task.journalSize)
            continue;
        task.journalSize = size;
        for (const JournalRecord &record : readJournal(path)) {
            for (const std::size_t j : task.jobs) {
                Job &job = array.jobs[j];
                if (job.ended || job.attempt.request.tag != record.seq
                    || job.attempt.request.attempt != record.attempt)
                    continue;
                if (!job.started) {
                    job.started = true;
                    job.attempt.started();
                }
                if (record.ended) {
                    job.ended = true;
                    job.attempt.done(record.result);
                }
            }
        }
    }
}

void SlurmExecutor::applyStates(const QByteArray &squeueOutput, const QStringList &asked)
{
    // One line per array task: "%A|%i|%F|%K|%T|%r". Tasks still pending share one line
    // whose %K is a range ("3-9%2"); they have not started, so only ends matter here.
    std::map<QString, std::map<qint64, std::pair<QString, QString>>> states;
    for (const QByteArray &line : squeueOutput.split('\n')) {
        const QList<QByteArray> f = line.trimmed().split('|');
        if (f.size() < 6)
            continue;
        bool single = false;
        const qint64 index = f[3].toLongLong(&single);
        if (single)
            states[QString::fromLatin1(f[2])][index] = {QString::fromLatin1(f[4]),
                                                        QString::fromLatin1(f[5])};
        else
            states[QString::fromLatin1(f[2])]; // known, pending
    }
    for (auto &array : m_arrays) {
        // An array submitted while squeue ran was not asked about: its absence says nothing.
        if (array->jobId.isEmpty() || array->done() || !asked.contains(array->jobId))
            continue;
        const auto known = states.find(array->jobId);
        for (std::size_t t = 0; t < array->tasks.size(); ++t) {
            Task &task = array->tasks[t];
            if (task.over)
                continue;
            if (known == states.end()) {
                // Slurm no longer knows the array: ended longer ago than its MinJobAge.
                endTask(*array, task, QStringLiteral("gone"), {});
                continue;
            }
            const auto state = known->second.find(qint64(t));
            if (state != known->second.end() && isFinal(state->second.first))
                endTask(*array, task, state->second.first, state->second.second);
        }
    }
    finishArrays();
}

void SlurmExecutor::endTask(Array &array, Task &task, const QString &state, const QString &reason)
{
    task.over = true;
    task.journalSize = -1;
    readJournals(array, true); // the task wrote its last ends before Slurm saw it end
    for (const std::size_t j : task.jobs) {
        Job &job = array.jobs[j];
        if (job.ended)
            continue;
        job.ended = true;
        ExecResult result;
        result.exitCode = -1;
        result.timedOut = state == QLatin1String("TIMEOUT");
        result.error = state == QLatin1String("gone")
                           ? QStringLiteral("Slurm no longer knows its array task, and it "
                                            "recorded no end")
                           : describeState(state, reason);
        job.attempt.done(std::move(result));
    }
}

void SlurmExecutor::finishArrays()
{
    const bool anyLeft =
        std::any_of(m_arrays.cbegin(), m_arrays.cend(), [](const auto &a) { return !a->done(); });
    if (!anyLeft && m_unsubmitted.empty())
        m_pollTimer.stop();
}

void SlurmExecutor::signalRunning(int)
{
    // scancel ends every step of the arrays: SIGTERM, then SIGKILL after the cluster's
    // KillWait. Asked once; the tasks then end CANCELLED, and their inputs interrupted.
    if (m_cancelAll)
        return;
    m_cancelAll = true;
    QStringList ids;
    for (const auto &array : m_arrays) {
        if (!array->jobId.isEmpty() && !array->done())
            ids.append(array->jobId);
    }
    if (!ids.isEmpty())
        runTool(QStringList{QStringLiteral("scancel")} + ids, [](int, auto &, auto &) {});
    if (m_gaveUp)
        return;
    // Arrays sbatch has not taken yet (the controller is away) are not submitted again.
    for (auto &array : m_arrays) {
        if (!array->jobId.isEmpty())
            continue;
        for (Job &job : array->jobs) {
            if (job.ended)
                continue;
            job.ended = true;
            ExecResult result;
            result.error = QStringLiteral("not submitted: the batch is stopping");
            job.attempt.done(std::move(result));
        }
    }
    // Inputs not yet submitted never will be.
    for (Attempt &a : std::exchange(m_unsubmitted, {})) {
        ExecResult result;
        result.error = QStringLiteral("not submitted: the batch is stopping");
        a.done(std::move(result));
    }
}

void SlurmExecutor::cancel(const QList<qint64> &seqs)
{
    const QSet<qint64> cancelled(seqs.cbegin(), seqs.cend());
    for (auto &array : m_arrays) {
        for (std::size_t t = 0; t < array->tasks.size(); ++t) {
            Task &task = array->tasks[t];
            bool allCancelled = !task.over;
            for (const std::size_t j : task.jobs) {
                const Job &job = array->jobs[j];
                if (job.ended)
                    continue;
                if (cancelled.contains(job.attempt.request.tag)) {
                    QFile marker(QFile::decodeName(job.attempt.request.holdPath));
                    if (marker.open(QIODevice::WriteOnly))
                        marker.close();
                } else {
                    allCancelled = false;
                }
            }
            // A task whose every remaining input is cancelled goes as a whole; in one
            // with others, a running input finishes and the rest are passed over.
            if (allCancelled && !array->jobId.isEmpty())
                runTool(
                    {QStringLiteral("scancel"), QStringLiteral("%1_%2").arg(array->jobId).arg(t)},
                    [](int, auto &, auto &) {});
        }
    }
}

void SlurmExecutor::cancelEarlierArrays()
{
    QStringList ids;
    const QDir folder(QFile::decodeName(m_setup.folder));
    for (const QString &name : folder.entryList({QStringLiteral("slurm-*")}, QDir::Dirs)) {
        QFile jobId(folder.filePath(name + QStringLiteral("/jobid")));
        if (jobId.open(QIODevice::ReadOnly)) {
            const QByteArray id = jobId.readAll().trimmed();
            if (!id.isEmpty())
                ids.append(QString::fromLatin1(id));
        }
    }
    if (!ids.isEmpty())
        runTool(QStringList{QStringLiteral("scancel")} + ids, [](int, auto &, auto &) {});
}

bool SlurmExecutor::controllerUnreachable(int exitCode, const QByteArray &err)
{
    Q_UNUSED(exitCode);
    const bool unreachable = err.contains("Unable to contact slurm controller")
                             || err.contains("Socket timed out")
                             || err.contains("Connection refused");
    if (!unreachable)
        return false;
    m_lastUnreachable = describeFailure(err);
    if (!m_unreachableFor.isValid())
        m_unreachableFor.start();
    if (m_unreachableFor.elapsed() >= qint64(m_setup.options.patienceSeconds) * 1000)
        giveUp(QStringLiteral("the Slurm controller could not be reached for %1 s: %2")
                   .arg(m_setup.options.patienceSeconds)
                   .arg(m_lastUnreachable));
    return true;
}

QString SlurmExecutor::describeFailure(const QByteArray &err) const
{
    QString text = QString::fromLocal8Bit(err).trimmed();
    text.replace(QLatin1Char('\n'), QStringLiteral("; "));
    return text.isEmpty() ? QStringLiteral("no message") : text;
}

void SlurmExecutor::giveUp(const QString &why)
{
    if (m_gaveUp)
        return;
    m_gaveUp = true;
    m_pollTimer.stop();
    m_setup.failed(why); // the runner stops: m_cancelAll follows
    // What had not ended ends now, interrupted: a resumed batch runs it again.
    for (auto &array : m_arrays) {
        for (Job &job : array->jobs) {
            if (job.ended)
                continue;
            job.ended = true;
            ExecResult result;
            result.error = why;
            job.attempt.done(std::move(result));
        }
    }
    for (Attempt &a : std::exchange(m_unsubmitted, {})) {
        ExecResult result;
        result.error = why;
        a.done(std::move(result));
    }
}

} // namespace jobpool::detail
