/// The `run.py` of a NEURON export: the same for every model (the model is `model.json` next
/// to it), so no model text ever becomes Python code.
enum NeuronRunScript {
    static let text = #"""
        #!/usr/bin/env python3
        """Runs a brcc export in NEURON: builds the network of model.json, runs NEURON's fixed step
        (secondorder = 0) and writes the output files `brcc run` writes (LEMS .dat: time in s,
        then SI values, tab separated; EventOutputFiles with spike times in s).

        Usage: nrnivmodl DIR && python3 DIR/run.py [--out FOLDER] [--duration MS]
        """
        import argparse
        import json
        import math
        import os
        import sys
        import time

        import neuron
        from neuron import h

        HERE = os.path.dirname(os.path.abspath(__file__))


        def load_mechanisms():
            if hasattr(h, "brc_stim"):
                return
            for base in (os.getcwd(), HERE):
                for arch in ("x86_64", "arm64", "aarch64", "i686", "powerpc64le"):
                    for lib in (os.path.join(base, arch, "libnrnmech.so"), os.path.join(base, arch, ".libs", "libnrnmech.so"),
                                os.path.join(base, arch, "libnrnmech.dylib")):
                        if os.path.exists(lib):
                            h.nrn_load_dll(lib)
                            if hasattr(h, "brc_stim"):
                                return
            sys.exit("run.py: the mechanisms are not compiled; run `nrnivmodl %s` in the current folder first" % HERE)


        def check_mechanisms(expected):
            # Every export names its mechanisms alike, and NEURON loads ./x86_64 of the current
            # folder by itself: refuse another export's compiled mechanisms.
            loaded = int(h.export_id_brc_stim) if hasattr(h, "export_id_brc_stim") else None
            if loaded != expected:
                sys.exit("run.py: the compiled mechanisms NEURON loaded belong to another brcc export (or an older one of this "
                         "model): NEURON loads x86_64/ of the current folder by itself. Run `nrnivmodl %s` again, from a "
                         "folder that holds no other export's x86_64/, and start run.py there" % HERE)


        def output_path(out, name):
            parts = name.split("/")
            if name.startswith("/") or ".." in parts or not parts[-1]:
                sys.exit("run.py: refusing to write outside the output folder: %r" % name)
            path = os.path.join(out, *[p for p in parts if p not in ("", ".")])
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            return path


        def _div(x, y):
            if y != 0:
                return x / y
            if x != x or x == 0:
                return math.nan
            return math.copysign(math.inf, x) * math.copysign(1.0, y)


        def _pow(x, y):
            try:
                return math.pow(x, y)
            except OverflowError:
                return math.inf
            except ValueError:
                return math.inf if x == 0 else math.nan


        def _guarded(f):
            def g(x):
                try:
                    return f(x)
                except OverflowError:
                    return math.inf
                except ValueError:
                    return -math.inf if x == 0 else math.nan
            return g


        # brcc's IRExpr.evaluate: comparisons and logic give 1 or 0, C's results where Python raises.
        BINARY = {
            "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y, "/": _div, "^": _pow,
            ">": lambda x, y: float(x > y), "<": lambda x, y: float(x < y), ">=": lambda x, y: float(x >= y),
            "<=": lambda x, y: float(x <= y), "==": lambda x, y: float(x == y), "!=": lambda x, y: float(x != y),
            "&&": lambda x, y: float(x != 0 and y != 0), "||": lambda x, y: float(x != 0 or y != 0),
        }
        FUNCTIONS = {
            "exp": _guarded(math.exp), "log": _guarded(math.log), "ln": _guarded(math.log), "sqrt": _guarded(math.sqrt),
            "sin": math.sin, "cos": math.cos, "tan": math.tan, "sinh": _guarded(math.sinh), "cosh": _guarded(math.cosh),
            "tanh": math.tanh, "abs": abs, "ceil": lambda x: float(math.ceil(x)) if math.isfinite(x) else x,
            "floor": lambda x: float(math.floor(x)) if math.isfinite(x) else x, "H": lambda x: float(x > 0),
        }


        def evaluate(e, scope):
            """An expression tree of model.json (NeuronEnvironment.swift) for the names in `scope`."""
            if isinstance(e, (int, float)):
                return float(e)
            if isinstance(e, str):
                return scope.get(e, math.nan)
            op = e[0]
            if op == "neg":
                return -evaluate(e[1], scope)
            if op == "not":
                return 0.0 if evaluate(e[1], scope) != 0 else 1.0
            if op == "?":
                return evaluate(e[2] if evaluate(e[1], scope) != 0 else e[3], scope)
            if op == "call":
                f = FUNCTIONS.get(e[1])
                return f(evaluate(e[2], scope)) if f else math.nan
            return BINARY[op](evaluate(e[1], scope), evaluate(e[2], scope))


