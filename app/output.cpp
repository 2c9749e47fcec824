// SPDX-License-Identifier: GPL-3.0-or-later
#include "output.h"

#include <QFile>
#include <QStringBuilder>

#include <algorithm>

#include <sys/stat.h>

namespace jobpool::app {
namespace {

constexpr qint64 kBlock = 1 << 20;
/// A line held back longer than this (--tag, --line-buffer) is printed in pieces: jobpool's
/// memory stays bounded whatever a job prints, at the price, with --line-buffer, of another
/// job's line perhaps landing inside a line of over a MiB.
constexpr qint64 kMaxHeldLine = 1 << 20;

QByteArray tagFor(const QList<QByteArray> &inputs)
{
    QByteArray tag;
    for (const QByteArray &input : inputs) {
        if (!tag.isEmpty())
            tag += ' ';
        tag += input;
    }
    return tag + '\t';
}

} // namespace

OutputPrinter::OutputPrinter(Settings settings, std::FILE *out, std::FILE *err)
    : m_settings(settings)
    , m_out(out)
    , m_err(err)
{}

void OutputPrinter::started(qint64 seq)
{
    if (m_settings.keepOrder && std::find(m_order.begin(), m_order.end(), seq) == m_order.end())
        m_order.push_back(seq); // a retry keeps its first place
}

void OutputPrinter::finished(qint64 seq, const QList<QByteArray> &inputs,
                             const QByteArray &stdoutPath, const QByteArray &stderrPath)
{
    Done job{inputs, stdoutPath, stderrPath};
    if (!m_settings.keepOrder) {
        print(job, seq);
        return;
    }
    m_held.emplace(seq, std::move(job));
    while (!m_order.empty()) {
        const auto it = m_held.find(m_order.front());
        if (it == m_held.end())
            break;
        print(it->second, it->first);
        m_held.erase(it);
        m_order.pop_front();
    }
}

void OutputPrinter::poll(qint64, const QList<QByteArray> &inputs, const QByteArray &stdoutPath,
                         const QByteArray &stderrPath)
{
    if (!m_settings.lineBuffer)
        return;
    const QByteArray tag = m_settings.tag ? tagFor(inputs) : QByteArray();
    copy(stdoutPath, m_streams[stdoutPath], m_out, tag, true);
    copy(stderrPath, m_streams[stderrPath], m_err, tag, true);
}

void OutputPrinter::flushHeld()
{
    for (const auto &[seq, job] : m_held)
        print(job, seq);
    m_held.clear();
    m_order.clear();
}

void OutputPrinter::print(const Done &job, qint64)
{
    const QByteArray tag = m_settings.tag ? tagFor(job.inputs) : QByteArray();
    Stream out = m_streams.take(job.stdoutPath);
    Stream err = m_streams.take(job.stderrPath);
    copy(job.stdoutPath, out, m_out, tag, false);
    copy(job.stderrPath, err, m_err, tag, false);
    std::fflush(m_out);
    std::fflush(m_err);
}

void OutputPrinter::copy(const QByteArray &path, Stream &stream, std::FILE *to,
                         const QByteArray &tag, bool wholeLinesOnly)
{
    // Most jobs' logs are no file at all (a quiet command leaves none): one stat() tells,
    // before QFile does more to say the same.
    struct stat st
    {
    };
    const bool longer =
        !path.isEmpty() && ::stat(path.constData(), &st) == 0 && st.st_size > stream.offset;
    QFile file(longer ? QFile::decodeName(path) : QString());
    const bool grown = longer && file.open(QIODevice::ReadOnly);
    // When nothing came since --line-buffer's last poll, a line it held back may still need
    // printing: below, tagged like the others.
    if (grown)
        file.seek(stream.offset);
    while (grown) {
        const QByteArray block = file.read(kBlock);
        if (block.isEmpty())
            break;
        stream.offset += block.size();
        if (tag.isEmpty() && !wholeLinesOnly && stream.partial.isEmpty()) {
            std::fwrite(block.constData(), 1, size_t(block.size()), to);
            continue;
        }
        QByteArray text = stream.partial + block;
        stream.partial.clear();
        qsizetype at = 0;
        for (qsizetype nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', at)) {
            const QByteArray line =
                (stream.midLine ? QByteArray() : tag) + text.mid(at, nl + 1 - at);
            std::fwrite(line.constData(), 1, size_t(line.size()), to);
            stream.midLine = false;
            at = nl + 1;
        }
        stream.partial = text.mid(at);
        if (stream.partial.size() > kMaxHeldLine) {
            const QByteArray piece = (stream.midLine ? QByteArray() : tag) + stream.partial;
            std::fwrite(piece.constData(), 1, size_t(piece.size()), to);
            stream.midLine = true;
            stream.partial.clear();
        }
    }
    if (!wholeLinesOnly && (!stream.partial.isEmpty() || stream.midLine)) {
        // A last line without its newline: as it is, or tagged and ended like the others.
        QByteArray rest = (stream.midLine ? QByteArray() : tag) + stream.partial;
        if (!tag.isEmpty())
            rest += '\n';
        std::fwrite(rest.constData(), 1, size_t(rest.size()), to);
        stream.partial.clear();
        stream.midLine = false;
    }
    std::fflush(to);
}

} // namespace jobpool::app
