#!/usr/bin/env python3
"""Group the crashes brcc-fuzz saved by where they trap (docs/reliability.md).

    python3 tools/fuzz_triage.py [--fuzzer .build/release/brcc-fuzz] OUT_DIR...

For every `crash-SEED-N.xml` / `timeout-SEED-N.xml` listed in OUT_DIR/crashes.log, replays the
input beside its original file (`brcc-fuzz --replay FILE --as BASE`, so includes resolve) with
Swift's backtracer on, and prints one line per distinct trap: the runtime failure message, the
first brcc source frame (file:line), how many inputs hit it and the smallest of them.
Reads only; the replay runs parse + lowering, no code generation.
"""
import os
import re
import subprocess
import sys

args = sys.argv[1:]
fuzzer = os.path.join(os.path.dirname(__file__), "..", ".build", "release", "brcc-fuzz")
if args[:1] == ["--fuzzer"]:
    fuzzer, args = args[1], args[2:]
if not args:
    sys.exit(__doc__)

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
        env = dict(os.environ, SWIFT_BACKTRACE="enable=yes,interactive=no,color=no,limit=40")
        try:
            p = subprocess.run([fuzzer, "--replay", f, "--as", base], capture_output=True, text=True,
                               errors="replace", env=env, timeout=300)
            text = p.stdout + p.stderr
            status = p.returncode
        except subprocess.TimeoutExpired:
            text, status = "", "timeout"
        failure = re.search(r"\*\*\* (Swift runtime failure: [^*]*|Fatal error: [^\n]*|Program crashed: [^\n]*)", text)
        frames = re.findall(r" in \S+ at (/\S*/Sources/(?!brcc-fuzz)\S+?):\d+", text)
        frame_lines = re.findall(r" (\S+(?:\([^)]*\))?) \+ \d+ in \S+ at (/\S*/Sources/(?!brcc-fuzz)(?:\S+))", text)
        where = frame_lines[0][1].split("/Sources/")[1] if frame_lines else (frames[0].split("/Sources/")[1] if frames else "?")
        fatal = re.search(r"Fatal error: ([^\n]*)", text)
        if fatal:  # the stdlib's message (e.g. "Duplicate values for key: 'x'"), with names elided
            what = "Fatal error: " + re.sub(r"'[^']*'", "'…'", fatal.group(1).strip())
        elif failure:
            what = re.sub(r" at 0x[0-9a-f]+", "", failure.group(1)).strip(" *")
        else:
            what = f"signal {sig}" if status != 0 else f"no crash on replay (exit {status})"
        if "Stack overflow" in text or (sig == "11" and len(frames) > 30):
            what = "stack overflow (signal 11)"
        key = (what, where)
        groups.setdefault(key, []).append((os.path.getsize(f), f, base))

for (what, where), files in sorted(groups.items(), key=lambda kv: -len(kv[1])):
    files.sort()
    size, f, base = files[0]
    print(f"{len(files):4d}  {what} at {where}\n      smallest: {f} ({size} bytes) as {base}")
