// SPDX-License-Identifier: GPL-3.0-or-later
// The desktop app's responsiveness (issue #6), on the real MainWindow over a real
// BatchSession whose workers are jobpool-worker processes:
//
//   1. 10,000 files in a folder dropped on the window: from the drop to the batch's jobs
//      in the store (the New Batch dialog in between, its Start clicked);
//   2. 100,000 queued `true` jobs on 2 workers: the GUI thread's stalls (a 10 ms timer
//      probe), jobs/s, and the GUI process's memory;
//   3. the charts and the processes view at their own refresh rate: the GUI thread's CPU
//      time, idle and (charts shown, then hidden) with a batch running.
//
// Run through run-gui-bench.sh, or by hand:
//
//     QT_QPA_PLATFORM=offscreen bench_gui [--worker PATH] [--files N] [--jobs N]
//                                        [--seconds N] [--idle-seconds N] [--strict]
//
// Prints a markdown table; exits 1 when a target is missed only with --strict.
// Deliberately no add_test(): timings do not belong in unit tests on shared machines.
#include <jobpool/appsettings.h>
#include <jobpool/batchsession.h>
#include <jobpool/jobpool.h>
#include <jobpool/jobsmodel.h>

#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <widgets/mainwindow.h>
#include <widgets/newbatchdialog.h>
#include <widgets/replotthrottle.h>

using namespace jobpool;
using jobpool::widgets::MainWindow;
using jobpool::widgets::NewBatchDialog;

namespace {

constexpr int kProbeMs = 10;

double msSince(const QElapsedTimer &clock)
{
    return double(clock.nsecsElapsed()) / 1e6;
}

/// A field of /proc/self/status in kB ("VmHWM", "VmRSS"), 0 when missing.
qint64 statusKiB(const char *field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray prefix = QByteArray(field) + ':';
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toLongLong();
    }
    return 0;
}

double mb(qint64 kib)
{
    return double(kib) * 1024.0 / 1e6;
}

/// CPU time (user + system) of the calling thread, or of the whole process, in ms.
double cpuMs(int who)
{
    rusage usage{};
    getrusage(who, &usage);
    const auto ms = [](const timeval &t) {
        return double(t.tv_sec) * 1e3 + double(t.tv_usec) / 1e3;
    };
    return ms(usage.ru_utime) + ms(usage.ru_stime);
}

/// Runs the event loop for \a ms (a real loop, not a processEvents() spin: waiting must not
/// cost the GUI thread CPU time that the measurements would count).
void runFor(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

/// Runs the event loop until \a done() (checked every 20 ms) or \a timeoutMs; false on time-out.
bool waitFor(const std::function<bool()> &done, int timeoutMs)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer poll;
    poll.setInterval(20);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    poll.start();
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return done();
}

/// A 10 ms timer on the GUI thread: how much later than due each tick comes is how long
/// the event loop was kept from running it.
class StallProbe
{
public:
    StallProbe()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(kProbeMs);
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            m_stalls.push_back(std::max(0.0, msSince(m_clock) - kProbeMs));
            m_clock.restart();
        });
    }
    void start()
    {
        m_stalls.clear();
        m_stalls.reserve(1 << 16);
        m_clock.start();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    double at(double q) const
    {
        if (m_stalls.empty())
            return 0;
        std::vector<double> s = m_stalls;
        std::sort(s.begin(), s.end());
        return s[std::min(s.size() - 1, size_t(q * double(s.size())))];
    }
    double max() const
    {
        return m_stalls.empty() ? 0 : *std::max_element(m_stalls.begin(), m_stalls.end());
    }
    size_t samples() const { return m_stalls.size(); }
    size_t over(double ms) const
    {
        return size_t(
            std::count_if(m_stalls.begin(), m_stalls.end(), [ms](double s) { return s > ms; }));
    }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    std::vector<double> m_stalls;
};

