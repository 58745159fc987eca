#!/usr/bin/env python3
"""Extracts every C++ snippet of seqfuse's docs so that the build compiles it
and ctest runs it (tests/CMakeLists.txt, at configure time).

Snippets are ```cpp fenced blocks: in Markdown files as usual, in headers
inside a comment (each line starts with `//`, the fence too: `// ```cpp`).

- A snippet that has `int main(` or starts with `#include` is a translation
  unit of its own (seqfuse.h is included first when it does not include it);
  one without main is compiled, not run.
- Any other snippet is a function body: it becomes main's body, after
  `#include <seqfuse/seqfuse.h>` and `using namespace seqfuse;`.
- A statement followed by a claim comment `// name = [v0, v1, ...]` (or
  several, separated by commas) is followed by a check that the std::vector
  `name` holds exactly those values:
  the result the docs promise is the result the program gets.
- Snippets that include seqfuse/torch.h go to OUT/torch/ (built with g++ by
  the install test's consumer project, where libtorch is present).

Writes OUT/<file>_<line>.cpp and OUT/snippets.cmake, which sets
SEQFUSE_DOC_SNIPPETS to `name;kind;...` (kind: main or tu).
"""
import argparse
import os
import re
import sys

CLAIM = re.compile(r"^(\s*)(.*;)\s*//\s*((?:\w+\s*=\s*\[[^\]]*\]\s*,?\s*)+)$")
ONE_CLAIM = re.compile(r"(\w+)\s*=\s*\[([^\]]*)\]")

PRELUDE = """// Extracted from {src}:{line} by tests/docs/extract_snippets.py.
#include <seqfuse/seqfuse.h>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <vector>
template <class V, class T>
static void seqfuseSnippetClaim(const V &v, std::initializer_list<T> want, const char *what) {{
  bool same = v.size() == want.size();
  size_t i = 0;
  for (const T &w : want)
    same = same && i < v.size() && v[i++] == w;
  if (!same) {{
    std::fprintf(stderr, "{src}:%s: the docs' claim does not hold\\n", what);
    std::exit(1);
  }}
}}
#line {body_line} "{src}"
"""


def snippets(path, text):
    """Yields (first line number, code lines) of each ```cpp block."""
    lines = text.split("\n")
    header = not path.endswith(".md")
    i = 0
    while i < len(lines):
        line = lines[i]
        body = line
        if header:
            m = re.match(r"^\s*//+ ?(.*)$", line)
            if not m:
                i += 1
                continue
            body = m.group(1)
        if body.strip() == "```cpp":
            start = i + 2  # 1-based number of the first code line
            code = []
            i += 1
            while i < len(lines):
                b = lines[i]
                if header:
                    m = re.match(r"^\s*//+ ?(.*)$", b)
                    if not m:
                        sys.exit(f"{path}:{i + 1}: unterminated ```cpp block in a comment")
                    b = m.group(1)
                if b.strip() == "```":
                    break
                code.append(b)
                i += 1
            else:
                sys.exit(f"{path}:{start - 1}: unterminated ```cpp block")
            yield start, code
        i += 1


def with_claims(code, first_line):
    out = []
    for k, line in enumerate(code):
        m = CLAIM.match(line)
        if m:
            indent, stmt, claims = m.groups()
            line = indent + stmt
            for name, values in ONE_CLAIM.findall(claims):
                line += (f" seqfuseSnippetClaim({name}, {{{values}}}, "
                         f"\"{first_line + k}\");")
        out.append(line)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    os.makedirs(os.path.join(a.out, "torch"), exist_ok=True)
    for d in (a.out, os.path.join(a.out, "torch")):
        for f in os.listdir(d):
            if f.endswith(".cpp"):
                os.remove(os.path.join(d, f))
    entries = []
    for rel in a.files:
        path = os.path.join(a.root, rel)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for line, code in snippets(rel, text):
            joined = "\n".join(code)
            torch = "seqfuse/torch.h" in joined
            tu = "int main(" in joined or joined.lstrip().startswith("#include")
            name = re.sub(r"[^A-Za-z0-9]", "_", rel) + f"_{line}"
            src = path
            if not torch:
                code = with_claims(code, line)
            if tu:
                body = "\n".join(code)
                kind = "main" if "int main(" in joined else "tu"
                text = (f"// Extracted from {src}:{line} by tests/docs/extract_snippets.py.\n"
                        + ("" if "seqfuse/seqfuse.h" in joined
                           else "#include <seqfuse/seqfuse.h>\n"))
                if not torch:
                    text = PRELUDE.format(src=src, line=line, body_line=line)
                text += f"#line {line} \"{src}\"\n" + body + "\n"
            else:
                kind = "main"
                text = (PRELUDE.format(src=src, line=line, body_line=line - 2)
                        + "using namespace seqfuse;\nint main() {\n"
                        + "\n".join(code) + "\n  return 0;\n}\n")
            out = os.path.join(a.out, "torch" if torch else "", name + ".cpp")
            with open(out, "w", encoding="utf-8") as f:
                f.write(text)
            if not torch:
                entries += [name, kind]
    with open(os.path.join(a.out, "snippets.cmake"), "w", encoding="utf-8") as f:
        f.write("set(SEQFUSE_DOC_SNIPPETS " + " ".join(entries) + ")\n")
    if not entries:
        sys.exit("no snippets found")


if __name__ == "__main__":
    main()
