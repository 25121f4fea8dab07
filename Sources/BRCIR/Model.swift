import BRCDiagnostics

/// A population: `size` instances of one cell type.
public struct IRPopulation: Sendable, Hashable, Codable {
    /// The population's id in the network (the cell's id when the simulation targets one cell).
    public var name: String
    /// Its cells' type: an index into `IRModel.cellTypes`.
    public var cellType: Int
    /// The number of cells.
    public var size: Int
    /// Initial potentials drawn uniformly in [min, max] (mV) instead of the cell's
    /// initMembPotential: per compartment or one per cell, keyed by (seed, population, cell, node).
    public var randomInitialPotential: RandomInitial?
    /// Makes a population whose cells start at their cell type's initial potential.
    public init(name: String, cellType: Int, size: Int) { self.name = name; self.cellType = cellType; self.size = size }

    /// Initial potentials drawn uniformly in [min, max] (mV) from `seed`, per cell or, with
    /// `perCompartment`, per compartment (`brc:randomInitialPotential`).
    public struct RandomInitial: Sendable, Hashable, Codable {
        /// The range (mV) of the draws, their seed, and whether each compartment draws its own
        /// value rather than one per cell.
        public var min: Double, max: Double, seed: UInt64, perCompartment: Bool
        /// Makes a random initial potential from its fields.
        public init(min: Double, max: Double, seed: UInt64, perCompartment: Bool) {
            self.min = min; self.max = max; self.seed = seed; self.perCompartment = perCompartment
        }

        /// The initial potential (mV) of compartment `node` of cell `cell` of population
        /// `population`: the one draw the runtime and the NEURON export both use.
        public func potential(population: Int, cell: Int, node: Int) -> Double {
            let key = UInt64(population) << 32 | UInt64(cell)
            return min + CounterRandom.uniform(seed: seed, stream: 100, key, perCompartment ? UInt64(node) : 0) * (max - min)
        }
    }
}

/// A cue cell's tuning: the amplitude of its cue current as a function of the cue value (`form`).
public struct CueTuning: Sendable, Hashable, Codable {
    /// The cue value the cell is tuned to, one coordinate per cue dimension.
    public var centre: [Double]
    /// The tuning's width, in cue units.
    public var sd: Double
    /// The current (nA) at the centre.
    public var scale: Double
    /// Makes a tuning from its fields, of the Gaussian form unless `form` is set.
    public init(centre: [Double], sd: Double, scale: Double) { self.centre = centre; self.sd = sd; self.scale = scale }

    /// How the amplitude depends on the distance to the centre.
    public enum Form: String, Sendable, Hashable, Codable {
        /// scale · exp(-|x - c|² / (2 sd²)): one Gaussian in the cue space.
        case gaussian
        /// scale · mean over dimensions d of exp(-((x_d - c_d) / sd)²): the study's cue tuning
        /// (STUDY.md §4).
        case meanOf1D
    }
    /// How the amplitude depends on the distance to the centre (`brc:tunedCue`'s `form`).
    public var form: Form = .gaussian

    /// The current (nA) for cue value x.
    public func amplitude(_ x: [Double]) -> Double {
        switch form {
        case .gaussian:
            let d2 = zip(x, centre).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
            return scale * _exp(-d2 / (2 * sd * sd))
        case .meanOf1D:
            let terms = zip(x, centre).map { _exp(-(($0 - $1) / sd) * (($0 - $1) / sd)) }
            return scale * terms.reduce(0, +) / Double(max(terms.count, 1))
        }
    }
}

