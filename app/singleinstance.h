// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

class QLocalServer;

namespace jobpool::app {

/// One desktop window per user: the first `jobpool` listens on a per-user local socket;
/// a second `jobpool FILE…` hands its files to it and exits.
class SingleInstance final : public QObject
{
    Q_OBJECT

public:
    /// \a name: the socket's name; empty: one per user in the runtime directory.
    explicit SingleInstance(QString name = {}, QObject *parent = nullptr);
    ~SingleInstance() override;

    /// Hands \a paths to the running instance. False when none answers.
    bool forward(const QList<QByteArray> &paths, int timeoutMs = 2000) const;
    /// Asks the running instance to carry out \a command (its words, e.g. "pause", "12").
    /// Its answer: empty when it was done, else why not; nullopt when no instance answers.
    std::optional<QString> ask(const QList<QByteArray> &command, int timeoutMs = 2000) const;
    /// How this instance answers ask(): an empty string when done, else why not.
    void setCommandHandler(std::function<QString(const QList<QByteArray> &)> handler)
    {
        m_commandHandler = std::move(handler);
    }

    /// Starts answering; a socket left by a crashed instance is replaced. False when
    /// another live instance holds it.
    bool listen();

    QString name() const { return m_name; }

signals:
    /// Another `jobpool` forwarded these (maybe none: it only asked to be shown).
    void pathsReceived(const QList<QByteArray> &paths);

private:
    QString m_name;
    QLocalServer *m_server = nullptr;
    std::function<QString(const QList<QByteArray> &)> m_commandHandler;
};

} // namespace jobpool::app
