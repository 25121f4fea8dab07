#!/usr/bin/env python3
"""Runs LEMS's own examples (LEMS/LEMS examples/) with jLEMS and with brcc and compares what
they plot, column by column.

The examples only plot (their own Display types), and jLEMS without a display cannot run those.
So each example is run from a copy in a temporary folder where:
  - the ComponentType Simulation (in whichever file declares it) may hold OutputFiles, and the
    OutputFile/OutputColumn types are declared if no file declares them;
  - the example's (first) Simulation plots nothing: its Lines' quantities are the columns of one
    OutputFile, its `display` link is dropped, and a SimulationSet around it is unwrapped, so
    the Target names the Simulation itself.
  - `--step` replaces the Simulation's step (convergence: run at the step and at a tenth of it).

    python3 tools/lems_examples_jlems.py /work/external_models/LEMS/examples example3 example5 example8 [--step 0.005ms]

For each example and column it prints the largest difference as a fraction of jLEMS's range and
the RMS difference (in the column's SI unit), as they are and against brcc's next row (brcc
applies an event a step after jLEMS does, docs/numerics.md). Needs Java 17 and the jNeuroML jar ($JNML_JAR or an
installed pyNeuroML, as tools/jnml_jar.sh finds it) and brcc ($BRCC, else .build/release/brcc).
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT_TYPES = """
<ComponentType name="OutputFile"><Children name="outputColumn" type="OutputColumn"/><Text name="path"/><Text name="fileName"/>
    <Simulation><DataWriter path="path" fileName="fileName"/></Simulation></ComponentType>
<ComponentType name="OutputColumn"><Path name="quantity"/><Simulation><Record quantity="quantity"/></Simulation></ComponentType>
"""


def jar():
    if os.environ.get("JNML_JAR"):
        return os.environ["JNML_JAR"]
    found = glob.glob("/tmp/pynml/lib/python3*/site-packages/pyneuroml/lib/jNeuroML-*-jar-with-dependencies.jar")
    found += glob.glob(os.path.expanduser("~/.local/lib/python3*/site-packages/pyneuroml/lib/jNeuroML-*-jar-with-dependencies.jar"))
    if not found:
        sys.exit("no jNeuroML jar: set JNML_JAR or pip install pyneuroml")
    return found[0]


def let_simulations_write(folder):
    """In each file that declares the Simulation type: it may hold OutputFiles, and OutputFile
    and OutputColumn are declared beside it."""
    for f in sorted(glob.glob(os.path.join(folder, "*.xml"))):
        text = open(f).read()
        m = re.search(r'<ComponentType name="Simulation"\s*>', text)
        if not m:
            continue
        body = text[m.end():text.index("</ComponentType>", m.end())]
        if 'type="OutputFile"' not in body:
            text = text[:m.end()] + '\n    <Children name="brccOutputs" type="OutputFile"/>' + text[m.end():]
        if 'ComponentType name="OutputFile"' not in text:
            text = text.replace("</Lems>", OUTPUT_TYPES + "</Lems>")
        open(f, "w").write(text)


def writing_copy(text, step):
    """The example with its first Simulation writing out.dat instead of plotting."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    m = re.search(r'<Simulation\s[^>]*id="([^"]+)"[^>]*>(.*?)</Simulation>', text, flags=re.S)
    if not m:
        raise ValueError("no <Simulation id=...>...</Simulation>")
    sim_id, body = m.group(1), m.group(2)
    quantities = re.findall(r'<Line\s[^>]*quantity="([^"]+)"', body)
    columns = "".join(f'<OutputColumn id="c{i}" quantity="{q}"/>' for i, q in enumerate(quantities))
    body = re.sub(r"<(DisplayList|Display)\b.*?</\1>", "", body, flags=re.S)
    opening = re.sub(r'\sdisplay="[^"]*"', "", text[m.start():m.start(2)])
    if step:
        opening = re.sub(r'step="[^"]*"', f'step="{step}"', opening)
    simulation = opening + body + f'<OutputFile id="brccOut" path="." fileName="out.dat">{columns}</OutputFile></Simulation>'
    text = text[:m.start()] + simulation + text[m.end():]
    # Unwrap a SimulationSet (and drop the Displays it holds beside the Simulation).
    text = re.sub(r"<SimulationSet\b[^>]*>", "", text)
    text = text.replace("</SimulationSet>", "")
    text = re.sub(r"<Display\b[^>]*/>", "", text)
    text = re.sub(r'<Target\s+component="[^"]*"\s*/>', f'<Target component="{sim_id}"/>', text)
    return text, quantities


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", help="the LEMS examples folder (example1.xml, MultiRunSimulation.xml, ...)")
    ap.add_argument("examples", nargs="+", help="example names (example3) or files")
    ap.add_argument("--step", help="replace the Simulation's step (e.g. 0.005ms)")
    args = ap.parse_args()
    brcc = os.environ.get("BRCC", os.path.join(REPO, ".build/release/brcc"))
    java = [shutil.which("java") or "java", "-Djava.awt.headless=true", "-jar", jar()]
    failed = False
    for name in args.examples:
        name = os.path.basename(name).removesuffix(".xml")
        with tempfile.TemporaryDirectory() as work:
            copy = os.path.join(work, "examples")
            shutil.copytree(args.folder, copy)
            let_simulations_write(copy)
            text, quantities = writing_copy(open(os.path.join(copy, name + ".xml")).read(), args.step)
            model = os.path.join(copy, name + "_out.xml")
            open(model, "w").write(text)
            j = subprocess.run(java + [model, "-nogui"], cwd=copy, capture_output=True, text=True)
            if j.returncode != 0 or not os.path.exists(os.path.join(copy, "out.dat")):
                print(f"{name}: jLEMS failed: {(j.stdout + j.stderr).strip().splitlines()[-1:]}")
                failed = True
                continue
            reference = np.loadtxt(os.path.join(copy, "out.dat"), ndmin=2)
            b = subprocess.run([brcc, "run", model, "--out", os.path.join(work, "brcc")], capture_output=True, text=True)
            if b.returncode != 0:
                print(f"{name}: brcc failed ({b.returncode}): {b.stderr.strip().splitlines()[:1]}")
                failed = True
                continue
            ours = np.loadtxt(os.path.join(work, "brcc", "out.dat"), ndmin=2)
            if ours.shape != reference.shape:
                print(f"{name}: shapes differ: brcc {ours.shape}, jLEMS {reference.shape}")
                failed = True
                continue
            for c, q in enumerate(quantities, start=1):
                # Also against brcc's next row: brcc applies an event at the start of the step
                # after the one jLEMS applies it in, so events land one row apart.
                d = np.abs(ours[:, c] - reference[:, c])
                shifted = np.abs(ours[1:, c] - reference[:-1, c])
                span = np.ptp(reference[:, c]) or 1.0
                print(f"{name}\t{q}\tlargest {d.max() / span:.2e} of the range (t = {reference[d.argmax(), 0] * 1e3:.2f} ms), "
                      f"{shifted.max() / span:.2e} a row later\tRMS {np.sqrt(np.mean(d ** 2)):.3e}, {np.sqrt(np.mean(shifted ** 2)):.3e} a row later")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