/// A current injected into one node of one cell.
public struct IRStimulus: Sendable, Hashable, Codable {
    /// The current's time course.
    public enum Waveform: Sendable, Hashable, Codable {
        /// `amplitude` (nA) while delay <= t < delay + duration (ms), evaluated at mid-step as NEURON does.
        case pulse(delay: Double, duration: Double, amplitude: Double)
        /// amplitude sin(phase + 2π (t - delay)/period) while delay <= t < delay + duration,
        /// with π as NeuroML's core definition writes it (`sinePi`).
        case sine(delay: Double, duration: Double, amplitude: Double, period: Double, phase: Double)
        /// Gaussian white noise: mean + sd N(0, 1), a new draw every step, from
        /// `CounterRandom` keyed by (seed, stream, cell key, step).
        case noise(mean: Double, sd: Double, seed: UInt64, stream: UInt64)
        /// A current read from a file: linear interpolation between (time, value) rows, zero
        /// outside the table's time range.
        case table(times: [Double], values: [Double])
    }
    /// π in a sine waveform: 3.14159265, the digits of NeuroML's core sineGenerator (and so of
    /// jLEMS and jNeuroML's NEURON export), so that a sineGenerator gives the same numbers
    /// whether brcc runs it natively or from its ComponentType (a compoundInput's child).
    public static let sinePi = 3.14159265
    /// The network entry that placed it (e.g. `explicitInput INPUT -> TARGET` or `LIST/ID`; a
    /// compoundInput's child adds `/CHILD`), for printouts, messages and the NeuroML export.
    public var label: String
    /// Its time course (currents in nA, times in ms).
    public var waveform: Waveform
    /// For a tuned cue input (`brc:tunedCue`): the cell's tuning, so a task can present other
    /// cue values at run time (`CueTuning.amplitude`, in either form).
    public var cueTuning: CueTuning?
    /// The population (an index into `IRModel.populations`) of the cell it is injected into.
    public var population: Int
    /// The cell's index within that population.
    public var cell: Int
    /// The node it is injected into: an index into the cell type's `nodes`.
    public var node: Int
    /// The id of the input component its inputList or explicitInput references (a
    /// compoundInput's, for each of the compound's children), by which recorded paths find it.
    public var component: String
    /// The label of the input it is part of: its own, or its compoundInput's (whose children
    /// are each a stimulus and record as their sum).
    public var input: String
    /// Makes a stimulus from its fields; without `input` it is its own input (`label`).
    public init(label: String, waveform: Waveform, population: Int, cell: Int, node: Int, component: String = "", input: String? = nil) {
        self.label = label; self.waveform = waveform; self.population = population; self.cell = cell; self.node = node
        self.component = component; self.input = input ?? label
    }
}

/// What an output column records.
public enum IRProbe: Sendable, Hashable, Codable {
    /// The membrane potential (mV) at node `node`: an index into the cell type's `nodes`.
    case voltage(node: Int)
    /// State `state` of placement `placement` at its node index `instance`.
    case state(placement: Int, instance: Int, state: Int)
    /// A channel density's conductance density (`current` false: gDensity, uS/um2) or current
    /// density (`current` true: iDensity = g (erev - v), nA/um2) of placement `placement` at
    /// its node index `instance`, from the present states.
    case density(placement: Int, instance: Int, current: Bool)
    /// `value` evaluated for placement `placement` at its node index `instance` over the
    /// mechanism's parameters, states and locals, `v`, `area` (um2) and `temperature`: a
    /// channel population's current (nA), a channel's fopen, a gate's inf, tau, alpha, beta or
    /// rateScale, a density's erev.
    case mechanism(placement: Int, instance: Int, value: IRExpr)
    /// A state (by name) or exposure of synapse instance `instance` of group `group`.
    case synapse(group: Int, instance: Int, quantity: String)
    /// The network's temperature (K) at this step (`IRModel.environment`'s, else constant).
    case temperature
    /// A StateVariable or DerivedVariable of `IRModel.environment`, by name, at this step
    /// (internal units).
    case environment(quantity: String)
    /// LEMS's `tsince` of spike generator source `source` (`IRModel.spikeSources`): the time
    /// (ms) since its last spike, 0 at the spike's time, the time since the start before the
    /// first. The column's population and cell are the generator population's and cell.
    case sinceSpike(source: Int)
    /// The current (nA) of one input made of the model's stimuli at `indices` (several for a
    /// compoundInput), summed: as injected in the step that ended at the present time (it is
    /// evaluated at that step's mid-point), and at t = 0 its value at 0, as NEURON records an
    /// IClamp's i.
    case stimulus(indices: [Int])
    /// A value that does not change during the run (internal units): a `<cell>`'s
    /// `surfaceArea` or `totSpecCap`.
    case constant(Double)
    /// A `<cell>`'s `spiking` (Cells.xml): 1 while the potential at `node` is above the spike
    /// threshold (mV), else 0, as the core type's conditions set it at the end of each step.
    case spiking(node: Int, threshold: Double)
    /// The sum of several probes of one cell: a `cell`'s `iChannels`, the current (nA, inward
    /// positive) of every channel at one compartment, is the sum of their `mechanism` probes.
    case sum([IRProbe])
}

