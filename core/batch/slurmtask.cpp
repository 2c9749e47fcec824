// SPDX-License-Identifier: GPL-3.0-or-later
#include "slurmmanifest.h"

#include <jobpool/slurm.h>

#include <QDataStream>
#include <QFile>
#include <QSaveFile>

#include <cstdio>
#include <stdexcept>

namespace jobpool {
namespace detail {
namespace {

constexpr char kHeader[] = "JobPool Slurm manifest 1\n";

[[noreturn]] void fail(const QByteArray &path, const QString &why)
{
    throw std::runtime_error(
        QStringLiteral("%1: %2").arg(QFile::decodeName(path), why).toStdString());
}

} // namespace

void SlurmManifest::write(const QByteArray &path) const
{
    QSaveFile file(QFile::decodeName(path));
    if (!file.open(QIODevice::WriteOnly))
        fail(path, file.errorString());
    file.write(kHeader);
    QDataStream out(&file);
    out.setVersion(QDataStream::Qt_6_4);
    out << tasks;
    if (out.status() != QDataStream::Ok || !file.commit())
        fail(path, file.errorString());
}

SlurmManifest SlurmManifest::read(const QByteArray &path)
{
    QFile file(QFile::decodeName(path));
    if (!file.open(QIODevice::ReadOnly))
        fail(path, file.errorString());
    if (file.readLine(64) != kHeader)
        fail(path, QStringLiteral("not a manifest this version of JobPool can read"));
    QDataStream in(&file);
    in.setVersion(QDataStream::Qt_6_4);
    // Read by hand, not with QDataStream's list operator, which reserves whatever count a
    // damaged file announces: every count is checked against the bytes that are left (an
    // element takes at least four). The fields follow ExecRequest's operator<<.
    const auto count = [&] {
        quint32 n = 0;
        in >> n;
        if (in.status() != QDataStream::Ok || n > file.bytesAvailable() / 4)
            fail(path, QStringLiteral("the manifest is damaged"));
        return qsizetype(n);
    };
    SlurmManifest manifest;
    manifest.tasks.resize(count());
    for (QList<ExecRequest> &task : manifest.tasks) {
        task.resize(count());
        for (ExecRequest &r : task) {
            r.argv.resize(count());
            for (QByteArray &word : r.argv)
                in >> word;
            in >> r.workingDirectory >> r.stdoutPath >> r.stderrPath >> r.timeoutMs
                >> r.logsWhileRunning >> r.tag >> r.journalPath >> r.attempt >> r.holdPath;
        }
    }
    if (in.status() != QDataStream::Ok || !file.atEnd())
        fail(path, QStringLiteral("the manifest is damaged"));
    return manifest;
}

} // namespace detail

int runSlurmTask(const QByteArray &arrayFolder, int taskIndex)
{
    detail::SlurmManifest manifest;
    try {
        manifest = detail::SlurmManifest::read(arrayFolder + "/manifest");
    } catch (const std::exception &e) {
        std::fprintf(stderr, "jobpool slurm-task: %s\n", e.what());
        return 2;
    }
    if (taskIndex < 0 || taskIndex >= manifest.tasks.size()) {
        std::fprintf(stderr, "jobpool slurm-task: the manifest has no task %d (it has %lld)\n",
                     taskIndex, qlonglong(manifest.tasks.size()));
        return 2;
    }
    for (const ExecRequest &request : std::as_const(manifest.tasks[taskIndex]))
        exec(request); // its start and end go to the task's journal
    return 0;
}

} // namespace jobpool
