// SPDX-License-Identifier: GPL-3.0-or-later
#include "shellscanner.h"

#include <jobpool/commandtemplate.h>
#include <jobpool/errors.h>

#include <QString>

#include <vector>

namespace jobpool {

using detail::ShellScanner;

struct CommandTemplate::Data
{
    enum class Kind : quint8 { Literal, Value, Sequence, Slot };
    enum class Transform : quint8 { None, NoExtension, Basename, Dirname, BasenameNoExtension };
    struct Part
    {
        Kind kind = Kind::Literal;
        Transform transform = Transform::None;
        ShellScanner::Context context = ShellScanner::Context::Unquoted; ///< shell only
        int source = 0;  ///< 0: every source ({}, {.}, …); else 1-based
        QByteArray text; ///< Kind::Literal

        static Part of(Kind kind, QByteArray text = {})
        {
            Part part;
            part.kind = kind;
            part.text = std::move(text);
            return part;
        }
    };

    QList<QByteArray> argv;
    Options options;
    QList<QList<Part>> arguments; ///< argv's, then the appended {} if there is one
    bool usesSlot = false;
    bool usesSequence = false;
    bool appendsInput = false;
    int sourcesUsed = 0;
};

namespace {

using Data = CommandTemplate::Data;
using Context = ShellScanner::Context;

// The characters a replacement string is made of, and those a typo of one would use (after
// an optional leading '-' or '+': {-1}, and newer parallels' {+/}).
bool isReplacementChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
           || c == '.' || c == '/' || c == '#' || c == '%';
}

QByteArrayView basename(QByteArrayView v)
{
    return v.sliced(v.lastIndexOf('/') + 1); // parallel: s:.*/::
}

QByteArrayView withoutExtension(QByteArrayView v)
{
    // parallel: s:\.[^/.]*$:: — the last '.' unless a '/' follows it.
    const qsizetype dot = v.lastIndexOf('.');
    if (dot < 0 || v.sliced(dot).contains('/'))
        return v;
    return v.first(dot);
}

QByteArrayView dirname(QByteArrayView v)
{
    // POSIX dirname(3), which is what parallel's File::Basename gives on Linux.
    qsizetype end = v.size();
    while (end > 1 && v[end - 1] == '/')
        --end;
    if (end == 0 || (end == 1 && v[0] != '/'))
        return ".";
    if (end == 1)
        return "/";
    end = v.first(end).lastIndexOf('/');
    if (end < 0)
        return ".";
    while (end > 0 && v[end - 1] == '/')
        --end;
    return end == 0 ? QByteArrayView("/") : v.first(end);
}

QByteArrayView transformed(QByteArrayView v, Data::Transform t)
{
    switch (t) {
    case Data::Transform::None:
        return v;
    case Data::Transform::NoExtension:
        return withoutExtension(v);
    case Data::Transform::Basename:
        return basename(v);
    case Data::Transform::Dirname:
        return dirname(v);
    case Data::Transform::BasenameNoExtension:
        return withoutExtension(basename(v));
    }
    return v;
}

void appendQuoted(QByteArray &out, QByteArrayView v, Context context)
{
    switch (context) {
    case Context::Unquoted:
        out += CommandTemplate::shellQuote(v);
        return;
    case Context::Single: // close the template's quote, escape ', reopen
        for (char c : v) {
            if (c == '\'')
                out += "'\\''";
            else
                out += c;
        }
        return;
    case Context::Double:
        for (char c : v) {
            if (c == '\\' || c == '"' || c == '$' || c == '`')
                out += '\\';
            out += c;
        }
        return;
    case Context::Comment: // only has to stay on the comment's line
        for (char c : v)
            out += c == '\n' ? ' ' : c;
        return;
    case Context::Backquote:
    case Context::DollarSingle:
    case Context::HereDoc:
        break; // parse() refuses values here
    }
    Q_UNREACHABLE();
}

class Parser
{
public:
    Parser(const QList<QByteArray> &argv, const CommandTemplate::Options &options, Data &d)
        : m_argv(argv)
        , m_options(options)
        , m_d(d)
        , m_display(QString::fromUtf8(options.shell ? argv.join(' ')
                                                    : CommandTemplate::displayCommand(argv)))
    {}

