// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QStringDecoder>
#include <QTimer>
#include <QWidget>

#include <algorithm>
#include <array>

class QLabel;
class QPlainTextEdit;
class QTabWidget;

namespace jobpool::widgets {

/// A job's standard output and standard error, in two tabs. While the job runs, the files
/// are followed: every 250 ms only the bytes appended since are read and added (the view
/// stays at the bottom if it was there). Each tab keeps at most maxShownBytes() of text,
/// the latest, under a note that earlier output is not shown. Bytes that are not UTF-8
/// show as U+FFFD; a file that is not there reads as "No output".
///
/// \code
/// auto *log = new jobpool::widgets::LogView(this);
/// log->showJob(tr("Job 7: a.txt"), record.lastAttempt.stdoutPath,
///              record.lastAttempt.stderrPath, record.state == jobpool::JobState::Running);
/// // when the runner says job 7 ended:
/// log->setRunning(false);
/// \endcode
class LogView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogView)

public:
    explicit LogView(QWidget *parent = nullptr);
    ~LogView() override;

    /// Shows the files at these paths (bytes: file names need not be UTF-8; the same path
    /// twice: one file for both). \a running: follow them until setRunning(false).
    void showJob(const QString &title, const QByteArray &stdoutPath, const QByteArray &stderrPath,
                 bool running);
    /// Stops (or starts) following; stopping reads what was written last.
    void setRunning(bool running);
    bool isRunning() const { return m_running; }
    void clear();

    /// How much of each file is shown at most: the last this many bytes (2 MiB).
    void setMaxShownBytes(int bytes) { m_maxBytes = std::max(bytes, 1024); }
    int maxShownBytes() const { return m_maxBytes; }
    /// How often a running job's files are read.
    void setPollInterval(int ms) { m_poll.setInterval(ms); }

    QString outputText() const;
    QString errorText() const;

private:
    struct Stream
    {
        QByteArray path;
        QPlainTextEdit *edit = nullptr;
        qint64 offset = 0; ///< bytes of the file read so far
        quint64 device = 0;
        quint64 inode = 0;
        bool seen = false; ///< the file was there
        bool cut = false;  ///< earlier output dropped, the note is the first line
        QStringDecoder decoder{QStringDecoder::Utf8};
    };

    QPlainTextEdit *createEdit(const char *name);
    void poll();
    void read(Stream &stream);
    void reset(Stream &stream);
    void append(Stream &stream, QByteArrayView bytes);
    void trim(Stream &stream);
    void addNote(Stream &stream);
    void updateStatus();

    QLabel *m_title = nullptr;
    QLabel *m_status = nullptr;
    QTabWidget *m_tabs = nullptr;
    std::array<Stream, 2> m_streams; ///< stdout, stderr
    QTimer m_poll;
    bool m_running = false;
    int m_maxBytes = 2 * 1024 * 1024;
};

} // namespace jobpool::widgets
