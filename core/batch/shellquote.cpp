// SPDX-License-Identifier: GPL-3.0-or-later
// CommandTemplate's quoting helpers: for the shell that runs a job, and for people.
#include <jobpool/commandtemplate.h>

namespace jobpool {
namespace {

/// The length of the valid UTF-8 sequence at the start of \a v, or 0 if there is none.
qsizetype utf8Length(QByteArrayView v)
{
    const auto byte = [&](qsizetype i) { return uchar(v[i]); };
    const uchar lead = byte(0);
    if (lead < 0x80)
        return 1;
    qsizetype length = 0;
    uchar low = 0x80, high = 0xbf; // the range of the second byte
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        low = lead == 0xe0 ? 0xa0 : 0x80;  // no overlong forms
        high = lead == 0xed ? 0x9f : 0xbf; // no surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        low = lead == 0xf0 ? 0x90 : 0x80;
        high = lead == 0xf4 ? 0x8f : 0xbf; // nothing past U+10FFFF
    } else {
        return 0;
    }
    if (v.size() < length || byte(1) < low || byte(1) > high)
        return 0;
    for (qsizetype i = 2; i < length; ++i) {
        if (byte(i) < 0x80 || byte(i) > 0xbf)
            return 0;
    }
    return length;
}

bool isSafeChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
           || QByteArrayView("_-./:@%+={}#").contains(c);
}

enum class Form { Bare, SingleQuoted, AnsiC };

Form formFor(QByteArrayView v)
{
    if (v.isEmpty())
        return Form::SingleQuoted;
    bool bare = v[0] != '#' && !(v.contains('{') && v.contains(".."));
    for (qsizetype i = 0; i < v.size();) {
        const char c = v[i];
        if (uchar(c) < 0x20 || c == 0x7f)
            return Form::AnsiC;
        const qsizetype n = utf8Length(v.sliced(i));
        if (n == 0)
            return Form::AnsiC;
        bare = bare && n == 1 && isSafeChar(c);
        i += n;
    }
    return bare ? Form::Bare : Form::SingleQuoted;
}

} // namespace

QByteArray CommandTemplate::shellQuote(QByteArrayView value)
{
    QByteArray out;
    out.reserve(value.size() + 2);
    out += '\'';
    for (char c : value) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    out += '\'';
    return out;
}

QByteArray CommandTemplate::displayQuote(QByteArrayView value)
{
    switch (formFor(value)) {
    case Form::Bare:
        return value.toByteArray();
    case Form::SingleQuoted:
        return shellQuote(value);
    case Form::AnsiC:
        break;
    }
    static const char hex[] = "0123456789abcdef";
    QByteArray out = "$'";
    for (qsizetype i = 0; i < value.size();) {
        const char c = value[i];
        const qsizetype n = utf8Length(value.sliced(i));
        if (n > 1) { // readable text stays readable
            out += value.sliced(i, n);
            i += n;
            continue;
        }
        ++i;
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\\' || c == '\'') {
            out += '\\';
            out += c;
        } else if (n == 0 || uchar(c) < 0x20 || c == 0x7f) {
            out += "\\x";
            out += hex[uchar(c) >> 4];
            out += hex[uchar(c) & 0xf];
        } else {
            out += c;
        }
    }
    out += '\'';
    return out;
}

QByteArray CommandTemplate::displayCommand(const QList<QByteArray> &argv)
{
    QByteArray out;
    for (const QByteArray &argument : argv) {
        if (!out.isEmpty())
            out += ' ';
        out += displayQuote(argument);
    }
    return out;
}

} // namespace jobpool