    void run()
    {
        if (m_argv.isEmpty())
            fail(QStringLiteral("no command given"), 0, 0);
        for (int a = 0; a < m_argv.size(); ++a) {
            if (a > 0)
                literal(' ', a - 1, int(m_argv[a - 1].size())); // the shell's view: joined
            m_d.arguments.append(argument(a));
        }
        if (!m_openBraces.empty()) {
            const auto [a, p] = m_openBraces.back();
            fail(QStringLiteral("unbalanced \"{\""), a + 1, p,
                 QStringLiteral("nothing closes it; write \\{ for a literal brace"));
        }
        if (!m_anyReplacement) {
            // As parallel: a template without replacement strings gets {} appended.
            const int a = int(m_argv.size());
            literal(' ', a - 1, int(m_argv.back().size()));
            Data::Part part = Data::Part::of(Data::Kind::Value);
            checkPlace(part, QByteArrayLiteral("{}"), a, 0);
            m_d.arguments.append({part});
            m_d.appendsInput = true;
            m_d.sourcesUsed = m_options.sources;
        }
        ShellScanner::Open open;
        if (m_options.shell && m_scanner.unterminated(&open)) {
            fail(QStringLiteral("unterminated %1 quote").arg(QLatin1Char(open.quote)),
                 open.argument + 1, open.position,
                 QStringLiteral("the shell would fail on every job"));
        }
    }

private:
    [[noreturn]] void fail(const QString &problem, int argument, int position,
                           const QString &hint = {}) const
    {
        throw TemplateError(m_display, problem, argument, position, hint);
    }

    void literal(char c, int a, int p)
    {
        if (m_options.shell)
            m_scanner.feed(QByteArrayView(&c, 1), a, p);
    }

    QList<Data::Part> argument(int a)
    {
        const QByteArray &s = m_argv[a];
        QList<Data::Part> parts;
        QByteArray text;
        auto put = [&](char c, qsizetype p) {
            text += c;
            literal(c, a, int(p));
        };
        auto flush = [&] {
            if (!text.isEmpty())
                parts.append(Data::Part::of(Data::Kind::Literal, std::exchange(text, {})));
        };
        for (qsizetype p = 0; p < s.size(); ++p) {
            const char c = s[p];
            if (c == '\\') {
                // Backslashes matter only before a brace: there each pair is one
                // backslash, and an odd one makes the brace literal (and uncounted).
                qsizetype run = 1;
                while (p + run < s.size() && s[p + run] == '\\')
                    ++run;
                const bool beforeBrace =
                    p + run < s.size() && (s[p + run] == '{' || s[p + run] == '}');
                for (qsizetype i = 0; i < (beforeBrace ? run / 2 : run); ++i)
                    put('\\', p + i);
                p += run - 1;
                if (beforeBrace && run % 2 == 1) {
                    // Escaped: a lone brace, or all of what would be a replacement string.
                    const qsizetype end = s[p + 1] == '{' ? shapeEnd(s, p + 1) : -1;
                    for (const qsizetype last = end < 0 ? p + 1 : end; p < last;) {
                        ++p;
                        put(s[p], p);
                    }
                }
                continue;
            }
            if (c == '}') {
                if (m_openBraces.empty()) {
                    fail(QStringLiteral("unbalanced \"}\""), a + 1, int(p),
                         QStringLiteral("nothing opens it; write \\} for a literal brace"));
                }
                m_openBraces.pop_back();
                put(c, p);
            } else if (c == '{') {
                const qsizetype close = replacementEnd(s, a, p);
                if (close < 0) {
                    m_openBraces.push_back({a, int(p)});
                    put(c, p);
                    continue;
                }
                const QByteArray written = s.sliced(p, close + 1 - p);
                Data::Part part = replacement(written, a, int(p));
                flush();
                checkPlace(part, written, a, int(p));
                parts.append(part);
                p = close;
            } else {
                put(c, p);
            }
        }
        flush();
        return parts;
    }

    /// Where the replacement string starting with the '{' at \a p ends, or -1 when the
    /// brace is literal text (see the class comment for the rule).
    qsizetype replacementEnd(const QByteArray &s, int a, qsizetype p) const
    {
        if (p + 1 < s.size() && s[p + 1] == '=' && s.indexOf("=}", p + 2) >= 0) {
            fail(QStringLiteral("unsupported replacement string \"{=…=}\""), a + 1, int(p),
                 QStringLiteral("perl expressions are not supported"));
        }
        const qsizetype q = shapeEnd(s, p);
        if (q > p + 1 && p > 0 && s[p - 1] == '$')
            return -1; // ${HOME}, ${f%.gz}: the shell's, not ours
        return q;
    }

