// SPDX-License-Identifier: GPL-3.0-or-later
// The command line the benchmark programs that face a Python anchor share (bench_pool,
// bench_sync, bench_threadpool): `--case NAME` (repeatable) runs only those cases, `--list`
// names them, and every figure is a `case=NAME value=X unit=U` line that the scripts'
// benchreport.py reads.
#pragma once

#include <jobpool/jobpool.h>

#include <QCommandLineParser>
#include <QCoreApplication>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <span>
#include <stdexcept>
#include <string>

namespace jobpool::bench {

using Clock = std::chrono::steady_clock;

inline double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// One figure, as the scripts read it: `case=NAME value=X unit=U`.
inline void report(const char *name, double value, const char *unit)
{
    std::printf("case=%s value=%.6g unit=%s\n", name, value, unit);
    std::fflush(stdout);
}

/// A benchmark checks what it measured: a wrong result fails its case.
inline void check(bool condition, const char *what)
{
    if (!condition)
        throw std::runtime_error(std::string("wrong result in ") + what);
}

struct Case
{
    const char *name;
    void (*run)();
};

/// The rest of a benchmark's main(), once jobpool::init() and \a app are made: prints
/// `info jobpool=VERSION qt=VERSION` plus \a info, then runs the chosen cases in order. A
/// case that throws becomes an `error case=NAME message=…` line, and the others still run.
/// Returns the exit status: 0; 1 when a case failed; 2 for a case that does not exist.
inline int runCases(QCoreApplication &app, const char *program, const QString &description,
                    std::span<const Case> cases, const char *info = "")
{
    QCommandLineParser parser;
    parser.setApplicationDescription(description);
    parser.addHelpOption();
    const QCommandLineOption caseOption(QStringLiteral("case"),
                                        QStringLiteral("Run only this case (repeatable)."),
                                        QStringLiteral("name"));
    const QCommandLineOption listOption(QStringLiteral("list"),
                                        QStringLiteral("List the cases and exit."));
    parser.addOptions({caseOption, listOption});
    parser.process(app);

    if (parser.isSet(listOption)) {
        for (const Case &c : cases)
            std::printf("%s\n", c.name);
        return 0;
    }
    const QStringList wanted = parser.values(caseOption);
    for (const QString &name : wanted) {
        if (std::none_of(cases.begin(), cases.end(),
                         [&](const Case &c) { return name == QLatin1String(c.name); })) {
            std::fprintf(stderr, "%s: unknown case %s (see --list)\n", program, qPrintable(name));
            return 2;
        }
    }

    std::printf("info jobpool=%s qt=%s%s\n", JOBPOOL_VERSION_STRING, qVersion(), info);
    int failures = 0;
    for (const Case &c : cases) {
        if (!wanted.isEmpty() && !wanted.contains(QLatin1String(c.name)))
            continue;
        try {
            c.run();
        } catch (const std::exception &e) {
            // One broken case must not hide the figures of the others.
            std::printf("error case=%s message=%s\n", c.name, e.what());
            std::fflush(stdout);
            ++failures;
        }
    }
    return failures == 0 ? 0 : 1;
}

} // namespace jobpool::bench
