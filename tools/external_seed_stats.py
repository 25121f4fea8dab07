#!/usr/bin/env python3
"""Compares brcc and jLEMS in distribution on a model of the external corpus that draws random
numbers (Poisson inputs): runs both with the Simulation's seed set to 1..8 and prints the
spikes per run (an integrate-and-fire cell's resets, `external_compare.falls`, summed over the
columns of one OutputFile), their mean and standard error, and each cell's mean.

    tools/external_seed_stats.py MODEL DATFILE      # e.g. NeuroML2/LEMSexamples/LEMS_NML2_Ex22_Spiketimes.xml results/ex22_v.dat

Work folders under /tmp/seedstats (reused). Needs the jNeuroML jar (tools/jnml_jar.sh).
"""
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from external_compare import falls, with_seed  # noqa: E402


def main():
    model, datfile = sys.argv[1], sys.argv[2]
    work = "/tmp/seedstats/" + model.replace("/", "__")
    root = os.environ.get("EXTERNAL_MODELS", "/work/external_models")
    res = {"brcc": [], "jlems": []}
    for seed in range(1, 9):
        src = f"{work}/src{seed}"
        if not os.path.isdir(src):
            shutil.copytree(f"{root}/{model.split('/')[0]}", f"{src}/{model.split('/')[0]}", symlinks=True)
            lems = f"{src}/{model}"
            text = with_seed(open(lems).read(), seed)
            open(lems, "w").write(text)
        lems = f"{src}/{model}"
        b = f"{work}/brcc{seed}"; j = f"{work}/jlems{seed}"
        if not os.path.isdir(b):
            subprocess.run([os.path.join(os.path.dirname(HERE), ".build/release/brcc"), "run", lems, "--out", b, "--no-plots"], check=True, capture_output=True)
        if not os.path.isdir(j):
            subprocess.run([os.path.join(HERE, "external_reference.sh"), "--jlems", src, model, j], check=True, capture_output=True)
        for who, d in (("brcc", b), ("jlems", j)):
            x = np.loadtxt(f"{d}/{datfile}")
            res[who].append([len(falls(x[:, 0] * 1000, x[:, c] * 1000)) for c in range(1, x.shape[1])])
    for who in res:
        a = np.array(res[who], float)
        tot = a.sum(axis=1)
        print(who, "spikes per run (all cells):", tot.tolist(), "mean %.1f +- %.1f (s.e.)" % (tot.mean(), tot.std(ddof=1) / np.sqrt(len(tot))), "per cell mean", np.round(a.mean(axis=0), 1).tolist())


if __name__ == "__main__":
    main()
