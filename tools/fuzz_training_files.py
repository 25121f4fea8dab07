#!/usr/bin/env python3
"""Fuzzes what brcc reads back from a training run folder (docs/reliability.md).

Trains the small task model once (models/small/train_small_cue.xml, one round), then, N times,
damages one or two of the folder's files and runs the command that reads them:

- checkpoint.json (damaged JSON values)      -> brcc train --resume (one more round)
- summary.json, best/analysis.json (JSON)    -> brcc report, brcc compare
- evaluations.csv (damaged cells, rows,
  header, bytes)                             -> brcc report, brcc compare, brcc evaluate --sets
                                                (evaluate only for tables of 50 lines or fewer)
- evaluate-checkpoint.json of an evaluation
  stopped after its first sets (JSON values) -> brcc evaluate --resume

Every outcome must be success (0) or a clear refusal: a usage (64) or model (65) error.
Anything else (a signal, an internal error 70) is printed, with the damaged folder kept as
badN/.

usage: tools/fuzz_training_files.py SEED N [BRCC]
"""
import json, os, random, shutil, signal, subprocess, sys, time

seed, count = int(sys.argv[1]), int(sys.argv[2])
brcc = sys.argv[3] if len(sys.argv) > 3 else ".build/release/brcc"
model = "models/small/train_small_cue.xml"
work = f"/tmp/brcc-fuzz-training-{seed}"
shutil.rmtree(work, ignore_errors=True)
base = os.path.join(work, "base")
subprocess.run([brcc, "train", model, "--out", base, "--rounds", "1", "--samples", "4"], check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
# An evaluation stopped (SIGINT) after its first sets, whose evaluate-checkpoint.json --resume reads.
sets = os.path.join(work, "sets.csv")
rows = open(os.path.join(base, "evaluations.csv")).read().rstrip("\n").split("\n")
open(sets, "w").write("\n".join([rows[0]] + rows[1:] * 5) + "\n")
stopped = os.path.join(base, "evaluation")
p = subprocess.Popen([brcc, "evaluate", model, "--sets", sets, "--out", stopped], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
while not os.path.exists(os.path.join(stopped, "evaluate-checkpoint.json")) and p.poll() is None:
    time.sleep(0.005)
p.send_signal(signal.SIGINT)
p.wait()
assert os.path.exists(os.path.join(stopped, "evaluate-checkpoint.json")), "the evaluation finished before it could be stopped"
rng = random.Random(seed)
VALUES = [0, -1, 1, 2**31, -2**40, 2**62, 1e308, -1e308, -0.5, "nan", "inf", "", None, [], {}, "AAAA", True]
CELLS = ["", "nan", "inf", "-inf", "-1", "0", "1e308", "1e-320", "1e400", "9223372036854775808", "abc", '"', "1,2",
         "\u00b5", "x" * 5000, "0x10", " 1 ", "-0"]


def leaves(o, path=()):
    if isinstance(o, dict):
        for k, v in o.items():
            yield from leaves(v, path + (k,))
        yield path
    elif isinstance(o, list):
        for i, v in enumerate(o[:50]):
            yield from leaves(v, path + (i,))
        yield path
    else:
        yield path


def damage_json(text):
    o = json.loads(text)
    paths = [p for p in leaves(o) if p]
    for _ in range(rng.randint(1, 3)):
        if not paths:
            break
        path = rng.choice(paths)
        c = o
        try:
            for k in path[:-1]:
                c = c[k]
            v = rng.choice(VALUES)
            if v is None and isinstance(c, dict) and rng.random() < 0.5:
                c.pop(path[-1], None)
            else:
                c[path[-1]] = v
        except (KeyError, IndexError, TypeError):
            pass
    return json.dumps(o)


def damage_csv(text):
    rows = [r.split(",") for r in text.rstrip("\n").split("\n")]
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(6)
        r = rng.randrange(len(rows))
        if k == 0 and rows[r]:
            rows[r][rng.randrange(len(rows[r]))] = rng.choice(CELLS)
        elif k == 1 and len(rows) > 1:
            del rows[r]
        elif k == 2:
            rows.insert(r, list(rows[r]) * rng.choice([1, 2]))
        elif k == 3 and rows[r]:
            rows[r] = rows[r][:rng.randrange(len(rows[r]))]
        elif k == 4 and rows[0]:
            rows[0][rng.randrange(len(rows[0]))] = rng.choice(rows[0] + CELLS)
        else:
            rows.extend([list(rows[-1])] * rng.choice([1, 100, 5000]))
    out = "\n".join(",".join(r) for r in rows) + "\n"
    if rng.random() < 0.2:
        b = bytearray(out.encode())
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        out = bytes(b).decode("utf-8", "replace")
    return out


def run(args):
    return subprocess.run([brcc] + args, capture_output=True, text=True, timeout=600)


outcomes = {}
bad = 0
for n in range(count):
    trial = os.path.join(work, "t")
    shutil.rmtree(trial, ignore_errors=True)
    shutil.copytree(base, trial)
    target = rng.choice(["checkpoint.json", "summary.json", "best/analysis.json", "evaluations.csv", "evaluation/evaluate-checkpoint.json"])
    path = os.path.join(trial, target)
    text = open(path).read()
    open(path, "w").write(damage_csv(text) if target.endswith(".csv") else damage_json(text))
    if target == "evaluation/evaluate-checkpoint.json":
        commands = [["evaluate", model, "--sets", sets, "--out", os.path.join(trial, "evaluation"), "--resume"]]
    elif target == "checkpoint.json":
        commands = [["train", model, "--out", trial, "--rounds", "2", "--samples", "4", "--resume"]]
    elif target == "evaluations.csv":
        commands = [["report", trial], ["compare", trial, base, "--out", os.path.join(work, "cmp")]]
        # Scoring takes about 0.1 s per set: a table the damage made long is not evaluated.
        if open(path, errors="replace").read().count("\n") <= 50:
            commands.append(["evaluate", model, "--sets", path, "--out", os.path.join(work, "eval")])
    else:
        commands = [["report", trial], ["compare", trial, base, "--out", os.path.join(work, "cmp")]]
    for c in commands:
        r = run(c)
        key = (c[0], r.returncode)
        outcomes[key] = outcomes.get(key, 0) + 1
        if r.returncode not in (0, 64, 65):
            bad += 1
            print(f"BAD: input {n}, {target}, brcc {c[0]}: exit {r.returncode}: {r.stderr[-600:]}")
            shutil.copytree(trial, os.path.join(work, f"bad{n}"), dirs_exist_ok=True)
print(f"seed {seed}, {count} damaged folders: outcomes {dict(sorted(outcomes.items()))}, bad {bad}")
sys.exit(1 if bad else 0)
