// SPDX-License-Identifier: GPL-3.0-or-later
// How fast a batch's inputs become argvs (issue #5's "enqueueing 1,000,000 inputs: ≤ 5 s",
// the part before the job store): reading a million lines from a file, from a pipe, a
// 1000 × 1000 cartesian product, expanding a template over each, and walking a folder.
// Run by hand: bench_inputs [COUNT]. Prints one line per measurement.
#include <jobpool/commandtemplate.h>
#include <jobpool/inputplan.h>
#include <jobpool/inputsource.h>
#include <jobpool/pathexpansion.h>

#include <QElapsedTimer>
#include <QTemporaryDir>

#include <cstdio>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace jobpool;

namespace {

void report(const char *what, qint64 items, const QElapsedTimer &timer)
{
    const qint64 ns = timer.nsecsElapsed();
    std::printf("%-44s %9lld items %9.1f ms %8.2f M items/s\n", what, static_cast<long long>(items),
                double(ns) / 1e6, ns > 0 ? double(items) * 1e3 / double(ns) : 0.0);
}

qint64 drain(InputPlan &plan, const CommandTemplate *tmpl)
{
    QList<QByteArray> values;
    qint64 n = 0;
    qsizetype bytes = 0;
    while (plan.next(values)) {
        ++n;
        if (tmpl)
            bytes += tmpl->expand(values, n, 1).size();
    }
    return n + (bytes < 0 ? 1 : 0); // keep the expansions from being optimised away
}

} // namespace

int main(int argc, char **argv)
{
    const int count = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
    QTemporaryDir dir;
    const QByteArray root = dir.path().toLocal8Bit();
    const QByteArray list = root + "/inputs.txt";
    QByteArray bytes;
    for (int i = 1; i <= count; ++i)
        bytes += "photos/2024/img_" + QByteArray::number(i) + ".jpg\n";
    {
        const int fd = ::open(list.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || ::write(fd, bytes.constData(), size_t(bytes.size())) != bytes.size())
            return 1;
        ::close(fd);
    }
    const auto tmpl = CommandTemplate::parse({"convert", "{}", "-resize", "50%", "out/{/.}.png"});
    QElapsedTimer timer;

    {
        timer.start();
        InputPlan plan;
        plan.add(InputSource::fromFile(list));
        const qint64 total = plan.count();
        const qint64 n = drain(plan, nullptr);
        report(":::: file, count() + read", n == total ? n : -1, timer);
    }
    {
        timer.start();
        InputPlan plan;
        plan.add(InputSource::fromFile(list));
        {
            const qint64 n = drain(plan, &tmpl);
            report(":::: file, read + expand template", n, timer);
        }
    }
    {
        int fds[2];
        if (::pipe(fds) != 0)
            return 1;
        std::thread writer([&] {
            for (qsizetype done = 0; done < bytes.size();) {
                const ssize_t n =
                    ::write(fds[1], bytes.constData() + done, size_t(bytes.size() - done));
                if (n <= 0)
                    break;
                done += n;
            }
            ::close(fds[1]);
        });
        const int saved = ::dup(STDIN_FILENO);
        ::dup2(fds[0], STDIN_FILENO);
        ::close(fds[0]);
        timer.start();
        InputPlan plan;
        plan.add(InputSource::fromStdin());
        {
            const qint64 n = drain(plan, &tmpl);
            report("stdin pipe, read + expand template", n, timer);
        }
        writer.join();
        ::dup2(saved, STDIN_FILENO);
        ::close(saved);
    }
    {
        QList<QByteArray> thousand;
        for (int i = 0; i < 1000; ++i)
            thousand.append("value-" + QByteArray::number(i));
        const auto two = CommandTemplate::parse({"cmp", "{1}", "{2}"}, {.sources = 2});
        timer.start();
        InputPlan plan;
        plan.add(InputSource::fromList(thousand));
        plan.add(InputSource::fromList(thousand));
        {
            const qint64 n = drain(plan, &two);
            report("1000 x 1000 product + expand", n, timer);
        }
    }
    {
        const auto shell = CommandTemplate::parse({"convert '{}' out/{/.}.png"}, {.shell = true});
        timer.start();
        InputPlan plan;
        plan.add(InputSource::fromFile(list));
        {
            const qint64 n = drain(plan, &shell);
            report(":::: file, --shell expand", n, timer);
        }
    }
    {
        // 100 folders of 1000 empty files each.
        const int folders = qMax(1, count / 10'000);
        for (int f = 0; f < folders; ++f) {
            const QByteArray sub = root + "/tree/d" + QByteArray::number(f);
            ::mkdir(QByteArray(root + "/tree").constData(), 0755);
            ::mkdir(sub.constData(), 0755);
            for (int i = 0; i < 1000; ++i) {
                const int fd =
                    ::open(QByteArray(sub + "/f" + QByteArray::number(i) + ".jpg").constData(),
                           O_WRONLY | O_CREAT, 0644);
                if (fd >= 0)
                    ::close(fd);
            }
        }
        timer.start();
        const auto found = expandPaths({root + "/tree"}, {"*.jpg"});
        report("expandPaths over a folder tree", found.files.size(), timer);
    }
    return 0;
}
