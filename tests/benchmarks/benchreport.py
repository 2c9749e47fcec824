# SPDX-License-Identifier: GPL-3.0-or-later
"""What the reports of the benchmark scripts that set JobPool beside Python share: reading
the programs' `case=NAME value=X` lines, ratios, and a markdown table with its number
columns right-aligned (common.sh runs the programs)."""

HIGHER, LOWER = "higher", "lower"


def parse(path, notes_from=("info case=", "error case=")):
    """The values by case name, and the note lines (those starting with `notes_from`)."""
    values, notes = {}, []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if line.startswith("case="):
                values[fields["case"]] = float(fields["value"])
            elif line.startswith(notes_from):
                notes.append(line.rstrip("\n"))
    return values, notes


def ratio(python, jobpool, better):
    """How many times better JobPool is: JobPool / Python for what is better higher,
    Python / JobPool for what is better lower; None without both figures."""
    if python is None or jobpool is None or python <= 0 or jobpool <= 0:
        return None
    return jobpool / python if better == HIGHER else python / jobpool


def print_table(table, right):
    """`table`: a header row, then rows of strings; `right`: the columns to right-align."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]

    def line(row):
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        return "| " + " | ".join(cells) + " |"

    print(line(table[0]))
    print("|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2))
                         for i, w in enumerate(widths)) + "|")
    for row in table[1:]:
        print(line(row))


def print_notes(python_notes, jobpool_notes):
    """The programs' notes and errors, in a fenced block, if there are any."""
    if python_notes or jobpool_notes:
        print()
        print("```")
        for note in python_notes:
            print("python   " + note)
        for note in jobpool_notes:
            print("jobpool  " + note)
        print("```")