        def time_since(spikes, dt, rows):
            """LEMS's tsince of a generator with these spike times, per row (brcc's
            GeneratorState.timeSinceSpike): 0 at a spike's step, else the time since the last spike
            (since 0 before the first); the time by two half steps, as brcc's clock."""
            out, last, k, now = [], 0.0, 0, 0.0
            for n in range(rows):
                fired = False
                while k < len(spikes) and int(round(spikes[k] / dt)) == n:
                    last, k, fired = spikes[k], k + 1, True
                out.append(0.0 if fired else now - last)
                now += 0.5 * dt
                now += 0.5 * dt
            return out


        class Environment:
            """A varying temperature: brcc's IREnvironment, advanced once per step after it."""

            def __init__(self, env, dt):
                self.env, self.dt = env, dt
                self.states = [evaluate(x, {}) for x in env["initial"]]

            def scope(self, t):
                values = dict(zip(self.env["states"], self.states))
                values["t"], values["dt"] = t, self.dt
                for name, value in self.env["locals"]:
                    values[name] = evaluate(value, values)
                return values

            def kelvin(self, t):
                return evaluate(self.env["temperature"], self.scope(t))

            def value(self, name, t):
                return self.scope(t)[name]

            def advance(self, t):
                before = self.scope(t)
                for i, rate in enumerate(self.env["rates"]):
                    if rate is not None:
                        self.states[i] += self.dt * evaluate(rate, before)
                # The conditions in order, each seeing the assignments before it (as jLEMS).
                values = self.scope(t + self.dt)
                names = self.env["states"]
                for test, assignments in self.env["conditions"]:
                    if evaluate(test, values) != 0:
                        for i, value in assignments:
                            self.states[i] = evaluate(value, values)
                            values[names[i]] = self.states[i]


        def main():
            parser = argparse.ArgumentParser(description="Run a brcc export in NEURON.")
            parser.add_argument("--out", default="out", help="folder the output files are written to (default: out)")
            parser.add_argument("--duration", type=float, default=None, help="simulate this many ms instead of the model's duration")
            args = parser.parse_args()
            load_mechanisms()
            with open(os.path.join(HERE, "model.json"), encoding="utf-8") as f:
                m = json.load(f)
            check_mechanisms(m["exportID"])
            dt = m["dt"]
            if args.duration is not None and not (0 < args.duration <= m["steps"] * dt * (1 + 1e-12)):
                sys.exit("run.py: --duration must be more than 0 and at most the model's %g ms" % (m["steps"] * dt))
            steps = m["steps"] if args.duration is None else int(round(args.duration / dt))
            h.load_file("stdrun.hoc")
            h.CVode().active(0)
            h.secondorder = 0
            h.dt = dt
            h.steps_per_ms = 1.0 / dt
            start = time.perf_counter()

            # Cells: one section per brcc node, hanging on its parent's centre.
            cells = {}
            for pi, pop in enumerate(m["populations"]):
                ct = m["cellTypes"][pop["cellType"]]
                for c in range(pop["size"]):
                    secs = []
                    for k, (parent, length, diam, ra, cm) in enumerate(ct["nodes"]):
                        s = h.Section(name="p%d_c%d_n%d" % (pi, c, k))
                        s.nseg = 1
                        s.L = length
                        s.diam = diam
                        s.Ra = ra
                        s.cm = cm
                        if parent >= 0:
                            s.connect(secs[parent](0.5), 0)
                        secs.append(s)
                    for mech in ct["mechanisms"]:
                        suffix = mech["suffix"]
                        for node, values in zip(mech["nodes"], mech["values"]):
                            secs[node].insert(suffix)
                            seg = secs[node](0.5)
                            for name, value in zip(mech["parameters"], values):
                                setattr(seg, name + "_" + suffix, value)
                    for k, v in enumerate(pop["v0"][c]):
                        secs[k](0.5).v = v
                    cells[(pi, c)] = secs

            # Synapses.
            synapses = []
            for g in m["synapseGroups"]:
                group = []
                for pop, cell, node, values in g["instances"]:
                    syn = getattr(h, g["mechanism"])(cells[(pop, cell)][node](0.5))
                    for name, value in zip(g["parameters"], values):
                        if name not in g["pointers"]:
                            setattr(syn, name, value)
                    group.append(syn)
                synapses.append(group)

            # Continuous connections: parameters that read another cell's potential or state.
            for group, instance, name, kind, a, b, c in m["peers"]:
                source = cells[(a, b)][c](0.5)._ref_v if kind == "v" else getattr(synapses[a][b], "_ref_" + c)
                h.setpointer(source, name, synapses[group][instance])