/// Drops \a path on \a target as a file manager does (tests/widgets/tst_mainwindow.cpp).
bool dropUrl(QWidget *target, const QString &path)
{
    QMimeData data;
    data.setUrls({QUrl::fromLocalFile(path)});
    const QPointF at(target->width() / 2.0, target->height() / 2.0);
    QDragEnterEvent enter(at.toPoint(), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    QDropEvent drop(at, Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    return enter.isAccepted() && drop.isAccepted();
}

/// Replots the window's charts asked of QCustomPlot so far (their ReplotThrottles' count).
int replots(const QWidget &window)
{
    int n = 0;
    for (const QObject *o : window.findChildren<QObject *>()) {
        if (qstrcmp(o->metaObject()->className(), "jobpool::widgets::ReplotThrottle") == 0)
            n += static_cast<const widgets::ReplotThrottle *>(o)->replots();
    }
    return n;
}

struct Row
{
    std::string name;
    std::string figure;
    std::string target;
    std::string result; ///< PASS, MISS, or "info"
};

std::string fmt(const char *format, double value)
{
    char buffer[512];
    std::snprintf(buffer, sizeof buffer, format, value);
    return buffer;
}

void fail(const char *what)
{
    std::fprintf(stderr, "bench_gui: %s\n", what);
    std::exit(2);
}

} // namespace

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    QApplication app(argc, argv);
    const QStringList args = app.arguments();
    const auto option = [&](const char *name, const QString &fallback) {
        const qsizetype at = args.indexOf(QString::fromLatin1(name));
        return at > 0 && at + 1 < args.size() ? args[at + 1] : fallback;
    };
    const QString worker = QFileInfo(option("--worker", QCoreApplication::applicationDirPath()
                                                            + QStringLiteral("/jobpool-worker")))
                               .absoluteFilePath();
    const int files = option("--files", QStringLiteral("10000")).toInt();
    const int jobs = option("--jobs", QStringLiteral("100000")).toInt();
    const int seconds = option("--seconds", QStringLiteral("20")).toInt();
    const int idleSeconds = option("--idle-seconds", QStringLiteral("10")).toInt();
    const bool strict = args.contains(QStringLiteral("--strict"));
    if (!QFileInfo(worker).isExecutable())
        fail(qPrintable(QStringLiteral("no worker program %1 (--worker PATH)").arg(worker)));

    QTemporaryDir dir;
    if (!dir.isValid())
        fail("no temporary directory");
    const QString inputs = dir.filePath(QStringLiteral("inputs"));
    QDir().mkpath(inputs);
    for (int i = 0; i < files; ++i) {
        QFile f(inputs + QStringLiteral("/file-%1.txt").arg(i, 5, 10, QLatin1Char('0')));
        if (!f.open(QIODevice::WriteOnly) || f.write(QByteArray::number(i) + '\n') <= 0)
            fail("cannot write the input files");
    }

    AppSettings settings(dir.filePath(QStringLiteral("settings.ini")));
    BatchSession session({.storePath = dir.filePath(QStringLiteral("jobs.sqlite")),
                          .workerProgram = worker,
                          .poolSize = 2});
    MainWindow window(session, settings);
    window.show();

    // A message box would wait for a click that never comes: say what it said, close it.
    QTimer boxWatch;
    QObject::connect(&boxWatch, &QTimer::timeout, [] {
        for (QWidget *w : QApplication::topLevelWidgets()) {
            if (auto *box = qobject_cast<QMessageBox *>(w); box && box->isVisible()) {
                std::fprintf(stderr, "bench_gui: message box: %s\n", qPrintable(box->text()));
                box->done(QMessageBox::Cancel);
            }
        }
    });
    boxWatch.start(250);

    qint64 finished = 0;
    qint64 lastBatch = 0;
    bool batchOver = false;
    QObject::connect(&session, &BatchSession::jobFinished, [&] { ++finished; });
    QObject::connect(&session, &BatchSession::batchStarted, [&](qint64 b) {
        lastBatch = b;
        batchOver = false;
    });
    QObject::connect(&session, &BatchSession::batchFinished, [&] { batchOver = true; });
    const auto stopBatch = [&] {
        QElapsedTimer clock;
        clock.start();
        session.stop(BatchRunner::Stop::Kill);
        if (!waitFor([&] { return batchOver; }, 30000))
            fail("the batch did not end within 30 s of Stop::Kill");
        return msSince(clock);
    };
    runFor(1000); // laid out, painted, first chart samples taken

    std::vector<Row> rows;
    std::vector<std::string> notes;
    const auto verdict = [](bool ok) { return std::string(ok ? "PASS" : "MISS"); };
    bool allMet = true;

    // 1. The drop. The dialog expands its inputs in its constructor, synchronously; the
    // 150 ms debounce (m_expandLater) only delays re-expansions after later edits or drops
    // into an open dialog, so the figure holds no debounce. Should the expansion ever move
    // behind the debounce, the wait is reported apart and left out of the figure.
    std::fprintf(stderr, "bench_gui: dropping %d files\n", files);
    QElapsedTimer clock;
    clock.start();
    if (!dropUrl(&window, inputs))
        fail("the window did not accept the drop");
    NewBatchDialog *dialog = window.newBatchDialog();
    if (!dialog)
        fail("no New Batch dialog after the drop");
    const double dropMs = msSince(clock);
    double debounceMs = 0;
    if (dialog->files().files.size() != files) {
        QElapsedTimer wait;
        wait.start();
        if (!waitFor([&] { return dialog->files().files.size() == files; }, 30000))
            fail("the dialog never listed every file");
        debounceMs = msSince(wait);
    }
    if (!dialog->selectPreset(QStringLiteral("sha256")))
        fail("no sha256 preset");
    auto *start = dialog->findChild<QPushButton *>(QStringLiteral("start"));
    if (!start || !start->isEnabled())
        fail("the dialog's Start is not enabled");
    double startedMs = -1;
    QMetaObject::Connection onStart = QObject::connect(&session, &BatchSession::batchStarted,
                                                       [&] { startedMs = msSince(clock); });
    clock.restart();
    start->click();
    const double clickMs = msSince(clock);
    QObject::disconnect(onStart);
    if (startedMs < 0)
        fail("Start did not start a batch");
    const qint64 dropBatch = lastBatch;
    const qint64 stored = session.store().jobCount(
        dropBatch, {JobState::Pending, JobState::Running, JobState::Done, JobState::Failed});
    waitFor([&] { return !window.jobsModel()->isLoading(); }, 30000);
    const double rowsMs = msSince(clock);
    const int rowsShown = window.jobsModel()->rowCount();
    const double dropStopMs = stopBatch();
    const double dropTotal = dropMs + clickMs;
    allMet &= dropTotal <= 1000;
    rows.push_back({"drop " + std::to_string(files) + " files → jobs in the store (ms)",
                    fmt("%.0f", dropTotal), "≤ 1000", verdict(dropTotal <= 1000)});
    rows.push_back({"  drop → dialog listing them (expansion included, no debounce) (ms)",
                    fmt("%.0f", dropMs), "—", "info"});
    rows.push_back({"  Start clicked → submit returned, batch started (ms)", fmt("%.0f", clickMs),
                    "—", "info"});
    notes.push_back(fmt("drop: batchStarted emitted %.0f ms after the click", startedMs) + "; "
                    + std::to_string(stored) + " jobs in the store; the jobs table showed "
                    + std::to_string(rowsShown) + fmt(" rows %.0f ms after the click", rowsMs)
                    + fmt("; Stop::Kill of that batch took %.0f ms", dropStopMs));
    notes.push_back(debounceMs > 0
                        ? fmt("drop: the dialog's debounced expansion kept the files back "
                              "%.0f ms more (left out of the figure)",
                              debounceMs)
                        : std::string("drop: the dialog listed every file when the drop "
                                      "returned (its constructor expands at once; the 150 ms "
                                      "debounce applies to later edits only)"));

    // 2. 100,000 queued tiny jobs on 2 workers. The probe runs from before the submit, so
    // that the submit's own time on the GUI thread (the store filled, the table reset) is
    // one of the stalls, as it is for a person who clicks Start.
    std::fprintf(stderr, "bench_gui: %d queued jobs for %d s\n", jobs, seconds);
    runFor(500);
    QList<QByteArray> tiny;
    tiny.reserve(jobs);
    for (int i = 1; i <= jobs; ++i)
        tiny.append(QByteArray::number(i));
    StallProbe probe;
    double submitMs = 0;
    finished = 0;
    const qint64 hwmBefore = statusKiB("VmHWM");
    probe.start();
    QElapsedTimer runClock;
    QTimer::singleShot(0, [&] {
        QElapsedTimer t;
        t.start();
        session.submit({.name = QStringLiteral("tiny"), .templateArgv = {"true"}, .inputs = tiny});
        submitMs = msSince(t);
        runClock.start();
    });
    waitFor([&] { return runClock.isValid(); }, 60000);
    const double cpu0 = cpuMs(RUSAGE_THREAD);
    runFor(seconds * 1000);
    const double runSeconds = msSince(runClock) / 1e3;
    const double runCpu = cpuMs(RUSAGE_THREAD) - cpu0;
    probe.stop();
    const qint64 ranJobs = finished;
    const qint64 rssEnd = statusKiB("VmRSS");
    const qint64 hwm = statusKiB("VmHWM");
    const double runStopMs = stopBatch();
    tiny.clear();
    const double p99 = probe.at(0.99);
    allMet &= p99 <= 50 && mb(hwm) <= 300;
    rows.push_back({"GUI thread stall p99, " + std::to_string(jobs) + " queued, 2 workers (ms)",
                    fmt("%.1f", p99), "≤ 50", verdict(p99 <= 50)});
    rows.push_back({"  stall p50 / max (ms)",
                    fmt("%.1f", probe.at(0.5)) + " / " + fmt("%.0f", probe.max()), "—", "info"});
    rows.push_back({"  submit of the " + std::to_string(jobs) + " jobs on the GUI thread (ms)",
                    fmt("%.0f", submitMs), "—", "info"});
    rows.push_back({"  jobs/s over the " + fmt("%.1f", runSeconds) + " s",
                    fmt("%.0f", ranJobs / runSeconds), "—", "info"});
    rows.push_back({"  GUI thread CPU while running (% of a core)",
                    fmt("%.1f", runCpu / (runSeconds * 10)), "—", "info"});
    rows.push_back({"peak memory of the GUI process, VmHWM (MB)", fmt("%.0f", mb(hwm)), "≤ 300",
                    verdict(mb(hwm) <= 300)});
    rows.push_back({"  VmRSS at the end of the run (MB)", fmt("%.0f", mb(rssEnd)), "—", "info"});
    notes.push_back("run: " + std::to_string(probe.samples()) + " probe ticks, "
                    + std::to_string(probe.over(16)) + " over 16 ms, "
                    + std::to_string(probe.over(50)) + " over 50 ms"
                    + fmt("; VmHWM before the submit %.0f MB", mb(hwmBefore))
                    + fmt("; Stop::Kill took %.0f ms", runStopMs));

    // 3. The charts' cost at their refresh rate: no probe, no batch, the window shown; the
    // CPU chart samples every second, the processes view every 500 ms.
    std::fprintf(stderr, "bench_gui: idle for %d s\n", idleSeconds);
    runFor(1000);
    const auto gui = [&](int ms, qint64 *jobsDone, int *replotCount) {
        const qint64 before = finished;
        const int replotsBefore = replots(window);
        const double thread0 = cpuMs(RUSAGE_THREAD);
        QElapsedTimer wall;
        wall.start();
        runFor(ms);
        const double percent = (cpuMs(RUSAGE_THREAD) - thread0) / msSince(wall) * 100;
        if (jobsDone)
            *jobsDone = finished - before;
        *replotCount = replots(window) - replotsBefore;
        return percent;
    };
    int idleReplots = 0;
    int shownReplots = 0;
    int hiddenReplots = 0;
    const double idle = gui(idleSeconds * 1000, nullptr, &idleReplots);
    allMet &= idle <= 5;
    rows.push_back(
        {"charts + processes view at their refresh rate, idle: GUI thread CPU (% of a core)",
         fmt("%.2f", idle), "≤ 5", verdict(idle <= 5)});

    // The same with tiny jobs running: charts shown, then their docks closed (a hidden
    // chart does not replot), so that the difference is the charts' drawing.
    std::fprintf(stderr, "bench_gui: a batch running, charts shown then hidden, %d s each\n",
                 idleSeconds);
    session.submit({.name = QStringLiteral("tiny again"),
                    .templateArgv = {"true"},
                    .inputs = QList<QByteArray>(jobs, QByteArrayLiteral("x"))});
    runFor(2000);
    qint64 shownJobs = 0;
    qint64 hiddenJobs = 0;
    const double shown = gui(idleSeconds * 1000, &shownJobs, &shownReplots);
    const QList<QDockWidget *> charts = {
        window.findChild<QDockWidget *>(QStringLiteral("cpuDock")),
        window.findChild<QDockWidget *>(QStringLiteral("throughputDock")),
        window.findChild<QDockWidget *>(QStringLiteral("timelineDock"))};
    for (QDockWidget *dock : charts) {
        if (dock)
            dock->hide();
    }
    runFor(500);
    const double hidden = gui(idleSeconds * 1000, &hiddenJobs, &hiddenReplots);
    for (QDockWidget *dock : charts) {
        if (dock)
            dock->show();
    }
    stopBatch();
    rows.push_back({"  batch running, charts shown: GUI thread CPU (% of a core)",
                    fmt("%.1f", shown) + fmt(" (%.0f jobs/s)", double(shownJobs) / idleSeconds),
                    "—", "info"});
    rows.push_back({"  batch running, chart docks closed (% of a core)",
                    fmt("%.1f", hidden) + fmt(" (%.0f jobs/s)", double(hiddenJobs) / idleSeconds),
                    "—", "info"});
    rows.push_back({"  charts' share while running: shown − closed (% of a core)",
                    fmt("%.1f", shown - hidden), "—", "info"});
    notes.push_back("charts: replots asked of QCustomPlot (all charts): "
                    + std::to_string(idleReplots) + " idle, " + std::to_string(shownReplots)
                    + " running and shown, " + std::to_string(hiddenReplots)
                    + " running with the docks closed, over " + std::to_string(idleSeconds)
                    + " s each");

    // Column widths count bytes; "≤", "→" and "−" take 3 bytes and show as one column.
    const auto columns = [](const std::string &s) {
        return int(s.size())
               - int(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) == 0x80; }));
    };
    const auto cell = [&](const std::string &s, int w) {
        return s + std::string(size_t(std::max(0, w - columns(s))), ' ');
    };
    int width = 4;
    int figureWidth = 6;
    for (const Row &r : rows) {
        width = std::max(width, columns(r.name));
        figureWidth = std::max(figureWidth, columns(r.figure));
    }
    const auto right = [&](const std::string &s) {
        return std::string(size_t(std::max(0, figureWidth - columns(s))), ' ') + s;
    };
    std::printf("| %s | %s | %s | %s |\n", cell("case", width).c_str(), right("figure").c_str(),
                cell("target", 6).c_str(), cell("result", 6).c_str());
    std::printf("|%s|%s:|%s|%s|\n", std::string(size_t(width) + 2, '-').c_str(),
                std::string(size_t(figureWidth) + 1, '-').c_str(), std::string(8, '-').c_str(),
                std::string(8, '-').c_str());
    for (const Row &r : rows) {
        std::printf("| %s | %s | %s | %s |\n", cell(r.name, width).c_str(), right(r.figure).c_str(),
                    cell(r.target, 6).c_str(), cell(r.result, 6).c_str());
    }
    std::printf("\n");
    for (const std::string &n : notes)
        std::printf("- %s\n", n.c_str());
    std::printf("\n%s\n", allMet ? "All targets met." : "A target was missed.");
    return strict && !allMet ? 1 : 0;
}
