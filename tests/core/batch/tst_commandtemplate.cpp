// SPDX-License-Identifier: GPL-3.0-or-later
// jobpool::CommandTemplate: GNU parallel's replacement strings, checked against a table of
// expansions taken from real runs of GNU parallel 20221122 (`parallel -0 -q printf …` and
// `parallel --dry-run -q …`), odd file names included; literal braces; every error with
// its message; and --shell scripts run by /bin/sh (and bash) on hostile names, whose
// printed argument must equal the name byte for byte.
#include <jobpool/commandtemplate.h>
#include <jobpool/errors.h>

#include <QTest>

#include <cerrno>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

using jobpool::CommandTemplate;
using jobpool::TemplateError;

using Args = QList<QByteArray>;
Q_DECLARE_METATYPE(QList<QList<QByteArray>>)

extern char **environ;

namespace {

/// Runs \a argv (bytes as they are — QProcess would pass its arguments through QString and
/// lose bytes that are not UTF-8) and returns what it printed on stdout.
QByteArray runCaptured(const Args &argv, int *exitStatus)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return "<pipe failed>";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::vector<char *> cargv;
    for (const QByteArray &a : argv)
        cargv.push_back(const_cast<char *>(a.constData()));
    cargv.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    QByteArray out;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) != 0;) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        out.append(buffer, n);
    }
    ::close(fds[0]);
    int status = -1;
    if (spawned == 0)
        ::waitpid(pid, &status, 0);
    *exitStatus = status;
    return spawned == 0 ? out : QByteArray("<spawn failed>");
}

QByteArray tag(const QByteArray &value)
{
    return CommandTemplate::displayQuote(value);
}

/// Names that have broken shell scripts somewhere.
const QList<QByteArray> hostileNames = {
    "a'; rm -rf ~; '.txt",
    "$(touch pwned)",
    "`touch pwned`",
    "x\nprintf INJECTED\n#",
    "\"; printf INJECTED; \"",
    "'",
    "''",
    "\\'",
    "\\",
    "$HOME ${IFS} $1",
    "caf\xe9.txt",
    "-n",
    "*",
    "a  b\tc",
    "",
    "!!",
    "{}",
    ") ; printf INJECTED ; (",
};

} // namespace