extension IRProbe {
    /// The probes whose values this one adds up (a sum's terms), else itself.
    public var terms: [IRProbe] {
        if case .sum(let terms) = self { return terms }
        return [self]
    }
}

/// One recorded column of an output file: what `probe` reads on cell `cell` of population
/// `population`, written in SI units.
public struct IRColumn: Sendable, Hashable, Codable {
    /// The column's id as the model file gives it (empty when it has none).
    public var id: String
    /// The cell's population: an index into `IRModel.populations` (into
    /// `IRModel.generatorPopulations` for a `sinceSpike` probe; unused for `temperature`).
    public var population: Int
    /// The cell's index within that population.
    public var cell: Int
    /// What is read on the cell.
    public var probe: IRProbe
    /// Multiply the internal value by this to write SI units.
    public var siScale: Double
    /// Makes a column from its fields.
    public init(id: String, population: Int, cell: Int, probe: IRProbe, siScale: Double) {
        self.id = id; self.population = population; self.cell = cell; self.probe = probe; self.siScale = siScale
    }
}

/// A LEMS `<OutputFile>`: its columns, written to `fileName` (relative to the output folder)
/// with the time first.
public struct IROutputFile: Sendable, Hashable, Codable {
    /// The OutputFile's id.
    public var id: String
    /// The file's path, relative to the output folder.
    public var fileName: String
    /// The recorded columns, in file order after the time column.
    public var columns: [IRColumn]
    /// Makes an output file from its fields.
    public init(id: String, fileName: String, columns: [IRColumn]) { self.id = id; self.fileName = fileName; self.columns = columns }
}

/// A LEMS `<EventOutputFile>`: spike times of selected cells.
public struct IREventOutputFile: Sendable, Hashable, Codable {
    /// The order of a row's two columns: cell id then time (LEMS `ID_TIME`) or time then id.
    public enum Format: String, Sendable, Hashable, Codable { case idTime = "ID_TIME", timeID = "TIME_ID" }
    /// The EventOutputFile's id.
    public var id: String
    /// The file's path, relative to the output folder.
    public var fileName: String
    /// The order of each row's two columns.
    public var format: Format
    /// The selection ids written to the file and, at the same index, their spike sources.
    public var ids: [String] = []
    /// The spike source of each of `ids`: indices into `IRModel.spikeSources`.
    public var sources: [Int] = []
    /// Makes an event output file with no selections yet.
    public init(id: String, fileName: String, format: Format) { self.id = id; self.fileName = fileName; self.format = format }
}

/// A LEMS `<Display>`: a plot of recorded quantities, drawn by `brcc run` as SVG.
public struct IRDisplay: Sendable, Hashable, Codable {
    /// One `<Line>`: a quantity, divided by `scale` (its unit, SI) when plotted.
    public struct Line: Sendable, Hashable, Codable {
        /// The Line's id (its quantity's path when it has none).
        public var id: String
        /// The recorded column the line plots.
        public var column: IRColumn
        /// The SI value of one plotted unit (`scale="1mV"`: 0.001).
        public var scale: Double
        /// The unit as written (`1mV`), for the axis label.
        public var unit: String
        /// The line's colour (`#rrggbb`), or nil for a palette colour.
        public var colour: String?
        /// The line's own time axis unit in ms (`timeScale="1s"`: 1000), or nil for its
        /// Display's.
        public var timeScale: Double?
        /// Makes a line from its fields.
        public init(id: String, column: IRColumn, scale: Double, unit: String, colour: String?, timeScale: Double? = nil) {
            self.id = id; self.column = column; self.scale = scale; self.unit = unit; self.colour = colour; self.timeScale = timeScale
        }

