#!/usr/bin/env python3
"""Copies a LEMS or NeuroML file and every file it includes into a folder, keeping their
relative layout, and prints the folder that holds the copy of the file.

    tools/copy_with_includes.py FILE DEST

Includes are LEMS `<Include file=...>` and NeuroML `<include href=...>`, followed through the
included files; names that are not files beside the including file (core type files such as
Cells.xml, which jNeuroML takes from its jar) are skipped. The reference scripts
(tools/jlems_reference.sh, tools/neuron_reference.sh) run jNeuroML on such a copy, so that it
finds the model's files and writes its outputs without touching the source tree.
"""
import os
import re
import shutil
import sys


def main(path, dest):
    model = os.path.realpath(path)
    seen, stack = set(), [model]
    while stack:
        f = stack.pop()
        if f in seen or not os.path.isfile(f):
            continue
        seen.add(f)
        text = re.sub(r"<!--.*?-->", "", open(f, encoding="utf-8", errors="replace").read(), flags=re.S)
        for ref in re.findall(r'<(?:Include|include)\b[^>]*?\b(?:file|href)\s*=\s*"([^"]+)"', text):
            stack.append(os.path.realpath(os.path.join(os.path.dirname(f), ref)))
    root = os.path.commonpath([os.path.dirname(f) for f in seen])
    for f in seen:
        copy = os.path.join(dest, os.path.relpath(f, root))
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        shutil.copyfile(f, copy)
    print(os.path.join(dest, os.path.relpath(os.path.dirname(model), root)))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
