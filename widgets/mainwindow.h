// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMainWindow>

class QLabel;

namespace jobpool::widgets {

/// The JobPool main window: the frame the docks (jobs, processes, charts, log) live in.
/// It only arranges views; what they show comes from JobPool::Core's models.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

private:
    void createMenus();

    QLabel *m_dropHint = nullptr;
};

} // namespace jobpool::widgets