        /// Whether `text` is a colour a plot can draw: `#` and six hex digits.
        public static func isColour(_ text: String) -> Bool {
            text.count == 7 && text.hasPrefix("#") && text.dropFirst().allSatisfy(\.isHexDigit)
        }
    }
    /// The Display's id (`display` when it has none).
    public var id: String
    /// The plot's title: the Display's `title`, else its id (empty when it has neither).
    public var title: String
    /// The time axis unit, in ms (`timeScale="1ms"`: 1), and the axis ranges in display units.
    public var timeScale: Double
    /// The time axis range from the Display's `xmin` and `xmax`; nil to fit the data.
    public var xRange: ClosedRange<Double>?
    /// The value axis range from the Display's `ymin` and `ymax`; nil to fit the data.
    public var yRange: ClosedRange<Double>?
    /// The plotted lines.
    public var lines: [Line]
    /// Makes a display from its fields.
    public init(id: String, title: String, timeScale: Double, xRange: ClosedRange<Double>?, yRange: ClosedRange<Double>?, lines: [Line]) {
        self.id = id; self.title = title; self.timeScale = timeScale; self.xRange = xRange; self.yRange = yRange; self.lines = lines
    }
}

/// A LEMS `<Simulation>`: step, length, outputs.
public struct IRSimulation: Sendable, Hashable, Codable {
    /// The most steps one run may take (step counts are 32-bit in outputs and checkpoints).
    public static let maximumSteps = Int(Int32.max)
    /// The Simulation's id (`sim` when it has none).
    public var id: String
    /// The time step (ms).
    public var dt: Double
    /// The simulated time (ms), the Simulation's `length`.
    public var duration: Double
    /// The files of recorded columns (`<OutputFile>`).
    public var outputs: [IROutputFile]
    /// The files of spike times (`<EventOutputFile>`).
    public var eventOutputs: [IREventOutputFile] = []
    /// The plots the simulation declares (`<Display>`), drawn by `brcc run`.
    public var displays: [IRDisplay] = []
    /// Makes a simulation from its fields, without event outputs or displays.
    public init(id: String, dt: Double, duration: Double, outputs: [IROutputFile]) {
        self.id = id; self.dt = dt; self.duration = duration; self.outputs = outputs
    }
}

/// The whole lowered model: flat, typed, in internal units (ms, mV, um, nA, uS, nF).
public struct IRModel: Sendable, Hashable, Codable {
    /// Channels and other membrane mechanisms, referred to by index from cell types' placements.
    public var mechanisms: [IRMechanism] = []
    /// Cell types: morphology as nodes, axial conductances and mechanism placements.
    public var cellTypes: [IRCellType] = []
    /// Populations: a cell type and a number of cells each.
    public var populations: [IRPopulation] = []
    /// Currents injected into single nodes (pulses, sines, noise, tables, the tuned cue).
    public var stimuli: [IRStimulus] = []
    /// Synapse (and input process) types, referred to by index from groups and projections.
    public var synapses: [IRSynapse] = []
    /// The synapse instances, grouped by synapse type and post-synaptic cell type.
    public var synapseGroups: [IRSynapseGroup] = []
    /// Where spikes come from: cells' threshold detectors, abstract cells' conditions and spike
    /// generators; connections name them by index.
    public var spikeSources: [IRSpikeSource] = []
    /// Populations of spike generators (no membrane), which projections may start from.
    public var generatorPopulations: [IRGeneratorPopulation] = []
    /// Event connections: a presynaptic cell (or source) to a synapse instance, with delay and weight.
    public var connections: [IRConnection] = []
    /// Continuous couplings (gap junctions, graded synapses): synapse parameters that hold
    /// another compartment's potential, refreshed by the runtime before the synapse currents
    /// and again before the synapse states update (as NEURON's POINTERs read live values).
    public var peerLinks: [IRPeerLink] = []
    /// Projection names, indexed by `IRConnection.projection`.
    public var projections: [String] = []
    /// The synapse each NeuroML projection makes its connections with, by projection index,
    /// recorded even when the projection drew no connection (a small searched probability), so
    /// that its synaptic parameters still resolve (`synapseParameter(projection:name:)`). A
    /// LEMS `EventConnection` projection has none: its events reach the target's own Dynamics.
    public var projectionSynapses: [Int: IRProjectionSynapse] = [:]
    /// The mask probability of each masked projection (by projection index): a connection of
    /// it with `maskDraw < p` is active. A run-time value: changing it never changes the
    /// network's structure (DESIGN.md §6).
    public var maskProbability: [Int: Double] = [:]

