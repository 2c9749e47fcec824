// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/builtintasks.h>
#include <jobpool/task.h>

#include <QCryptographicHash>
#include <QFile>

#include <stdexcept>

namespace jobpool::builtin {
namespace {

constexpr qint64 kReadBlock = 1 << 20;

[[noreturn]] void cannotRead(const QFile &file)
{
    throw std::runtime_error(QStringLiteral("cannot read %1: %2")
                                 .arg(file.fileName(), file.errorString())
                                 .toStdString());
}

void openForReading(QFile &file)
{
    if (!file.open(QIODevice::ReadOnly))
        cannotRead(file);
}

} // namespace

QString sha256File(QString path)
{
    QFile file(path);
    openForReading(file);
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&file))
        cannotRead(file);
    return QString::fromLatin1(hash.result().toHex());
}

std::tuple<qint64, qint64> fileSizeAndLines(QString path)
{
    QFile file(path);
    openForReading(file);
    qint64 size = 0;
    qint64 lines = 0;
    char last = '\n';
    QByteArray block;
    for (;;) {
        block = file.read(kReadBlock);
        if (block.isEmpty())
            break;
        size += block.size();
        lines += block.count('\n');
        last = block.back();
    }
    if (file.error() != QFileDevice::NoError)
        cannotRead(file);
    if (last != '\n')
        ++lines;
    return {size, lines};
}

} // namespace jobpool::builtin

JOBPOOL_TASK(jobpool::builtin::sha256File)
JOBPOOL_TASK(jobpool::builtin::fileSizeAndLines)
