#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""rstcheck.py SRC FILE.rst... - our documentation renders, without Sphinx.

Each file is parsed with docutils (Debian python3-docutils); any warning or
error docutils reports is a problem.  The kernel's ``.. kernel-doc::``
directive is checked, not rendered: scripts/kernel-doc in SRC must find
every DOC section, exported function or function it names, with no
warning.  Prints one line per problem and "rstcheck: N problems" last;
exit 1 on any.
"""
import os
import re
import subprocess
import sys

from docutils import nodes, utils
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives

SRC = sys.argv[1] if len(sys.argv) > 1 else "."
problems = []


def kernel_doc(args, path):
    res = subprocess.run(["perl", "scripts/kernel-doc", "-rst"] + args +
                         [path], cwd=SRC, text=True, capture_output=True)
    noise = [ln for ln in res.stderr.splitlines()
             if ln.strip() and not ln.startswith("Warning: Sphinx")]
    return res.stdout, noise


class KernelDoc(Directive):
    """Checks what ``.. kernel-doc::`` would pull in; renders nothing."""
    required_arguments = 1
    option_spec = {"doc": directives.unchanged_required,
                   "functions": directives.unchanged,
                   "identifiers": directives.unchanged,
                   "export": directives.unchanged,
                   "internal": directives.unchanged}

    def run(self):
        path, opts = self.arguments[0], self.options
        where = "%s:%d" % (self.state.document.current_source, self.lineno)
        if not os.path.isfile(os.path.join(SRC, path)):
            problems.append("%s: kernel-doc: no file %s" % (where, path))
            return []
        names = (opts.get("functions") or opts.get("identifiers") or "")
        if "doc" in opts:
            args, want = ["-function", opts["doc"]], []
        elif "export" in opts or "internal" in opts:
            kind = "export" if "export" in opts else "internal"
            want = []
            args = ["-" + kind] + [a for f in (opts[kind] or "").split()
                                   for a in ("-export-file", f)]
        else:
            want = names.split()
            args = [a for n in want for a in ("-function", n)]
        out, noise = kernel_doc(args, path)
        for line in noise:
            problems.append("%s: kernel-doc: %s" % (where, line))
        if not out.strip():
            problems.append("%s: kernel-doc %s %s extracts nothing" %
                            (where, " ".join(args), path))
        for name in want:
            if not re.search(r"^\.\. c:\w+:: .*\b%s \(" % re.escape(name),
                             out, re.M):
                problems.append("%s: kernel-doc: %s not in %s" %
                                (where, name, path))
        return []


def check(path):
    with open(path) as f:
        text = f.read()
    doctree = publish_doctree(text, source_path=path, settings_overrides={
        "report_level": 5, "halt_level": 5, "file_insertion_enabled": False})
    for msg in doctree.findall(nodes.system_message):
        if msg["level"] >= utils.Reporter.WARNING_LEVEL:
            problems.append("%s:%s: %s" % (path, msg.get("line", "?"),
                                           msg.astext().splitlines()[-1]))


def main():
    directives.register_directive("kernel-doc", KernelDoc)
    for path in sys.argv[2:]:
        check(path)
    for line in problems:
        print("rstcheck: " + line)
    print("rstcheck: %d problems in %d files" % (len(problems),
                                                  len(sys.argv) - 2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