    /// Whether connection `c` delivers events at the model's mask probabilities.
    public func isActive(_ c: IRConnection) -> Bool { c.isActive(maskProbability: maskProbability[c.projection] ?? 1) }
    /// Temperature (K) of the network (NEURON's default 6.3 degC when not given).
    public var temperature: Double = 279.45
    /// The component around the network, if the simulation targets one (LEMS `Child`): then
    /// its `temperature` exposure, not `temperature`, is the temperature at each step.
    public var environment: IREnvironment?
    /// The run the LEMS `<Simulation>` declares (step, length, outputs, plots); nil for a model
    /// file without one (a cell or network checked on its own).
    public var simulation: IRSimulation?
    /// The training task, if the model declares one (`brc:cueTask`).
    public var task: IRTask?
    /// The seed of `random` in LEMS Dynamics (the Simulation's `seed`; see `IRRandom`).
    public var randomSeed: UInt64 = 0

    /// Makes an empty model, which lowering fills in.
    public init() {}

    /// Where each placement's parameters and states of cell type `cellType` sit in its arrays.
    public func layout(of cellType: Int) -> IRLayout { IRLayout(cell: cellTypes[cellType], mechanisms: mechanisms) }

    /// Adds projection `name`; its connections are made with synapse `synapse` (an index into
    /// `synapses`) with parameter values `values` (internal units), when given. Returns its index.
    public mutating func addProjection(_ name: String, synapse: Int?, values: [Double] = []) -> Int {
        projections.append(name)
        if let synapse { projectionSynapses[projections.count - 1] = IRProjectionSynapse(synapse: synapse, values: values) }
        return projections.count - 1
    }

    /// The spike source of generator `cell` of generator population `gp`, added if new.
    public mutating func generatorSource(population gp: Int, cell: Int) -> Int {
        spikeSources(population: gp, cells: [cell], generators: true)[0]
    }

    /// The indices of cell type `name`: one, or more where a population whose channel values
    /// are set apart has a copy of it (same name).
    public func cellTypeIndices(named name: String) -> [Int] {
        cellTypes.indices.filter { cellTypes[$0].name == name }
    }

    /// Adds the spike source of generator `cell` of generator population `gp` (which has none
    /// yet: callers that may have one look it up first) and returns it.
    public mutating func addGeneratorSource(population gp: Int, cell: Int) -> Int {
        spikeSources.append(IRSpikeSource(population: gp, cell: cell, node: 0, threshold: 0, generator: generatorPopulations[gp].generator))
        return spikeSources.count - 1
    }

    /// The name of the population spike source `s` belongs to (a population of cells, or of
    /// spike generators).
    public func populationName(ofSource s: Int) -> String {
        let source = spikeSources[s]
        return source.generator == nil ? populations[source.population].name : generatorPopulations[source.population].name
    }

    /// The spike source of (population, cell) at its cell type's spike-detection node, added if new.
    public mutating func spikeSource(population p: Int, cell: Int) -> Int {
        spikeSources(population: p, cells: [cell])[0]
    }

    /// The spike sources of `cells` of population `p`, in order, each added if new: of cells at
    /// their cell type's spike-detection node, or of generator population `p`'s spike generators
    /// (`generators`). One pass over the existing sources, so that selecting every cell of a
    /// large population stays linear (a lookup per cell made it quadratic: 100,000 cells took 24 s).
    public mutating func spikeSources(population p: Int, cells: [Int], generators: Bool = false) -> [Int] {
        let node = generators ? 0 : cellTypes[populations[p].cellType].spikeNode
        var index: [Int: Int] = [:]
        for (i, s) in spikeSources.enumerated().reversed() where (s.generator != nil) == generators && s.population == p && s.node == node {
            index[s.cell] = i  // (reversed: the first of equal sources wins)
        }
        return cells.map { cell in
            if let i = index[cell] { return i }
            if generators {
                _ = addGeneratorSource(population: p, cell: cell)
            } else {
                spikeSources.append(IRSpikeSource(population: p, cell: cell, node: node, threshold: cellTypes[populations[p].cellType].spikeThreshold))
            }
            index[cell] = spikeSources.count - 1
            return spikeSources.count - 1
        }
    }
}
