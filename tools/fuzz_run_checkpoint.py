#!/usr/bin/env python3
"""Fuzzes `brcc run --resume` with damaged run checkpoints (docs/reliability.md).

Stops a run of a standard example after its first checkpoints (SIGINT), then, N times, writes
the checkpoint back with 1-3 of its values replaced (by 0, -1, huge, non-finite, wrong-typed
or missing ones) and resumes from a copy of the folder. Every outcome must be a finished run
(0) or a clear refusal (64, 65); anything else (a crash, an internal error) is printed with
its input kept as badN.json.

usage: tools/fuzz_run_checkpoint.py SEED N [BRCC] [MODEL]
"""
import json, os, random, shutil, signal, subprocess, sys, time

seed, count = int(sys.argv[1]), int(sys.argv[2])
brcc = sys.argv[3] if len(sys.argv) > 3 else ".build/release/brcc"
model = sys.argv[4] if len(sys.argv) > 4 else "../shared/neuroml/LEMSexamples/LEMS_NML2_Ex26_Weights.xml"
work = f"/tmp/brcc-fuzz-checkpoint-{seed}"
shutil.rmtree(work, ignore_errors=True)
base, trial = os.path.join(work, "base"), os.path.join(work, "t")
p = subprocess.Popen([brcc, "run", model, "--out", base, "--no-plots", "--checkpoint-every", "0.05"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
checkpoint = os.path.join(base, "run-checkpoint.json")
while not os.path.exists(checkpoint) and p.poll() is None:
    time.sleep(0.01)
time.sleep(0.1)
p.send_signal(signal.SIGINT)
p.wait()
original = json.load(open(checkpoint))


def leaves(o, path=()):
    if isinstance(o, dict):
        for k, v in o.items():
            yield from leaves(v, path + (k,))
    elif isinstance(o, list):
        for i, v in enumerate(o[:50]):
            yield from leaves(v, path + (i,))
    else:
        yield path


paths = list(leaves(original))
rng = random.Random(seed)
outcomes = {}
for n in range(count):
    c = json.loads(json.dumps(original))
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(paths)
        o = c
        for k in path[:-1]:
            o = o[k]
        v = rng.choice([0, -1, 1, 2**31, -2**40, 2**62, 1e308, -0.5, "nan", "inf", "", None, [], {}, "AAAA", rng.randint(-10, 10**6)])
        if v is None and isinstance(o, dict) and rng.random() < 0.5:
            o.pop(path[-1], None)
        else:
            o[path[-1]] = v
    shutil.rmtree(trial, ignore_errors=True)
    shutil.copytree(base, trial)
    json.dump(c, open(os.path.join(trial, "run-checkpoint.json"), "w"))
    r = subprocess.run([brcc, "run", model, "--out", trial, "--no-plots", "--resume"], capture_output=True, text=True, timeout=300)
    outcomes[r.returncode] = outcomes.get(r.returncode, 0) + 1
    if r.returncode not in (0, 64, 65):
        print(f"BAD exit {r.returncode}: {r.stderr[-500:]}")
        json.dump(c, open(os.path.join(work, f"bad{n}.json"), "w"))
print(f"seed {seed}, {count} damaged checkpoints: exit statuses {dict(sorted(outcomes.items()))}")
