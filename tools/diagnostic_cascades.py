#!/usr/bin/env python3
"""Counts cascades of diagnostics: one defect that brcc reports more than once (docs/reliability.md).

    tools/diagnostic_cascades.py [--brcc .build/release/brcc] [--root DIR] [--elements] TOP FILE...

TOP and FILEs are paths inside models/, or inside --root DIR (e.g. small/train_small_cue.xml
cells/hh1.cell.nml; with --root ../shared/neuroml, LEMSexamples/LEMS_NML2_Ex5_DetCell.xml
examples/NML2_SingleCompHHCell.nml). The script copies that folder to a temporary one; then, for every attribute of every FILE in turn,
it makes one defect in the copy (the attribute misspelt by doubling its last letter, its value
replaced by `x@y`, or the attribute deleted), runs `brcc check TOP` and counts its errors. With
`--elements` it damages element names instead: every element's name misspelt the same way, in
its start tag and its end tag. One defect should give one error (none if the attribute was
optional and its default fits). It
prints each damaged attribute that gave two or more errors, with the first four, then a
summary; any exit status other than 0 or 65 is printed with `!!!`. A misspelt element must give
an error (except inside an `<annotation>`, which holds free-form metadata): with `--elements`,
one that gives none is printed with `---` and counted as silent.
Exits 0: the counts are the result.
"""
import argparse, os, re, shutil, subprocess, tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--brcc", default=".build/release/brcc")
ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
ap.add_argument("--elements", action="store_true", help="misspell element names instead of damaging attributes")
ap.add_argument("top")
ap.add_argument("files", nargs="+")
args = ap.parse_args()
brcc = os.path.abspath(args.brcc)
work = tempfile.mkdtemp(prefix="brcc-cascades-")
models = os.path.join(work, "models")
shutil.copytree(args.root, models)
os.chmod(models, 0o755)
for d, dirs, files in os.walk(models):
    for f in dirs + files:
        os.chmod(os.path.join(d, f), 0o755 if f in dirs else 0o644)
top = os.path.join(models, args.top)
attribute = re.compile(r'(\s)([A-Za-z_:]+)="([^"]*)"')
tag = re.compile(r'<!--.*?-->|<\?.*?\?>|<(/?)([A-Za-z_][\w:.-]*)[^>]*?(/?)>', re.S)


def attribute_damages(source):
    """(description, damaged source) for every attribute: misspelt, a bad value, deleted."""
    for i, m in enumerate(attribute.finditer(source)):
        attr, value = m.group(2), m.group(3)
        if attr.startswith("xmlns") or attr in ("version", "encoding"):
            continue
        for kind, replacement in (("misspelt", f'{m.group(1)}{attr}{attr[-1]}="{value}"'),
                                  ("value", f'{m.group(1)}{attr}="x@y"'), ("deleted", "")):
            yield f"attribute {i} {attr} {kind}", source[:m.start()] + replacement + source[m.end():]


def element_damages(source):
    """(description, damaged source) for every element: its name misspelt in both its tags."""
    stack, pairs = [], []
    for m in tag.finditer(source):
        if m.group(2) is None:
            continue
        if m.group(1):
            while stack and stack[-1][0] != m.group(2):
                stack.pop()
            if stack:
                name, start = stack.pop()
                pairs.append((start, m.start(2), name))
        elif m.group(3):
            pairs.append((m.start(2), None, m.group(2)))
        else:
            stack.append((m.group(2), m.start(2)))
    # NeuroML's <annotation> holds free-form metadata (RDF): a slip inside it is no error.
    free = [(start, end) for start, end, name in pairs if name == "annotation" and end is not None]
    for i, (start, end, name) in enumerate(sorted(pairs)):
        inside = any(a < start < b for a, b in free)
        wrong = name + name[-1]
        out = source
        for at in sorted([p for p in (start, end) if p is not None], reverse=True):
            out = out[:at] + wrong + out[at + len(name):]
        yield f"element {i} <{name}> misspelt{' (in an annotation)' if inside else ''}", out


total = cascades = bad = silent = 0
try:
    for name in args.files:
        path = os.path.join(models, name)
        source = open(path).read()
        try:
            for what, damaged in (element_damages if args.elements else attribute_damages)(source):
                open(path, "w").write(damaged)
                r = subprocess.run([brcc, "check", top], capture_output=True, text=True, timeout=120)
                total += 1
                errors = [l.split("error: ", 1)[1] for l in (r.stdout + r.stderr).splitlines() if ": error: [" in l]
                if r.returncode not in (0, 65):
                    bad += 1
                    print(f"!!! exit {r.returncode}: {name} {what}", flush=True)
                if args.elements and not errors and not what.endswith("(in an annotation)"):
                    silent += 1
                    print(f"--- no error: {name} {what}", flush=True)
                if len(errors) >= 2:
                    cascades += 1
                    print(f"=== {name} {what}: {len(errors)} errors", flush=True)
                    for e in errors[:4]:
                        print("   ", e[:220], flush=True)
        finally:
            open(path, "w").write(source)
finally:
    shutil.rmtree(work, ignore_errors=True)
print(f"{total} damaged {'elements' if args.elements else 'attributes'}, {cascades} with two or more errors, {bad} other exits"
      + (f", {silent} silent" if args.elements else ""))
