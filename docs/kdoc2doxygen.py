#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Doxygen input filter: genpt's kernel-doc header comments -> Doxygen.

The public headers are written in the Linux kernel-doc style, which reads
well as plain text; Doxygen runs them through this filter (docs/Doxyfile,
FILTER_PATTERNS) instead of the headers changing shape.  It prints the
header to stdout with:

  - "/** name() - text", "/** struct name - text", "/** NAME - text":
    the "name - " prefix dropped (Doxygen knows what it documents);
  - "@field: text" lines of a comment that precedes a struct, union or
    enum: removed from the comment and attached to the members of that
    name as trailing "/**< text */" docs (a member with a plain trailing
    comment gets both texts);  "@name: text" lines before a function become
    "\\param name text";
  - a function's "Return: text" section becomes "\\return text", and its
    "-EXXX: text" lines "\\retval -EXXX text" (the table of error values);
  - inline "@name" -> "\\p name";
  - inside struct/union/enum bodies, and after a #define, a trailing plain
    "/* text */" becomes "/**< text */";
  - a plain comment directly above a run of #defines becomes a named member
    group ("\\name first line", "@{" ... "@}") whose text documents each
    of them;
  - the first plain comment of the form "genpt/x.h - text" becomes the
    file's documentation ("\\file").

Line numbers are kept (every output line matches an input line), so
Doxygen's warnings point at the real header lines.