            # Connections: thresholds on cells, spike times of generators replayed as events.
            keep = []
            replay = []
            counted = {}  # source -> [(NetCon, delay)] of cells whose conditions count spikes
            for source, group, instance, weight, delay in m["connections"]:
                src = m["sources"][source]
                target = synapses[group][instance]
                if "spikes" in src:
                    nc = h.NetCon(None, target)
                    nc.weight[0] = weight
                    replay.append((nc, src["spikes"], delay))
                elif "counter" in src:
                    nc = h.NetCon(None, target)
                    nc.weight[0] = weight
                    counted.setdefault(source, []).append((nc, delay))
                elif "group" in src:  # a cell whose dynamics resets v detects its own spikes
                    dynamics = synapses[src["group"]][src["instance"]]
                    dynamics.brc_threshold = src["threshold"]
                    nc = h.NetCon(dynamics, target)
                    nc.delay = delay
                    nc.weight[0] = weight
                else:
                    sec = cells[(src["population"], src["cell"])][src["node"]]
                    nc = h.NetCon(sec(0.5)._ref_v, target, sec=sec)
                    nc.threshold = src["threshold"]
                    nc.delay = delay
                    nc.weight[0] = weight
                keep.append(nc)

            # Injected currents.
            stims = []
            for stim in m["stimuli"]:
                st = h.brc_stim(cells[(stim["population"], stim["cell"])][stim["node"]](0.5))
                stims.append(st)
                for name, value in stim["parameters"].items():
                    setattr(st, name, value)
                if "played" in stim:
                    vec = h.Vector(stim["played"])
                    vec.play(st._ref_played, dt)
                    keep.append(vec)
                keep.append(st)

            # Synapses that read their node's synaptic current (LEMS's iSyn): pointers to the
            # currents of the stimuli and synapses before them, signed; unused ones to 0.
            for gi, g in enumerate(m["synapseGroups"]):
                for reader, reads in zip(synapses[gi], g.get("inputs", [])):
                    for j in range(g["inputSlots"]):
                        if j < len(reads):
                            kind, a, b, sign = reads[j]
                            source = stims[a] if kind == "stimulus" else synapses[a][b]
                            h.setpointer(source._ref_i, "brc_in%d" % j, reader)
                            setattr(reader, "brc_sg%d" % j, sign)
                        else:
                            h.setpointer(reader._ref_brc_zero, "brc_in%d" % j, reader)

            # Recording.
            tvec = h.Vector()
            tvec.record(h._ref_t)
            tables = []
            kelvin = []  # the temperature (K) of each recorded row, if a column records it
            surroundings = []  # (name, rows) of each column recording an environment's variable
            since = []  # (spike times, rows) of each tsince column
            above = []  # (v Vector, threshold, rows) of each spiking column
            constant = []  # (value, rows) of each column that does not change
            def record(kind, a, b, node, suffix, var):
                """The Vectors whose sum is one column or part (several: a sum, a compound input)."""
                if kind == "sum":  # the parts a (a cell's iChannels, iSyn), each recorded
                    return [vec for part in a for vec in record(*part[:6])]
                if kind == "stimulus":  # the injected currents a (one input)
                    parts = [h.Vector() for _ in a]
                    for vec, k in zip(parts, a):
                        vec.record(stims[k]._ref_i)
                    return parts
                vec = h.Vector()
                if kind == "v":
                    vec.record(cells[(a, b)][node](0.5)._ref_v)
                elif kind == "state":
                    vec.record(getattr(cells[(a, b)][node](0.5), "_ref_%s_%s" % (var, suffix)))
                else:
                    syn = synapses[a][b]
                    vec.record(syn._ref_v if var == "v" else getattr(syn, "_ref_" + var))
                return [vec]

