// SPDX-License-Identifier: GPL-3.0-or-later
#include "builtinexec.h"

#include <jobpool/builtintasks.h>

#include <QDateTime>
#include <QFile>
#include <QSaveFile>

#include <chrono>
#include <stdexcept>

#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

namespace jobpool::detail {
namespace {

using Clock = std::chrono::steady_clock;
constexpr qint64 kBlock = 1 << 20;

[[noreturn]] void failWith(const QString &message)
{
    throw std::runtime_error(message.toStdString());
}

/// FILE.gz beside FILE, written whole or not at all; an existing one is left alone.
void gzipFile(const QString &path)
{
    const QString target = path + QStringLiteral(".gz");
    if (QFile::exists(target))
        failWith(QStringLiteral("%1 already exists").arg(target));
    QFile in(path);
    if (!in.open(QIODevice::ReadOnly))
        failWith(QStringLiteral("cannot read %1: %2").arg(path, in.errorString()));
    QSaveFile out(target);
    if (!out.open(QIODevice::WriteOnly))
        failWith(QStringLiteral("cannot write %1: %2").arg(target, out.errorString()));

    z_stream z{};
    // windowBits 15 + 16: a gzip header and trailer, as gzip(1) writes.
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        failWith(QStringLiteral("cannot start compressing %1").arg(path));
    QByteArray output(kBlock, Qt::Uninitialized);
    bool ok = true;
    for (bool last = false; ok && !last;) {
        QByteArray block = in.read(kBlock);
        if (in.error() != QFileDevice::NoError) {
            ok = false;
            break;
        }
        last = block.isEmpty();
        z.next_in = reinterpret_cast<Bytef *>(block.data());
        z.avail_in = uInt(block.size());
        do {
            z.next_out = reinterpret_cast<Bytef *>(output.data());
            z.avail_out = uInt(output.size());
            deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
            const qint64 produced = output.size() - qint64(z.avail_out);
            ok = out.write(output.constData(), produced) == produced;
        } while (ok && z.avail_out == 0);
    }
    deflateEnd(&z);
    if (!ok) {
        out.cancelWriting();
        failWith(in.error() != QFileDevice::NoError
                     ? QStringLiteral("cannot read %1: %2").arg(path, in.errorString())
                     : QStringLiteral("cannot write %1: %2").arg(target, out.errorString()));
    }
    if (!out.commit())
        failWith(QStringLiteral("cannot write %1: %2").arg(target, out.errorString()));
}

QByteArray runOne(const QByteArray &name, const QString &path)
{
    if (name == "@sha256")
        return builtin::sha256File(path).toLatin1() + "  " + QFile::encodeName(path) + '\n';
    if (name == "@count") {
        const auto [size, lines] = builtin::fileSizeAndLines(path);
        return QByteArray::number(size) + '\t' + QByteArray::number(lines) + '\t'
               + QFile::encodeName(path) + '\n';
    }
    gzipFile(path);
    return {};
}

/// Writes \a bytes to \a path (nothing at all when there are none: no empty log).
void writeLog(const QByteArray &path, const QByteArray &bytes)
{
    if (path.isEmpty())
        return;
    QFile file(QFile::decodeName(path));
    if (bytes.isEmpty()) {
        file.remove();
        return;
    }
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size())
        failWith(QStringLiteral("cannot open log %1: %2").arg(file.fileName(), file.errorString()));
}

} // namespace

bool isBuiltinCommand(const QByteArray &program)
{
    return program == "@sha256" || program == "@count" || program == "@gzip";
}

std::optional<ExecResult> runBuiltinCommand(const ExecRequest &request)
{
    const QByteArray name = request.argv.value(0);
    if (!isBuiltinCommand(name))
        return std::nullopt;

    ExecResult result;
    result.workerPid = ::getpid();
    result.startedAtMs = QDateTime::currentMSecsSinceEpoch();
    const Clock::time_point started = Clock::now();
    rusage before{};
    ::getrusage(RUSAGE_THREAD, &before);

    QByteArray output;
    QByteArray errors;
    if (request.argv.size() < 2) {
        errors = name + ": no file given\n";
    } else {
        for (qsizetype i = 1; i < request.argv.size(); ++i) {
            QString path = QFile::decodeName(request.argv[i]);
            if (!request.workingDirectory.isEmpty() && !path.startsWith(u'/'))
                path.prepend(QFile::decodeName(request.workingDirectory) + u'/');
            try {
                output += runOne(name, path);
            } catch (const std::exception &e) {
                errors += name + ": " + e.what() + '\n';
            }
        }
    }
    result.exitCode = errors.isEmpty() ? 0 : 1;
    try {
        if (request.stderrPath == request.stdoutPath) {
            writeLog(request.stdoutPath, output + errors);
        } else {
            writeLog(request.stdoutPath, output);
            writeLog(request.stderrPath, errors);
        }
    } catch (const std::exception &e) {
        result.error = QString::fromUtf8(e.what());
        result.exitCode = 127;
    }

    rusage after{};
    ::getrusage(RUSAGE_THREAD, &after);
    auto us = [](const timeval &t) { return qint64(t.tv_sec) * 1'000'000 + t.tv_usec; };
    result.userUs = us(after.ru_utime) - us(before.ru_utime);
    result.systemUs = us(after.ru_stime) - us(before.ru_stime);
    result.maxRssKiB = after.ru_maxrss;
    result.endedAtMs = QDateTime::currentMSecsSinceEpoch();
    result.wallUs =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
    return result;
}

} // namespace jobpool::detail