Markdown pages (docs/*.md) go through it too: their first heading gets a
label from the file name and plain text (filter_markdown).

Usage: kdoc2doxygen.py HEADER|PAGE.md
"""
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
NAME_PREFIX = re.compile(r"^(\s*(?:/\*\*|\*)\s*)(?:(?:struct|union|enum)\s+)?" + IDENT +
                         r"(?:\(\))?\s+-\s+")
FIELD = re.compile(r"^\s*\*\s+(@" + IDENT + r"(?:\s*,\s*@" + IDENT + r")*)\s*:\s?(.*)$")
INLINE_AT = re.compile(r"@(" + IDENT + r")")
# "Return: text" starts a function's return section; inside it, lines
# "-EINVAL: text" (or "-EINVAL, -ERANGE: text") are its error values.
RETURN = re.compile(r"^(\s*\*\s*)Return:\s*(.*)$")
ERRNO_LINE = re.compile(r"^(\s*\*\s*)(-E[A-Z0-9]+(?:\s*,\s*-E[A-Z0-9]+)*)\s*:\s*(.*)$")
TRAILING_PLAIN = re.compile(r"/\*(?![*!])(.*?)\*/\s*$")
AGGREGATE = re.compile(r"^\s*(typedef\s+)?(struct|union|enum)\b[^;]*\{\s*$")
AGGREGATE_OPEN = re.compile(r"^\s*(typedef\s+)?(struct|union|enum)\b[^;(]*$")


def at_to_p(text):
    """Inline @name -> \\p name (in documentation text only)."""
    return INLINE_AT.sub(lambda m: "\\p " + m.group(1), text)


def return_line(text, in_return):
    """A line of a function comment's return section, in Doxygen's syntax
    ("Return: x" -> "\\return x", "-EINVAL: x" -> "\\retval -EINVAL x"), or
    None for any other line; and whether the section is open after it."""
    sect = RETURN.match(text)
    if sect:
        return sect.group(1) + "\\return " + at_to_p(sect.group(2)), True
    err = ERRNO_LINE.match(text) if in_return else None
    if err:
        codes = re.sub(r"\s+", "", err.group(2))
        return err.group(1) + "\\retval " + codes + " " + at_to_p(err.group(3)), True
    return None, in_return


def member_name(line):
    """The member a declaration line declares, or None."""
    code = re.sub(r"/\*.*?\*/", "", line).strip()
    if not code or code.startswith("#") or code.startswith("}"):
        return None
    m = re.search(r"\(\s*\*\s*(" + IDENT + r")\s*\)", code)  # function pointer
    if m:
        return m.group(1)
    m = re.match(r"^(" + IDENT + r")\s*(=|,|$)", code)  # enumerator
    if m:
        return m.group(1)
    code = re.sub(r"\[[^\]]*\]", "", code)  # arrays
    code = re.sub(r":\s*\d+\s*;", ";", code)  # bit-fields
    m = re.search(r"(" + IDENT + r")\s*;\s*$", code)
    return m.group(1) if m else None


def filter_lines(lines):
    out = list(lines)
    n = len(lines)
    i = 0
    file_doc_done = False
    in_body = 0          # brace depth inside a documented aggregate
    body_fields = {}     # member -> text, for the aggregate being read
    group_open = False
    group_first = False
    group_title = ""

    while i < n:
        line = lines[i]
        stripped = line.strip()

        # ---- a doc comment: /** ... */ ---------------------------------
        if stripped.startswith("/**") and not stripped.startswith("/**<"):
            start = i
            while "*/" not in lines[i]:
                i += 1
            end = i
            # what follows the comment
            j = end + 1
            while j < n and not lines[j].strip():
                j += 1
            follow = lines[j] if j < n else ""
            aggregate = bool(AGGREGATE.match(follow) or AGGREGATE_OPEN.match(follow))
            fields = {}
            cur = None
            in_return = False
            for k in range(start, end + 1):
                text = lines[k]
                if k == start or (k == start + 1 and lines[start].strip() == "/**"):
                    text = NAME_PREFIX.sub(r"\1", text)
                if not aggregate and k > start:
                    ret, in_return = return_line(text, in_return)
                    if ret is not None:
                        out[k] = ret
                        cur = None
                        continue
                m = FIELD.match(text) if k > start else None
                if m:
                    names = [x.strip()[1:] for x in m.group(1).split(",")]
                    cur = (names, [m.group(2).strip()])
                    for nm in names:
                        fields[nm] = cur[1]
                    if aggregate:
                        text = " *" if k != end else " */"
                    else:
                        lead = re.match(r"^\s*\*\s?", text).group(0)
                        text = lead + "\\param " + ",".join(names) + " " + at_to_p(m.group(2))
                    out[k] = text
                    continue
                body = re.sub(r"^\s*\*\s?", "", text).strip().rstrip("*/").strip()
                if cur and k > start and body and re.match(r"^\s*\*\s{2,}", text):
                    # continuation of the current field
                    cur[1].append(body)
                    if aggregate:
                        out[k] = " *" if k != end else " */"
                        continue
                else:
                    cur = None
                out[k] = at_to_p(text)
            if aggregate:
                body_fields = {k: " ".join(v) for k, v in fields.items()}
            i = end + 1
            continue

        # ---- a plain comment ----------------------------------------------
        if stripped.startswith("/*") and not stripped.startswith("/**") and in_body == 0:
            start = i
            while "*/" not in lines[i]:
                i += 1
            end = i
            first = re.sub(r"^\s*/\*\s?", "", lines[start]).replace("*/", "").strip()
            if start == end:
                pass
            elif not first and start + 1 <= end:
                first = re.sub(r"^\s*\*\s?", "", lines[start + 1]).strip()
            nxt = lines[end + 1] if end + 1 < n else ""
            if not file_doc_done and re.match(r"^genpt/\w+\.h - ", first):
                file_doc_done = True
                out[start] = lines[start].replace("/*", "/** \\file", 1)
                for k in range(start, end + 1):
                    out[k] = at_to_p(out[k])
                i = end + 1
                continue
            named = re.match(r"^(" + IDENT + r")\s+-\s+", first)
            if nxt.startswith("#define") and named and \
                    re.match(r"^#define\s+" + named.group(1) + r"\b", nxt):
                # "/* NAME - text */" above "#define NAME": its documentation
                close = "/**@}*/ " if group_open else ""
                group_open = False
                out[start] = close + NAME_PREFIX.sub(r"\1", lines[start].replace("/*", "/**", 1))
                for k in range(start + 1, end + 1):
                    out[k] = at_to_p(NAME_PREFIX.sub(r"\1", lines[k]) if k == start + 1 else lines[k])
                out[start] = at_to_p(out[start])
                i = end + 1
                continue
            if nxt.startswith("#define") and not first.startswith("SPDX"):
                close = "/**@}*/ " if group_open else ""
                if start == end:
                    title = re.sub(r"^\s*/\*\s?(.*?)\s*\*/\s*$", r"\1", lines[start])
                    out[start] = close + "/** \\name " + at_to_p(title) + " */ /**@{*/"
                else:
                    # title: the first sentence; the rest of its line stays
                    m = re.match(r"^(.*?\.)\s+(.*)$", first)
                    title, rest = (m.group(1), m.group(2)) if m else (first, "")
                    bare = not re.sub(r"^\s*/\*\s?", "", lines[start]).strip()
                    out[start] = close + "/** \\name " + at_to_p(title)
                    for k in range(start + 1, end):
                        out[k] = at_to_p(lines[k])
                    if bare:
                        out[start + 1] = " * " + at_to_p(rest)
                    elif rest:
                        out[start] += " "  # (one-line title: rest is lost)
                    out[end] = lines[end].replace("*/", "*/ /**@{*/")
                group_open = True
                group_title = title
                group_first = True
            i = end + 1
            continue

        # ---- the end of a run of #defines closes its group -------------------
        # (a blank line does not end it when another #define follows)
        if group_open and not stripped.startswith("#define") and \
                not (lines[i - 1].rstrip().endswith("\\") if i else False):
            j = i
            while j < n and not lines[j].strip():
                j += 1
            if stripped or j >= n or not lines[j].startswith("#define"):
                out[i] = "/**@}*/" + (" " + line if stripped else "")
                group_open = False

        # ---- aggregate bodies ---------------------------------------------------
        if in_body == 0 and (AGGREGATE.match(line) or
                             (AGGREGATE_OPEN.match(line) and i + 1 < n and
                              lines[i + 1].strip() == "{")):
            in_body = line.count("{") - line.count("}")
            if in_body <= 0:
                in_body = 0
            i += 1
            continue
        if in_body > 0:
            if stripped == "{":
                in_body += 1
                i += 1
                continue
            name = member_name(line)
            doc = body_fields.get(name) if name else None
            m = TRAILING_PLAIN.search(line)
            if m and not stripped.startswith("/*"):
                text = m.group(1).strip()
                if doc:
                    text = doc + " " + text
                out[i] = line[:m.start()] + "/**< " + at_to_p(text) + " */"
            elif doc and name:
                out[i] = line.rstrip() + " /**< " + at_to_p(doc) + " */"
            elif stripped.startswith("/*") and not stripped.startswith("/**"):
                out[i] = line.replace("/*", "/**", 1)
            in_body += line.count("{") - line.count("}")
            if in_body <= 0:
                in_body = 0
                body_fields = {}
            i += 1
            continue

        # ---- trailing comments on #defines ---------------------------------------
        if stripped.startswith("#define"):
            m = TRAILING_PLAIN.search(line)
            if m:
                out[i] = line[:m.start()] + "/**< " + at_to_p(m.group(1).strip()) + " */"
            elif group_open and group_first and "/**<" not in line and \
                    not line.rstrip().endswith("\\"):
                # the group's first member carries the group's text, which
                # Doxygen hands on to the other undocumented members
                out[i] = line.rstrip() + " /**< " + at_to_p(group_title) + " */"
            if group_open:
                group_first = False
        i += 1

    if group_open:
        out.append("/**@}*/")
    return out


def filter_markdown(lines, path):
    """A Markdown page: its first heading gets the label of the file's name
    (so the page is "guide.html", not a name made from the build path) and
    loses its inline markup (a page title is plain text: HTML <title>, the
    navigation tree)."""
    out = list(lines)
    for i, line in enumerate(lines):
        m = re.match(r"^#\s+(.*?)\s*$", line)
        if not m:
            continue
        title = m.group(1)
        if "{#" not in title:
            label = re.sub(r"\W", "_", path.rsplit("/", 1)[-1].rsplit(".", 1)[0])
            title = re.sub(r"[`*]", "", title) + " {#" + label + "}"
        out[i] = "# " + title
        break
    return out


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: kdoc2doxygen.py HEADER|PAGE.md\n")
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.read().split("\n")
    if sys.argv[1].endswith(".md"):
        sys.stdout.write("\n".join(filter_markdown(lines, sys.argv[1])))
    else:
        sys.stdout.write("\n".join(filter_lines(lines)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
