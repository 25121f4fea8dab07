#!/usr/bin/env python3
"""Group the crashes brcc-fuzz saved by where they trap (docs/reliability.md).

    python3 tools/fuzz_triage.py [--fuzzer .build/release/brcc-fuzz] [--minimize DIR] [--stats] OUT_DIR...

Give --stats for folders written by `brcc-fuzz --stats`.

For every `crash-SEED-N.xml` / `timeout-SEED-N.xml` listed in OUT_DIR/crashes.log, replays the
input beside its original file (`brcc-fuzz --replay FILE --as BASE`, so includes resolve) with
Swift's backtracer on, and prints one line per distinct trap: the runtime failure message, the
first brcc source frame (file:line), how many inputs hit it and the smallest of them.
With --minimize DIR, the smallest input of each class is also reduced (line by line, then by
cutting long lines) while it still traps in the same place, and written to DIR as
NN-<where>.xml with the original path to load it as in NN-<where>.base.
Reads only (besides DIR); the replay runs parse + lowering, no code generation.
"""
import os
import re
import subprocess
import sys

args = sys.argv[1:]
fuzzer = os.path.join(os.path.dirname(__file__), "..", ".build", "release", "brcc-fuzz")
minimize = None
extra = []
while args[:1] in (["--fuzzer"], ["--minimize"], ["--stats"]):
    if args[0] == "--stats":
        extra, args = ["--stats"], args[1:]
        continue
    if args[0] == "--fuzzer":
        fuzzer = args[1]
    else:
        minimize = args[1]
    args = args[2:]
if not args:
    sys.exit(__doc__)

def classify(f, base, sig="?"):
    """(what, where) of replaying file f as base; what is None when it does not crash."""
    env = dict(os.environ, SWIFT_BACKTRACE="enable=yes,interactive=no,color=no,limit=40")
    try:
        p = subprocess.run([fuzzer, "--replay", f, "--as", base] + extra, capture_output=True, text=True,
                           errors="replace", env=env, timeout=300)
        text, status = p.stdout + p.stderr, p.returncode
    except subprocess.TimeoutExpired:
        return ("timeout (300 s)", "?")
    if status == 0:
        return (None, None)
    failure = re.search(r"\*\*\* (Swift runtime failure: [^*]*|Program crashed: [^\n]*)", text)
    frames = re.findall(r" in \S+ at (/\S*/Sources/(?!brcc-fuzz)\S+?):\d+", text)
    frame_lines = re.findall(r" (\S+(?:\([^)]*\))?) \+ \d+ in \S+ at (/\S*/Sources/(?!brcc-fuzz)(?:\S+))", text)
    where = frame_lines[0][1].split("/Sources/")[1] if frame_lines else (frames[0].split("/Sources/")[1] if frames else "?")
    fatal = re.search(r"Fatal error: ([^\n]*)", text)
    if fatal:  # the stdlib's message (e.g. "Duplicate values for key: 'x'"), with names elided
        what = "Fatal error: " + re.sub(r"'[^']*'", "'…'", fatal.group(1).strip())
    elif failure:
        what = re.sub(r" at 0x[0-9a-f]+", "", failure.group(1)).strip(" *")
    else:
        what = f"exit {status}"
    if "Bad pointer dereference" in text and len(frames) >= 30 and frames[0] == frames[20]:
        what = "stack overflow (signal 11)"
        where = max(set(frames), key=frames.count).split("/Sources/")[1]  # the recursing file
    return (what, where)


def reduce(data, base, key, tmp):
    """Greedy line-based reduction, then cutting long lines, keeping classify() == key."""
    def still(lines):
        with open(tmp, "w", encoding="utf-8") as h:
            h.write("\n".join(lines))
        return classify(tmp, base) == key
    lines = data.split("\n")
    chunk = max(1, len(lines) // 2)
    while chunk >= 1:
        i = 0
        while i < len(lines):
            trial = lines[:i] + lines[i + chunk:]
            if trial and still(trial):
                lines = trial
            else:
                i += chunk
        chunk //= 2
    for i in range(len(lines)):
        while len(lines[i]) > 200:
            half = lines[i][: len(lines[i]) // 2] + lines[i][-(len(lines[i]) // 4):]
            trial = lines[:i] + [half] + lines[i + 1:]
            if still(trial):
                lines = trial
            else:
                break
    return "\n".join(lines)


groups = {}
for out in args:
    log = os.path.join(out, "crashes.log")
    if not os.path.exists(log):
        continue
    for line in open(log, encoding="utf-8", errors="replace"):
        m = re.match(r"seed (\d+) input (\d+) signal (\d+) pc \S+ base (.*)$", line.rstrip("\n"))
        if not m:
            continue
        seed, n, sig, base = m.groups()
        kind = "timeout" if sig == "14" else "crash"
        f = os.path.join(out, f"{kind}-{seed}-{n}.xml")
        if not os.path.exists(f):
            continue
        what, where = classify(f, base, sig)
        if what is None:
            what, where = "no crash on replay", "?"
        key = (what, where)
        groups.setdefault(key, []).append((os.path.getsize(f), f, base))

for (what, where), files in sorted(groups.items(), key=lambda kv: -len(kv[1])):
    files.sort()
    size, f, base = files[0]
    print(f"{len(files):4d}  {what} at {where}\n      smallest: {f} ({size} bytes) as {base}", flush=True)
    if minimize and what != "no crash on replay":
        os.makedirs(minimize, exist_ok=True)
        k = len([x for x in os.listdir(minimize) if x.endswith(".xml")]) + 1
        name = f"{k:02d}-" + re.sub(r"[^A-Za-z0-9]+", "_", where.split(":")[0].replace(".swift", ""))
        data = open(f, encoding="utf-8", errors="replace").read()
        small = reduce(data, base, (what, where), os.path.join(minimize, name + ".tmp"))
        os.remove(os.path.join(minimize, name + ".tmp"))
        with open(os.path.join(minimize, name + ".xml"), "w", encoding="utf-8") as h:
            h.write(small)
        with open(os.path.join(minimize, name + ".base"), "w", encoding="utf-8") as h:
            h.write(f"{base}\n{what} at {where}\nfrom {f}\n")
        print(f"      reduced to {len(small)} bytes: {os.path.join(minimize, name + '.xml')}", flush=True)
