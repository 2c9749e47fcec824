// SPDX-License-Identifier: GPL-3.0-or-later
#include "logview.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QStyle>
#include <QTabWidget>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QVBoxLayout>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace jobpool::widgets {
namespace {

constexpr int kPollMs = 250;
constexpr int kOutput = 0;
constexpr int kErrors = 1;

/// Reads [from, to) of \a fd; fewer bytes when the file shrank meanwhile.
QByteArray readRange(int fd, qint64 from, qint64 to)
{
    QByteArray bytes(to - from, Qt::Uninitialized);
    qint64 done = 0;
    while (done < bytes.size()) {
        const ssize_t n =
            ::pread(fd, bytes.data() + done, size_t(bytes.size() - done), off_t(from + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += n;
    }
    bytes.truncate(done);
    return bytes;
}

} // namespace

LogView::LogView(QWidget *parent)
    : QWidget(parent)
{
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("logTitle"));
    m_title->setTextFormat(Qt::PlainText);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("logStatus"));
    m_status->setEnabled(false); // greyed: a remark, not content
    auto *heading = new QHBoxLayout;
    heading->addWidget(m_title, 1);
    heading->addWidget(m_status);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("logTabs"));
    m_tabs->setDocumentMode(true);
    m_streams[kOutput].edit = createEdit("logOutput");
    m_streams[kErrors].edit = createEdit("logErrors");
    m_tabs->addTab(m_streams[kOutput].edit, tr("Output"));
    m_tabs->addTab(m_streams[kErrors].edit, tr("Errors"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(heading);
    layout->addWidget(m_tabs, 1);

    m_poll.setInterval(kPollMs);
    connect(&m_poll, &QTimer::timeout, this, &LogView::poll);
    clear();
}

LogView::~LogView() = default;

QPlainTextEdit *LogView::createEdit(const char *name)
{
    auto *edit = new QPlainTextEdit(this);
    edit->setObjectName(QLatin1String(name));
    edit->setReadOnly(true);
    edit->setUndoRedoEnabled(false);
    edit->setLineWrapMode(QPlainTextEdit::NoWrap); // no re-layout of megabytes on resize
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    edit->setFrameShape(QFrame::NoFrame);
    return edit;
}

void LogView::showJob(const QString &title, const QByteArray &stdoutPath,
                      const QByteArray &stderrPath, bool running)
{
    m_title->setText(title);
    m_streams[kOutput].path = stdoutPath;
    // One file for both (2>&1): show it once.
    const bool shared = stderrPath == stdoutPath;
    m_streams[kErrors].path = shared ? QByteArray() : stderrPath;
    m_tabs->setTabVisible(kErrors, !shared);
    for (Stream &stream : m_streams)
        reset(stream);
    m_running = running;
    poll();
    if (running)
        m_poll.start();
    else
        m_poll.stop();
    updateStatus();
}

void LogView::setRunning(bool running)
{
    if (running == m_running)
        return;
    m_running = running;
    poll(); // the last bytes the job wrote
    if (running)
        m_poll.start();
    else
        m_poll.stop();
    updateStatus();
}

void LogView::clear()
{
    m_poll.stop();
    m_running = false;
    m_title->setText(tr("No job selected"));
    for (Stream &stream : m_streams) {
        stream.path.clear();
        reset(stream);
    }
    m_tabs->setTabVisible(kErrors, true);
    updateStatus();
}

QString LogView::outputText() const
{
    return m_streams[kOutput].edit->toPlainText();
}

QString LogView::errorText() const
{
    return m_streams[kErrors].edit->toPlainText();
}

void LogView::poll()
{
    for (Stream &stream : m_streams)
        read(stream);
    const bool errors = !m_streams[kErrors].edit->document()->isEmpty();
    m_tabs->setTabIcon(kErrors,
                       errors ? style()->standardIcon(QStyle::SP_MessageBoxWarning) : QIcon());
}

void LogView::reset(Stream &stream)
{
    stream.edit->clear();
    stream.offset = 0;
    stream.device = 0;
    stream.inode = 0;
    stream.seen = false;
    stream.cut = false;
    stream.decoder = QStringDecoder(QStringDecoder::Utf8);
}

void LogView::read(Stream &stream)
{
    if (stream.path.isEmpty())
        return;
    const int fd = ::open(stream.path.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return; // not written yet (or gone: what was shown stays)
    struct stat st = {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        return;
    }
    const qint64 size = st.st_size;
    // Another file under that name, or the same one cut short: start over.
    if (stream.seen
        && (quint64(st.st_ino) != stream.inode || quint64(st.st_dev) != stream.device
            || size < stream.offset))
        reset(stream);
    stream.seen = true;
    stream.device = quint64(st.st_dev);
    stream.inode = quint64(st.st_ino);
    if (size <= stream.offset) {
        ::close(fd);
        return;
    }
    qint64 from = stream.offset;
    const bool skip = size - from > m_maxBytes;
    if (skip) { // more than the view keeps: only the last part
        from = size - m_maxBytes;
        stream.edit->clear();
        stream.decoder = QStringDecoder(QStringDecoder::Utf8);
        addNote(stream);
    }
    QByteArray bytes = readRange(fd, from, size);
    ::close(fd);
    stream.offset = from + bytes.size();
    if (skip) { // do not start in the middle of a UTF-8 sequence
        qsizetype lead = 0;
        while (lead < 3 && lead < bytes.size() && (quint8(bytes[lead]) & 0xc0) == 0x80)
            ++lead;
        bytes.remove(0, lead);
    }
    append(stream, bytes);
}

void LogView::append(Stream &stream, QByteArrayView bytes)
{
    const QString text = stream.decoder.decode(bytes);
    if (text.isEmpty())
        return;
    QScrollBar *bar = stream.edit->verticalScrollBar();
    const bool following = bar->value() == bar->maximum();
    QTextCursor cursor(stream.edit->document());
    cursor.movePosition(QTextCursor::End);
    cursor.insertText(text, QTextCharFormat());
    trim(stream);
    if (following)
        bar->setValue(bar->maximum());
}

void LogView::trim(Stream &stream)
{
    QTextDocument *document = stream.edit->document();
    const int excess = document->characterCount() - m_maxBytes;
    if (excess <= 0)
        return;
    QTextCursor cursor(document);
    cursor.movePosition(QTextCursor::Start);
    if (stream.cut)
        cursor.movePosition(QTextCursor::NextBlock); // keep the note
    const int from = cursor.position();
    // A quarter of the cap more than needed, so that this happens once in a while, and up
    // to the start of a line, so that no line is shown cut.
    int to = std::min(from + excess + m_maxBytes / 4, document->characterCount() - 1);
    const QTextBlock block = document->findBlock(to);
    if (block.isValid() && block.position() >= from + excess)
        to = block.position();
    cursor.setPosition(to, QTextCursor::KeepAnchor);
    cursor.removeSelectedText();
    if (!stream.cut)
        addNote(stream);
}

void LogView::addNote(Stream &stream)
{
    QTextCursor cursor(stream.edit->document());
    cursor.movePosition(QTextCursor::Start);
    QTextCharFormat note;
    note.setFontItalic(true);
    note.setForeground(palette().color(QPalette::Disabled, QPalette::Text));
    cursor.insertText(tr("… earlier output not shown"), note);
    cursor.insertBlock(QTextBlockFormat(), QTextCharFormat());
    stream.cut = true;
}

void LogView::updateStatus()
{
    m_status->setText(m_running ? tr("Following the output") : QString());
    const QString none = m_running ? tr("No output yet") : tr("No output");
    for (Stream &stream : m_streams)
        stream.edit->setPlaceholderText(none);
}

} // namespace jobpool::widgets