    /// The '}' ending what has the shape of a replacement string at \a p, or -1.
    static qsizetype shapeEnd(const QByteArray &s, qsizetype p)
    {
        qsizetype q = p + 1;
        if (q < s.size() && (s[q] == '-' || s[q] == '+'))
            ++q;
        while (q < s.size() && isReplacementChar(s[q]))
            ++q;
        return q < s.size() && s[q] == '}' ? q : -1;
    }

    Data::Part replacement(const QByteArray &written, int a, int p)
    {
        m_anyReplacement = true;
        const QByteArrayView body = QByteArrayView(written).sliced(1, written.size() - 2);
        if (body == "#") {
            m_d.usesSequence = true;
            return Data::Part::of(Data::Kind::Sequence);
        }
        if (body == "%") {
            m_d.usesSlot = true;
            return Data::Part::of(Data::Kind::Slot);
        }
        const QString unknown =
            QStringLiteral("unknown replacement string \"%1\"").arg(QString::fromUtf8(written));
        const QString literalHint = QStringLiteral("write \\{ for a literal brace");
        Data::Part part = Data::Part::of(Data::Kind::Value);
        qsizetype i = 0;
        const bool fromEnd = body.startsWith('-');
        if (fromEnd)
            ++i;
        const qsizetype digits = i;
        while (i < body.size() && body[i] >= '0' && body[i] <= '9')
            ++i;
        if (fromEnd && i == digits)
            fail(unknown, a + 1, p, literalHint);
        if (i > digits) {
            const QByteArrayView number = body.sliced(digits, i - digits);
            const qint64 n = number.size() > 9 ? Q_INT64_C(1) << 40 : number.toLongLong();
            if (n == 0)
                fail(unknown, a + 1, p, QStringLiteral("input sources are numbered from 1"));
            if (n > m_options.sources) {
                // One arg() pass: what was written may itself contain "%1".
                fail(QStringLiteral("replacement string \"%1\" names input source %2, but there "
                                    "%3 %4")
                         .arg(QString::fromUtf8(written),
                              (fromEnd ? QStringLiteral("-") : QString()) + QString::number(n),
                              m_options.sources == 1 ? QStringLiteral("is only")
                                                     : QStringLiteral("are only"),
                              QString::number(m_options.sources)),
                     a + 1, p);
            }
            part.source = fromEnd ? int(m_options.sources + 1 - n) : int(n);
            m_d.sourcesUsed = qMax(m_d.sourcesUsed, part.source);
        } else {
            m_d.sourcesUsed = m_options.sources;
        }
        const QByteArrayView suffix = body.sliced(i);
        if (suffix.isEmpty())
            part.transform = Data::Transform::None;
        else if (suffix == ".")
            part.transform = Data::Transform::NoExtension;
        else if (suffix == "/")
            part.transform = Data::Transform::Basename;
        else if (suffix == "//")
            part.transform = Data::Transform::Dirname;
        else if (suffix == "/.")
            part.transform = Data::Transform::BasenameNoExtension;
        else
            fail(unknown, a + 1, p, literalHint);
        return part;
    }

    /// Where a --shell value lands decides how it is quoted; some places cannot be made safe.
    void checkPlace(Data::Part &part, const QByteArray &written, int a, int p)
    {
        if (!m_options.shell)
            return;
        const Context context = m_scanner.context();
        const QString name = QString::fromUtf8(written);
        if (context != Context::Single && (m_scanner.afterDollar() || m_scanner.afterBackslash()))
            fail(QStringLiteral("\"%1\" right after \"%2\"")
                     .arg(name,
                          m_scanner.afterDollar() ? QStringLiteral("$") : QStringLiteral("\\")),
                 a + 1, p, QStringLiteral("the shell would not see the value as one word"));
        if (part.kind == Data::Kind::Value) {
            QString where;
            if (context == Context::Backquote)
                where = QStringLiteral("inside `…`; use $(…)");
            else if (context == Context::DollarSingle)
                where = QStringLiteral("inside $'…'");
            else if (context == Context::HereDoc)
                where = QStringLiteral("inside a here-document");
            if (!where.isEmpty())
                fail(QStringLiteral("\"%1\" cannot be quoted safely %2").arg(name, where), a + 1,
                     p);
            part.context = context;
        }
        m_scanner.valueInserted();
    }