            for f in m["outputs"]:
                vecs = []
                for kind, a, b, node, suffix, var, scale in f["columns"]:
                    if kind == "temperature":
                        vecs.append(([kelvin], scale))
                        continue
                    if kind == "environment":  # var, a StateVariable or DerivedVariable
                        surroundings.append((var, []))
                        vecs.append(([surroundings[-1][1]], scale))
                        continue
                    if kind == "since":  # filled in after the run
                        since.append((a, []))
                        vecs.append(([since[-1][1]], scale))
                        continue
                    if kind == "constant":  # var on every row (a cell's surfaceArea)
                        constant.append((var, []))
                        vecs.append(([constant[-1][1]], scale))
                        continue
                    if kind == "above":  # a cell's spiking: 1 while v is above var, the threshold
                        above.append((record("v", a, b, node, None, None)[0], var, []))
                        vecs.append(([above[-1][2]], scale))
                        continue
                    vecs.append((record(kind, a, b, node, suffix, var), scale))
                tables.append(vecs)
            spike_vectors = {}
            for f in m["eventOutputs"]:
                for source in f["sources"]:
                    src = m["sources"][source]
                    if source in spike_vectors or "spikes" in src:
                        continue
                    if "counter" in src:
                        spike_vectors[source] = []  # filled by the step loop
                        counted.setdefault(source, [])
                        continue
                    if "group" in src:
                        dynamics = synapses[src["group"]][src["instance"]]
                        dynamics.brc_threshold = src["threshold"]
                        nc = h.NetCon(dynamics, None)
                    else:
                        sec = cells[(src["population"], src["cell"])][src["node"]]
                        nc = h.NetCon(sec(0.5)._ref_v, None, sec=sec)
                        nc.threshold = src["threshold"]
                    vec = h.Vector()
                    nc.record(vec)
                    spike_vectors[source] = vec
                    keep.append(nc)

            built = time.perf_counter()
            environment = Environment(m["environment"], dt) if "environment" in m else None
            recording_kelvin = any(c[0] == "temperature" for f in m["outputs"] for c in f["columns"])
            temperature = environment.kelvin(0.0) if environment else m["celsius"] + 273.15
            h.celsius = temperature - 273.15
            if recording_kelvin:
                kelvin.append(temperature)
            for name, rows in surroundings:
                rows.append(environment.value(name, 0.0))
            h.finitialize()
            for nc, spikes, delay in replay:
                for t in spikes:
                    if t < steps * dt:
                        nc.event(t + delay)
            now = 0.0
            # A counting cell's spikes of a step are dated at its start and sent after it (a
            # delay shorter than the step arrives at the next step), as brcc sends them.
            counters = [(source, synapses[m["sources"][source]["group"]][m["sources"][source]["instance"]],
                         m["sources"][source]["counter"], outs) for source, outs in sorted(counted.items())]
            for _ in range(steps):
                step_start = h.t
                h.fadvance()
                for source, dynamics, counter, outs in counters:
                    for _ in range(int(round(getattr(dynamics, counter)))):
                        if source in spike_vectors:
                            spike_vectors[source].append(step_start)
                        for nc, delay in outs:
                            nc.event(max(step_start + delay, h.t))
                if environment:
                    # As brcc's clock: two half steps; the environment from the step's start.
                    step_start, now = now, now + 0.5 * dt
                    now += 0.5 * dt
                    environment.advance(step_start)
                    temperature = environment.kelvin(now)
                    h.celsius = temperature - 273.15
                if recording_kelvin:
                    kelvin.append(temperature)
                for name, rows in surroundings:
                    rows.append(environment.value(name, now))
            done = time.perf_counter()
            for spikes, rows in since:
                rows.extend(time_since(spikes, dt, steps + 1))
            for vec, threshold, rows in above:
                rows.extend(1.0 if x > threshold else 0.0 for x in vec)
            for value, rows in constant:
                rows.extend([value] * len(tvec))
            sections = sum(len(secs) for secs in cells.values())
            print("NEURON %s: built %d cells (%d sections) in %.3f s; simulated %g ms in %d steps, %.3f s"
                  % (neuron.__version__, len(cells), sections, built - start, steps * dt, steps, done - built))

            for f, vecs in zip(m["outputs"], tables):
                path = output_path(args.out, f["file"])
                print("wrote " + path)
                with open(path, "w", encoding="utf-8", newline="\n") as out:
                    columns = [[x * 1e-3 for x in tvec]] + [[sum(xs) * scale for xs in zip(*parts)] if parts else [0.0] * len(tvec) for parts, scale in vecs]
                    for row in zip(*columns):
                        out.write("\t".join("%.10e" % x for x in row) + "\n")
            for f in m["eventOutputs"]:
                spikes = []
                for label, source in zip(f["ids"], f["sources"]):
                    src = m["sources"][source]
                    times = src["spikes"] if "spikes" in src else list(spike_vectors[source])
                    for t in times:
                        step = int(round(t / dt))
                        if step < steps:  # brcc detects at the start of steps 0 ..< steps
                            spikes.append((step, source, t, label))
                spikes.sort(key=lambda s: (s[0], s[1]))
                path = output_path(args.out, f["file"])
                print("wrote " + path)
                with open(path, "w", encoding="utf-8", newline="\n") as out:
                    for _, _, t, label in spikes:
                        stamp = "%.10e" % (t * 1e-3)
                        out.write(("%s\t%s\n" % (label, stamp)) if f["format"] == "ID_TIME" else ("%s\t%s\n" % (stamp, label)))


        if __name__ == "__main__":
            main()

        """#
}
