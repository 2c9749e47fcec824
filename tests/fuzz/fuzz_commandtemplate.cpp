// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: command templates as a person types them (`jobpool run`'s argv, the
// New Batch dialog's line). CommandTemplate::parse() must accept a template or throw
// TemplateError; expand() must then give an argv for any inputs; the quoting helpers must
// take any bytes. splitCommandLine() and joinCommandLine() must read each other back.
//
// The input: byte 0 holds the options (bit 0: --shell; bits 1-3: 1 to 8 input sources;
// bits 4-7: the job slot), then argv words separated by NUL bytes. A word that is just
// "\x01" ends the template; the words after it are the inputs, one per source (missing
// ones read as empty). Without one, every source gets a path with dots and slashes.
#include <jobpool/commandtemplate.h>
#include <jobpool/errors.h>
#include <jobpool/presets.h>

#include <QByteArray>
#include <QList>
#include <QString>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

using namespace jobpool;

namespace {

void check(bool condition, const char *what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_commandtemplate: %s\n", what);
        std::abort();
    }
}

void parseAndExpand(const QList<QByteArray> &argv, const CommandTemplate::Options &options,
                    const QList<QByteArray> &inputs, int slot)
{
    CommandTemplate t;
    try {
        t = CommandTemplate::parse(argv, options);
    } catch (const TemplateError &) {
        return;
    }
    check(!t.isEmpty(), "parse() gave an empty template");
    check(t.sourcesUsed() >= 0 && t.sourcesUsed() <= t.options().sources,
          "sourcesUsed() beyond the sources");
    check(t.arguments() == argv, "arguments() differ from what was parsed");
    const QList<QByteArray> expanded = t.expand(inputs, 42, slot);
    if (options.shell)
        check(expanded.size() == 3 && expanded[0] == "/bin/sh", "a shell job that is not sh -c");
    else
        check(!expanded.isEmpty(), "expand() gave no argv");
    // Words without braces or backslashes are plain text, and a template of nothing else
    // gets every source appended, each its own word.
    const bool plain = std::none_of(argv.cbegin(), argv.cend(), [](const QByteArray &word) {
        return word.contains('{') || word.contains('}') || word.contains('\\');
    });
    if (plain && !options.shell) {
        QList<QByteArray> expected = argv;
        for (int i = 0; i < t.options().sources; ++i)
            expected.append(inputs.value(i));
        check(t.appendsInput() && expanded == expected, "a plain template expanded wrongly");
    }
    t.expand({}, 1, 1); // every source missing
    t.toDisplayString();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1)
        return 0;
    CommandTemplate::Options options;
    options.shell = data[0] & 1;
    options.sources = 1 + ((data[0] >> 1) & 7);
    const int slot = 1 + (data[0] >> 4);
    const QByteArray text(reinterpret_cast<const char *>(data) + 1, qsizetype(size) - 1);

    QList<QByteArray> argv = text.split('\0');
    QList<QByteArray> inputs;
    if (const qsizetype marker = argv.indexOf(QByteArray("\x01")); marker >= 0) {
        inputs = argv.mid(marker + 1);
        argv.resize(marker);
    } else {
        const QByteArray paths[] = {"dir.d/a.tar.gz", ".bashrc", "dir/", "/", "a b'c\"$d"};
        for (int i = 0; i < options.sources; ++i)
            inputs.append(paths[i % std::size(paths)]);
    }
    parseAndExpand(argv, options, inputs, slot);

    for (const QByteArray &word : argv) {
        CommandTemplate::shellQuote(word);
        CommandTemplate::displayQuote(word);
    }
    CommandTemplate::displayCommand(argv);

    // The New Batch dialog's line: split as the dialog does, then parsed.
    const QString line = QString::fromUtf8(text);
    if (const std::optional<QList<QByteArray>> words = splitCommandLine(line)) {
        const QString joined = joinCommandLine(*words);
        check(splitCommandLine(joined) == words, "joinCommandLine() does not read back");
        if (!words->isEmpty())
            parseAndExpand(*words, options, inputs, slot);
    }
    return 0;
}