    const QList<QByteArray> &m_argv;
    const CommandTemplate::Options m_options;
    Data &m_d;
    const QString m_display;
    ShellScanner m_scanner;
    std::vector<std::pair<int, int>> m_openBraces; ///< (argument, position), 0-based
    bool m_anyReplacement = false;
};

} // namespace

CommandTemplate::CommandTemplate() = default;
CommandTemplate::~CommandTemplate() = default;
CommandTemplate::CommandTemplate(const CommandTemplate &) = default;
CommandTemplate &CommandTemplate::operator=(const CommandTemplate &) = default;
CommandTemplate::CommandTemplate(CommandTemplate &&) noexcept = default;
CommandTemplate &CommandTemplate::operator=(CommandTemplate &&) noexcept = default;

CommandTemplate CommandTemplate::parse(const QList<QByteArray> &argv)
{
    return parse(argv, Options{});
}

CommandTemplate CommandTemplate::parse(const QList<QByteArray> &argv, const Options &options)
{
    auto data = std::make_shared<Data>();
    data->argv = argv;
    data->options = options;
    data->options.sources = qMax(1, options.sources);
    Parser(argv, data->options, *data).run();
    CommandTemplate t;
    t.d = std::move(data);
    return t;
}

QList<QByteArray> CommandTemplate::expand(const QList<QByteArray> &inputs, qint64 seq,
                                          int slot) const
{
    if (!d)
        return {};
    const int sources = d->options.sources;
    auto input = [&](int index) { // 0-based
        return index < inputs.size() ? QByteArrayView(inputs[index]) : QByteArrayView();
    };
    if (d->options.shell) {
        QByteArray script;
        for (const QList<Data::Part> &argument : d->arguments) {
            if (!script.isEmpty())
                script += ' ';
            for (const Data::Part &part : argument) {
                switch (part.kind) {
                case Data::Kind::Literal:
                    script += part.text;
                    break;
                case Data::Kind::Sequence:
                    script += QByteArray::number(seq);
                    break;
                case Data::Kind::Slot:
                    script += QByteArray::number(slot);
                    break;
                case Data::Kind::Value:
                    for (int i = part.source ? part.source - 1 : 0;
                         i < (part.source ? part.source : sources); ++i) {
                        if (i > (part.source ? part.source - 1 : 0))
                            script += ' ';
                        appendQuoted(script, transformed(input(i), part.transform), part.context);
                    }
                    break;
                }
            }
        }
        return {QByteArrayLiteral("/bin/sh"), QByteArrayLiteral("-c"), script};
    }

    QList<QByteArray> argv;
    argv.reserve(d->arguments.size() + sources - 1);
    for (const QList<Data::Part> &argument : d->arguments) {
        argv.append(QByteArray());
        for (const Data::Part &part : argument) {
            switch (part.kind) {
            case Data::Kind::Literal:
                argv.last() += part.text;
                break;
            case Data::Kind::Sequence:
                argv.last() += QByteArray::number(seq);
                break;
            case Data::Kind::Slot:
                argv.last() += QByteArray::number(slot);
                break;
            case Data::Kind::Value:
                if (part.source > 0) {
                    argv.last() += transformed(input(part.source - 1), part.transform);
                    break;
                }
                // Every source, each its own word, as the shell would split parallel's.
                for (int i = 0; i < sources; ++i) {
                    if (i > 0)
                        argv.append(QByteArray());
                    argv.last() += transformed(input(i), part.transform);
                }
                break;
            }
        }
    }
    return argv;
}

bool CommandTemplate::isEmpty() const
{
    return !d;
}

bool CommandTemplate::isShell() const
{
    return d && d->options.shell;
}

CommandTemplate::Options CommandTemplate::options() const
{
    return d ? d->options : Options{};
}

QList<QByteArray> CommandTemplate::arguments() const
{
    return d ? d->argv : QList<QByteArray>();
}

int CommandTemplate::sourcesUsed() const
{
    return d ? d->sourcesUsed : 0;
}

bool CommandTemplate::usesSlot() const
{
    return d && d->usesSlot;
}

bool CommandTemplate::usesSequence() const
{
    return d && d->usesSequence;
}

bool CommandTemplate::appendsInput() const
{
    return d && d->appendsInput;
}

QByteArray CommandTemplate::toDisplayString() const
{
    if (!d)
        return {};
    return d->options.shell ? d->argv.join(' ') : displayCommand(d->argv);
}

} // namespace jobpool