class TestCommandTemplate : public QObject
{
    Q_OBJECT

private slots:
    void replacementStrings_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("noExtension");     // {.}
        QTest::addColumn<QByteArray>("basename");        // {/}
        QTest::addColumn<QByteArray>("dirname");         // {//}
        QTest::addColumn<QByteArray>("baseNoExtension"); // {/.}
        // Expected values as printed by GNU parallel 20221122:
        // parallel -0 -k -q printf '%s\0%s\0%s\0%s\0%s\0' {} {.} {/} {//} {/.} :::: names
        auto row = [](const char *in, const char *dot, const char *slash, const char *dir,
                      const char *slashDot) {
            QTest::addRow("%s", tag(in).constData())
                << QByteArray(in) << QByteArray(dot) << QByteArray(slash) << QByteArray(dir)
                << QByteArray(slashDot);
        };
        row("a/b.c/d.e", "a/b.c/d", "d.e", "a/b.c", "d");
        row("dir.d/file", "dir.d/file", "file", "dir.d", "file");
        row("file", "file", "file", ".", "file");
        row("file.txt", "file", "file.txt", ".", "file");
        row("archive.tar.gz", "archive.tar", "archive.tar.gz", ".", "archive.tar");
        row(".bashrc", "", ".bashrc", ".", "");
        row("dir/.bashrc", "dir/", ".bashrc", "dir", "");
        row("a/.b.c", "a/.b", ".b.c", "a", ".b");
        row("dir/", "dir/", "", ".", "");
        row("a/b/", "a/b/", "", "a", "");
        row("a//", "a//", "", ".", "");
        row("a.b/", "a.b/", "", ".", "");
        row("/", "/", "", "/", "");
        row("//", "//", "", "/", "");
        row("/abs", "/abs", "abs", "/", "abs");
        row("//x", "//x", "x", "/", "x");
        row("/abs/x.tar.gz", "/abs/x.tar", "x.tar.gz", "/abs", "x.tar");
        row("x.", "x", "x.", ".", "x");
        row("x.y.", "x.y", "x.y.", ".", "x.y");
        row("..", ".", "..", ".", ".");
        row(".", "", ".", ".", "");
        row("...", "..", "...", ".", "..");
        row("a/..", "a/.", "..", "a", ".");
        row("a//b", "a//b", "b", "a", "b");
        row("./x", "./x", "x", ".", "x");
        row("a/./b", "a/./b", "b", "a/.", "b");
        row("", "", "", ".", "");
        row("with space.txt", "with space", "with space.txt", ".", "with space");
        row("sp ace/dir name/f i.le", "sp ace/dir name/f i", "f i.le", "sp ace/dir name", "f i");
        row("it's.txt", "it's", "it's.txt", ".", "it's");
        row("say \"hi\".txt", "say \"hi\"", "say \"hi\".txt", ".", "say \"hi\"");
        row("$HOME.txt", "$HOME", "$HOME.txt", ".", "$HOME");
        row("a;b.txt", "a;b", "a;b.txt", ".", "a;b");
        row("a'; rm -rf ~; '.txt", "a'; rm -rf ~; '", "a'; rm -rf ~; '.txt", ".",
            "a'; rm -rf ~; '");
        row("line\nbreak.txt", "line\nbreak", "line\nbreak.txt", ".", "line\nbreak");
        row("-rf", "-rf", "-rf", ".", "-rf");
        row("-n.txt", "-n", "-n.txt", ".", "-n");
        row("caf\xe9.txt", "caf\xe9", "caf\xe9.txt", ".", "caf\xe9");
        row("d\xffir.d/f\xfe", "d\xffir.d/f\xfe", "f\xfe", "d\xffir.d", "f\xfe");
        row("tab\there.x", "tab\there", "tab\there.x", ".", "tab\there");
        row("back\\slash.y", "back\\slash", "back\\slash.y", ".", "back\\slash");
        row("star*.z", "star*", "star*.z", ".", "star*");
        row("{}.txt", "{}", "{}.txt", ".", "{}");
        row("br{ace}/x.y", "br{ace}/x", "x.y", "br{ace}", "x");
        row("a b/c d.e f", "a b/c d", "c d.e f", "a b", "c d");
    }
    void replacementStrings()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, noExtension);
        QFETCH(QByteArray, basename);
        QFETCH(QByteArray, dirname);
        QFETCH(QByteArray, baseNoExtension);

        const auto t = CommandTemplate::parse({"printf", "%s", "{}", "{.}", "{/}", "{//}", "{/.}"});
        const Args expected{"printf", "%s", input, noExtension, basename, dirname, baseNoExtension};
        QCOMPARE(t.expand({input}, 1, 1), expected);

        // The same through the numbered forms of source 1 and, counted from the end, -1.
        const auto numbered =
            CommandTemplate::parse({"{1}", "{1.}", "{1/}", "{1//}", "{1/.}", "{-1/.}"});
        QCOMPARE(numbered.expand({input}, 1, 1),
                 (Args{input, noExtension, basename, dirname, baseNoExtension, baseNoExtension}));

        // Affixes stick to the value; a value with spaces stays one argument.
        const auto affixed = CommandTemplate::parse({"cp", "--", "{}", "out/{/.}.bak"});
        QCOMPARE(affixed.expand({input}, 1, 1),
                 (Args{"cp", "--", input, "out/" + baseNoExtension + ".bak"}));
    }

    void severalSources_data()
    {
        QTest::addColumn<Args>("argv");
        QTest::addColumn<QList<Args>>("sources");
        QTest::addColumn<QList<Args>>("jobs");
        // From parallel -k -j1 --dry-run -q ARGV ::: … ::: …, each line split as the
        // shell would (the jobs in parallel's order: the first source varies slowest).
        auto addMulti = [](const Args &argv, const QList<Args> &sources, const QList<Args> &jobs) {
            QTest::addRow("%s", argv.join(' ').constData()) << argv << sources << jobs;
        };
        addMulti(
            {"echo", "{}"}, {{"a", "b"}, {"c x", "d"}},
            {{"echo", "a", "c x"}, {"echo", "a", "d"}, {"echo", "b", "c x"}, {"echo", "b", "d"}});
        addMulti(
            {"echo"}, {{"a", "b"}, {"c x", "d"}},
            {{"echo", "a", "c x"}, {"echo", "a", "d"}, {"echo", "b", "c x"}, {"echo", "b", "d"}});
        addMulti({"printf", "x{}y"}, {{"a"}, {"c x"}}, {{"printf", "xa", "c xy"}});
        addMulti({"echo", "{}{}"}, {{"a"}, {"b"}}, {{"echo", "a", "ba", "b"}});
        addMulti({"echo", "p{.}s", "{/}", "{//}", "{/.}"}, {{"a.b/c.d"}, {"e.f g.h"}},
                 {{"echo", "pa.b/c", "e.f gs", "c.d", "e.f g.h", "a.b", ".", "c", "e.f g"}});
        addMulti({"echo", "{1}", "{2.}", "{1/}", "{2//}", "{2/.}", "{#}", "{%}"},
                 {{"a.x", "b/c.y"}, {"d/e.z", "f"}},
                 {{"echo", "a.x", "d/e", "a.x", "d", "e", "1", "1"},
                  {"echo", "a.x", "f", "a.x", ".", "f", "2", "1"},
                  {"echo", "b/c.y", "d/e", "c.y", "d", "e", "3", "1"},
                  {"echo", "b/c.y", "f", "c.y", ".", "f", "4", "1"}});
        addMulti({"echo", "{-1}", "{-1.}", "{-2/}", "{1//}"}, {{"a.b/c.d"}, {"x/y.z"}},
                 {{"echo", "x/y.z", "x/y", "c.d", "a.b"}});
        addMulti({"echo", "{2}-{1}", "{#}"}, {{"a", "b"}, {"1", "2", "3"}},
                 {{"echo", "1-a", "1"},
                  {"echo", "2-a", "2"},
                  {"echo", "3-a", "3"},
                  {"echo", "1-b", "4"},
                  {"echo", "2-b", "5"},
                  {"echo", "3-b", "6"}});
        addMulti({"cmp", "--", "{1}", "{2}"}, {{"-x"}, {"./-y"}}, {{"cmp", "--", "-x", "./-y"}});
        addMulti({"echo", "{#}"}, {{"a", "b", "c"}}, {{"echo", "1"}, {"echo", "2"}, {"echo", "3"}});
        addMulti({"echo", "{}", "{}"}, {{"a b"}}, {{"echo", "a b", "a b"}});
        addMulti({"echo", "{1}{2}{3}"}, {{"a"}, {"b"}, {"c"}}, {{"echo", "abc"}});
    }
    void severalSources()
    {
        QFETCH(Args, argv);
        QFETCH(QList<Args>, sources);
        QFETCH(QList<Args>, jobs);

        const auto t =
            CommandTemplate::parse(argv, {.shell = false, .sources = int(sources.size())});
        // The cartesian product, first source slowest (InputPlan's order; tested there).
        QList<Args> combinations{{}};
        for (const Args &source : sources) {
            QList<Args> longer;
            for (const Args &prefix : combinations) {
                for (const QByteArray &value : source)
                    longer.append(prefix + Args{value});
            }
            combinations = longer;
        }
        QCOMPARE(combinations.size(), jobs.size());
        for (qsizetype i = 0; i < jobs.size(); ++i)
            QCOMPARE(t.expand(combinations[i], i + 1, 1), jobs[i]);
    }

    void appendsInputOnlyWithoutReplacementStrings()
    {
        const auto plain = CommandTemplate::parse({"gzip", "-k"});
        QVERIFY(plain.appendsInput());
        QCOMPARE(plain.sourcesUsed(), 1);
        QCOMPARE(plain.expand({"my file.txt"}, 1, 1), (Args{"gzip", "-k", "my file.txt"}));

        // {#} and {%} are replacement strings too: nothing is appended (as parallel).
        const auto numbered = CommandTemplate::parse({"echo", "job", "{#}", "slot", "{%}"});
        QVERIFY(!numbered.appendsInput());
        QVERIFY(numbered.usesSequence());
        QVERIFY(numbered.usesSlot());
        QCOMPARE(numbered.sourcesUsed(), 0);
        QCOMPARE(numbered.expand({"x"}, 1234567890123, 7),
                 (Args{"echo", "job", "1234567890123", "slot", "7"}));

        // An escaped brace is not a replacement string, so {} is appended after it.
        const auto escaped = CommandTemplate::parse({"echo", "\\{}"});
        QVERIFY(escaped.appendsInput());
        QCOMPARE(escaped.expand({"v"}, 1, 1), (Args{"echo", "{}", "v"}));

        const auto second = CommandTemplate::parse({"diff", "{2}", "x"}, {.sources = 3});
        QCOMPARE(second.sourcesUsed(), 2);
        QVERIFY(!second.usesSlot());
        QCOMPARE(second.expand({"a", "b", "c"}, 1, 1), (Args{"diff", "b", "x"}));
        // Missing inputs read as empty rather than crashing.
        QCOMPARE(second.expand({"a"}, 1, 1), (Args{"diff", "", "x"}));
    }

    void valuesArePassedAsTheyAre()
    {
        // No ./ before a leading dash (parallel adds none either): templates say "--".
        const auto t = CommandTemplate::parse({"rm", "--", "{}"});
        QCOMPARE(t.expand({"-rf"}, 1, 1), (Args{"rm", "--", "-rf"}));
        QCOMPARE(t.expand({""}, 1, 1), (Args{"rm", "--", ""}));
        // No quoting, no splitting, no globbing without a shell.
        const QByteArray odd = "a b'c\"d$e;f\ng*\xe9";
        QCOMPARE(t.expand({odd}, 1, 1), (Args{"rm", "--", odd}));
    }

    void literalBraces_data()
    {
        QTest::addColumn<Args>("argv");
        QTest::addColumn<Args>("expanded"); // with the input "IN"
        QTest::addRow("awk program")
            << Args{"awk", "{print $1}", "{}"} << Args{"awk", "{print $1}", "IN"};
        QTest::addRow("awk program, several") << Args{"awk", "BEGIN{n=0} {n++} END{print n}"}
                                              << Args{"awk", "BEGIN{n=0} {n++} END{print n}", "IN"};
        QTest::addRow("awk decrement") << Args{"awk", "{i--}"} << Args{"awk", "{i--}", "IN"};
        QTest::addRow("json") << Args{"curl", "-d", "{\"file\": \"x\", \"n\": 1}", "{}"}
                              << Args{"curl", "-d", "{\"file\": \"x\", \"n\": 1}", "IN"};
        QTest::addRow("json with {} inside")
            << Args{"echo", "{\"file\":\"{}\"}"} << Args{"echo", "{\"file\":\"IN\"}"};
        QTest::addRow("brace expansion") << Args{"echo", "{a,b}"} << Args{"echo", "{a,b}", "IN"};
        QTest::addRow("shell variable")
            << Args{"echo", "${HOME}", "${f%.gz}"} << Args{"echo", "${HOME}", "${f%.gz}", "IN"};
        QTest::addRow("space inside") << Args{"echo", "{ }"} << Args{"echo", "{ }", "IN"};
        QTest::addRow("escaped word") << Args{"awk", "\\{print}"} << Args{"awk", "{print}", "IN"};
        QTest::addRow("escaped interval")
            << Args{"grep", "-E", "x\\{2}", "{}"} << Args{"grep", "-E", "x{2}", "IN"};
        QTest::addRow("escaped lone braces")
            << Args{"sed", "s/\\{/[/;s/\\}/]/"} << Args{"sed", "s/{/[/;s/}/]/", "IN"};
        QTest::addRow("other backslashes kept")
            << Args{"printf", "\\t%s\\\\n"} << Args{"printf", "\\t%s\\\\n", "IN"};
        QTest::addRow("backslash before {}")
            << Args{"printf", "%s", "\\\\{}"} << Args{"printf", "%s", "\\IN"};
        QTest::addRow("backslash before escaped {}")
            << Args{"printf", "%s", "\\\\\\{}"} << Args{"printf", "%s", "\\{}", "IN"};
        QTest::addRow("regex interval")
            << Args{"sed", "s/a\\\\{2\\\\}/b/"} << Args{"sed", "s/a\\{2\\}/b/", "IN"};
        QTest::addRow("newer parallel's {+/} would be an error, {+x y} is text")
            << Args{"echo", "{+x y}"} << Args{"echo", "{+x y}", "IN"};
        QTest::addRow("balanced across arguments")
            << Args{"f()", "{", "echo", "{};", "}"} << Args{"f()", "{", "echo", "IN;", "}"};
        QTest::addRow("{} inside braces") << Args{"echo", "{{}}"} << Args{"echo", "{IN}"};
        QTest::addRow("dollar before {}") << Args{"echo", "${}"} << Args{"echo", "$IN"};
    }
    void literalBraces()
    {
        QFETCH(Args, argv);
        QFETCH(Args, expanded);
        QCOMPARE(CommandTemplate::parse(argv).expand({"IN"}, 1, 1), expanded);
    }

    void errors_data()
    {
        QTest::addColumn<Args>("argv");
        QTest::addColumn<int>("sources");
        QTest::addColumn<bool>("shell");
        QTest::addColumn<QString>("message"); // the whole message, or a part when it ends in "…"
        QTest::addColumn<int>("argument");
        QTest::addColumn<int>("position");

        auto add = [](const char *name, const Args &argv, int sources, bool shell,
                      const char *message, int argument, int position) {
            QTest::addRow("%s", name)
                << argv << sources << shell << QString::fromUtf8(message) << argument << position;
        };
        add("unknown word", {"gzip", "-k", "{x}"}, 1, false,
            "template \"gzip -k {x}\": unknown replacement string \"{x}\" in argument 3 at "
            "position 0 (write \\{ for a literal brace)",
            3, 0);
        add("unknown foo", {"cp", "{}", "out/{foo}"}, 1, false,
            "template \"cp {} out/{foo}\": unknown replacement string \"{foo}\" in argument 3 "
            "at position 4…",
            3, 4);
        add("typo .x", {"echo", "{.x}"}, 1, false, "…unknown replacement string \"{.x}\"…", 2, 0);
        add("typo /..", {"echo", "a{/..}"}, 1, false, "…\"{/..}\" in argument 2 at position 1…", 2,
            1);
        add("double hash", {"echo", "{##}"}, 1, false, "…unknown replacement string \"{##}\"…", 2,
            0);
        add("source 0", {"echo", "{0}"}, 1, false,
            "…\"{0}\" in argument 2 at position 0 (input sources are numbered from 1)", 2, 0);
        add("source 12 of 1", {"echo", "{12}"}, 1, false,
            "template \"echo {12}\": replacement string \"{12}\" names input source 12, but there "
            "is only 1 in argument 2 at position 0",
            2, 0);
        add("source 3 of 2", {"cmp", "{1}", "{3.}"}, 2, false,
            "…\"{3.}\" names input source 3, but there are only 2 in argument 3 at position 0", 3,
            0);
        add("source -3 of 2", {"cmp", "{-3}"}, 2, false,
            "…names input source -3, but there are "
            "only 2…",
            2, 0);
        add("percent in it", {"x", "{3%1}"}, 2, false,
            "template \"x {3%1}\": replacement string \"{3%1}\" names input source 3, but there "
            "are only 2 in argument 2 at position 0",
            2, 0);
        add("huge source", {"cmp", "{99999999999999999999}"}, 2, false, "…names input source…", 2,
            0);
        add("newer parallel's {+/}", {"echo", "{+/}"}, 1, false,
            "…unknown replacement string \"{+/}\"…", 2, 0);
        add("bare minus", {"echo", "{-}"}, 1, false, "…unknown replacement string \"{-}\"…", 2, 0);
        add("unclosed {", {"gzip", "{."}, 1, false,
            "template \"gzip {.\": unbalanced \"{\" in argument 2 at position 0 (nothing closes "
            "it; write \\{ for a literal brace)",
            2, 0);
        add("lone {", {"echo", "a", "{"}, 1, false,
            "…unbalanced \"{\" in argument 3 at position 0…", 3, 0);
        add("stray }", {"echo", "{}}"}, 1, false,
            "…unbalanced \"}\" in argument 2 at position 2 (nothing opens it; write \\} for a "
            "literal brace)",
            2, 2);
        add("extra {", {"echo", "{{}"}, 1, false, "…unbalanced \"{\" in argument 2 at position 0…",
            2, 0);
        add("perl expression", {"echo", "{= s/a/b/ =}"}, 1, false,
            "…unsupported replacement string \"{=…=}\" in argument 2 at position 0 (perl "
            "expressions are not supported)",
            2, 0);
        add("empty", {}, 1, false, "template \"\": no command given in argument 0 at position 0", 0,
            0);
        add("shell: backquotes", {"echo `basename {}`"}, 1, true,
            "…\"{}\" cannot be quoted safely inside `…`; use $(…) in argument 1 at position 15", 1,
            15);
        add("shell: $'…'", {"echo", "$'{}'"}, 1, true, "…cannot be quoted safely inside $'…'…", 2,
            2);
        add("shell: here-document", {"cat <<EOF\n{}\nEOF"}, 1, true,
            "…inside a here-document in argument 1 at position 10", 1, 10);
        add("shell: after $", {"echo", "${}"}, 1, true,
            "…\"{}\" right after \"$\" in argument 2 at position 1…", 2, 1);
        add("shell: unterminated quote", {"echo", "'{}"}, 1, true,
            "…unterminated ' quote in argument 2 at position 0…", 2, 0);
        add("shell: unterminated double", {"echo \"{}", "x"}, 1, true,
            "…unterminated \" quote in argument 1 at position 5…", 1, 5);
        add("shell: typo", {"gzip -k {x}"}, 1, true,
            "template \"gzip -k {x}\": unknown replacement string \"{x}\" in argument 1 at "
            "position 8…",
            1, 8);
    }
    void errors()
    {
        QFETCH(Args, argv);
        QFETCH(int, sources);
        QFETCH(bool, shell);
        QFETCH(QString, message);
        QFETCH(int, argument);
        QFETCH(int, position);
        try {
            CommandTemplate::parse(argv, {.shell = shell, .sources = sources});
            QFAIL("parse() accepted the template");
        } catch (const TemplateError &e) {
            const QString got = e.message();
            QString want = message;
            const bool head = want.endsWith(u'…') && !want.startsWith(u'…');
            const bool tail = want.startsWith(u'…') && !want.endsWith(u'…');
            const bool middle = want.startsWith(u'…') && want.endsWith(u'…');
            want.remove(0, (tail || middle) ? 1 : 0);
            if (head || middle)
                want.chop(1);
            const bool ok = head     ? got.startsWith(want)
                            : tail   ? got.endsWith(want)
                            : middle ? got.contains(want)
                                     : got == want;
            QVERIFY2(ok, qPrintable(QStringLiteral("got: %1\nwant: %2").arg(got, message)));
            QCOMPARE(e.argument(), argument);
            QCOMPARE(e.position(), position);
        }
    }

    void shellScripts_data()
    {
        QTest::addColumn<Args>("argv");
        QTest::addColumn<int>("sources");
        QTest::addColumn<Args>("inputs");
        QTest::addColumn<QByteArray>("script");
        QTest::addRow("unquoted") << Args{"gzip", "-k", "{}"} << 1 << Args{"it's"}
                                  << QByteArray("gzip -k 'it'\\''s'");
        QTest::addRow("appended") << Args{"wc -l"} << 1 << Args{"a b"} << QByteArray("wc -l 'a b'");
        QTest::addRow("appended, two sources")
            << Args{"echo"} << 2 << Args{"a", "b c"} << QByteArray("echo 'a' 'b c'");
        QTest::addRow("inside single quotes")
            << Args{"echo '<{}>'"} << 1 << Args{"it's"} << QByteArray("echo '<it'\\''s>'");
        QTest::addRow("inside double quotes") << Args{"echo", "\"{/}\""} << 1 << Args{"d/$x \"`\\"}
                                              << QByteArray("echo \"\\$x \\\"\\`\\\\\"");
        QTest::addRow("command substitution in double quotes")
            << Args{"echo \"$(basename {})\""} << 1 << Args{"a b"}
            << QByteArray("echo \"$(basename 'a b')\"");
        QTest::addRow("numbers anywhere")
            << Args{"echo '{#}' \"{%}\" {#}"} << 1 << Args{"x"} << QByteArray("echo '3' \"2\" 3");
        QTest::addRow("comment") << Args{"echo {} # was {}"} << 1 << Args{"a\nb"}
                                 << QByteArray("echo 'a\nb' # was a b");
        QTest::addRow("shell variable kept")
            << Args{"f={};", "echo", "\"${f%.gz}\""} << 1 << Args{"x.gz"}
            << QByteArray("f='x.gz'; echo \"${f%.gz}\"");
    }
    void shellScripts()
    {
        QFETCH(Args, argv);
        QFETCH(int, sources);
        QFETCH(Args, inputs);
        QFETCH(QByteArray, script);
        const auto t = CommandTemplate::parse(argv, {.shell = true, .sources = sources});
        QVERIFY(t.isShell());
        QCOMPARE(t.expand(inputs, 3, 2), (Args{"/bin/sh", "-c", script}));
    }

    void shellQuotingIsInert_data()
    {
        QTest::addColumn<QByteArray>("shell");
        QTest::addColumn<Args>("argv");
        QTest::addColumn<QByteArray>("prefix");
        QTest::addColumn<QByteArray>("suffix");
        const QList<QByteArray> shells{"/bin/sh", "/bin/bash"};
        for (const QByteArray &shell : shells) {
            if (::access(shell.constData(), X_OK) != 0)
                continue;
            auto add = [&](const char *name, const Args &argv, const QByteArray &prefix = {},
                           const QByteArray &suffix = {}) {
                QTest::addRow("%s %s", shell.constData(), name)
                    << shell << argv << prefix << suffix;
            };
            add("bare", {"printf", "%s", "{}"});
            add("appended", {"printf %s"});
            add("affixed", {"printf", "%s", "={}="}, "=", "=");
            add("in single quotes", {"printf %s '[{}]'"}, "[", "]");
            add("in double quotes", {"printf %s \"[{}]\""}, "[", "]");
            add("in $( ) in double quotes", {"printf %s \"$(printf %s {}.)\""}, {}, ".");
            add("then a comment", {"printf %s {} # {}"});
            add("several sources", {"printf", "%s/", "{1}", "{2}"}, {}, "/x/");
        }
    }
    void shellQuotingIsInert()
    {
        QFETCH(QByteArray, shell);
        QFETCH(Args, argv);
        QFETCH(QByteArray, prefix);
        QFETCH(QByteArray, suffix);
        const int sources = argv.contains("{2}") ? 2 : 1;
        const auto t = CommandTemplate::parse(argv, {.shell = true, .sources = sources});
        for (const QByteArray &name : hostileNames) {
            Args command = t.expand(sources == 2 ? Args{name, "x"} : Args{name}, 1, 1);
            QCOMPARE(command.size(), 3);
            command[0] = shell; // the same script under dash and bash
            int status = -1;
            const QByteArray out = runCaptured(command, &status);
            const QByteArray want = prefix + name + suffix;
            QVERIFY2(out == want, qPrintable(QStringLiteral("script %1 printed %2")
                                                 .arg(QString::fromUtf8(tag(command[2])),
                                                      QString::fromUtf8(tag(out)))));
            QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
    }

    void display_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QByteArray>("shown");
        QTest::addRow("plain") << QByteArray("photos/cat-1.jpg") << QByteArray("photos/cat-1.jpg");
        QTest::addRow("replacement strings")
            << QByteArray("out/{/.}.{#}") << QByteArray("out/{/.}.{#}");
        QTest::addRow("empty") << QByteArray() << QByteArray("''");
        QTest::addRow("space") << QByteArray("a b") << QByteArray("'a b'");
        QTest::addRow("quote") << QByteArray("it's") << QByteArray("'it'\\''s'");
        QTest::addRow("dollar") << QByteArray("$HOME") << QByteArray("'$HOME'");
        QTest::addRow("utf-8") << QByteArray("café") << QByteArray("'café'");
        QTest::addRow("leading hash") << QByteArray("#1") << QByteArray("'#1'");
        QTest::addRow("brace expansion") << QByteArray("{1..3}") << QByteArray("'{1..3}'");
        QTest::addRow("comma") << QByteArray("a,b") << QByteArray("'a,b'");
        QTest::addRow("newline") << QByteArray("a\nb") << QByteArray("$'a\\nb'");
        QTest::addRow("not utf-8") << QByteArray("caf\xe9.txt") << QByteArray("$'caf\\xe9.txt'");
        QTest::addRow("mixed") << QByteArray("é\x01'\\\xff") << QByteArray("$'é\\x01\\'\\\\\\xff'");
        QTest::addRow("overlong") << QByteArray("\xc0\xaf") << QByteArray("$'\\xc0\\xaf'");
        QTest::addRow("surrogate")
            << QByteArray("\xed\xa0\x80") << QByteArray("$'\\xed\\xa0\\x80'");
    }
    void display()
    {
        QFETCH(QByteArray, value);
        QFETCH(QByteArray, shown);
        QCOMPARE(CommandTemplate::displayQuote(value), shown);
    }

    void displayStrings()
    {
        QCOMPARE(CommandTemplate::parse({"convert", "{}", "-resize", "50%", "out dir/{/}"})
                     .toDisplayString(),
                 QByteArray("convert {} -resize 50% 'out dir/{/}'"));
        QCOMPARE(CommandTemplate::parse({"awk", "{print $1}"}).toDisplayString(),
                 QByteArray("awk '{print $1}'"));
        QCOMPARE(CommandTemplate::parse({"echo '{}' | wc -c"}, {.shell = true}).toDisplayString(),
                 QByteArray("echo '{}' | wc -c"));
        QCOMPARE(CommandTemplate::displayCommand({"rm", "--", "caf\xe9 x"}),
                 QByteArray("rm -- $'caf\\xe9 x'"));
        QCOMPARE(CommandTemplate::shellQuote("a'b"), QByteArray("'a'\\''b'"));
        QCOMPARE(CommandTemplate::shellQuote(""), QByteArray("''"));

        const CommandTemplate empty;
        QVERIFY(empty.isEmpty());
        QCOMPARE(empty.expand({"x"}, 1, 1), Args());
        QCOMPARE(empty.toDisplayString(), QByteArray());
        const auto t = CommandTemplate::parse({"echo"}, {.shell = true, .sources = 2});
        QCOMPARE(t.arguments(), Args{"echo"});
        QCOMPARE(t.options().sources, 2);
        QCOMPARE(t.sourcesUsed(), 2);
        const CommandTemplate copy = t; // copies share the parsed form
        QCOMPARE(copy.expand({"a", "b"}, 1, 1), t.expand({"a", "b"}, 1, 1));
    }
};

QTEST_GUILESS_MAIN(TestCommandTemplate)
#include "tst_commandtemplate.moc"
