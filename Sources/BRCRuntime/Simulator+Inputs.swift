import BRCIR
import Foundation

/// A spike source of one batch instance, and where its running state is kept: in
/// `Simulator.detectors` (a cell's threshold detector), in `Simulator.generators`, or, for a
/// cell whose conditions count its spikes, in its dynamics' synapse block (`flag`).
struct SourceSlot {
    var instance: Int
    /// The source's index in its instance's model.
    var source: Int
    /// Its index in `Simulator.detectors`, or nil.
    var detector: Int?
    /// Its index in `Simulator.generators`, or nil.
    var generator: Int?
    /// A cell whose conditions count its spikes: the counter (`IRSpikeSource.flag`) in its
    /// dynamics' synapse block, read after each step.
    var flag: UnsafePointer<Double>?
}

/// A cell's threshold detector (NEURON's PreSyn): compact, so that checking every cell each
/// step reads little memory.
struct Detector {
    /// The watched potential: its place in its cell block's stable buffer.
    let potential: UnsafePointer<Double>
    let threshold: Double
    /// Its slot in `Simulator.sources`.
    let slot: Int
    /// True while above threshold.
    var above = false
}

/// Where a spike goes: a synapse instance of the batch (group, global instance), with the
/// connection's weight, delay and mask draw (negative: not masked).
struct EventTarget {
    var group: Int, instance: Int
    var weight: Double, delay: Double
    var stepsAhead: Int
    var projection: Int
    var maskDraw: Double
}

/// An injected current into one node of one batch instance, its waveform in a form read
/// without copying arrays in the stepping loop.
struct StimulusSlot {
    enum Kind {
        case pulse(delay: Double, duration: Double, amplitude: Double)
        case sine(delay: Double, duration: Double, amplitude: Double, period: Double, phase: Double)
        /// `key`: the noise's seed, stream and cell mixed once (`CounterRandom.prefix`);
        /// `slot`: its place in the simulator's `noiseKeys`.
        case noise(mean: Double, sd: Double, key: UInt64, slot: Int)
        case table(Int)
    }
    /// Where the current is added: the node's place in its cell block's stable `iinj` buffer.
    var target: UnsafeMutablePointer<Double>
    var kind: Kind

    /// The current (nA) at mid-step time `t` of step `step`. A noise current's deviate is
    /// `normals[slot]` when given (drawn for every noise slot of the step at once), otherwise
    /// `CounterRandom.normal`.
    @inline(__always)
    func current(at t: Double, step: Int, tables: [(times: [Double], values: [Double])], normals: UnsafePointer<Double>? = nil) -> Double {
        switch kind {
        case .pulse(let delay, let duration, let amp):
            return t >= delay && t < delay + duration ? amp : 0
        case .sine(let delay, let duration, let amp, let period, let phase):
            return t >= delay && t < delay + duration ? amp * sin(phase + 2 * IRStimulus.sinePi * (t - delay) / period) : 0
        case .noise(let mean, let sd, let key, let slot):
            return mean + sd * (normals.map { $0[slot] } ?? CounterRandom.normal(prefix: key, UInt64(step)))
        case .table(let k):
            return interpolateTable(tables[k].times, tables[k].values, at: t)
        }
    }
}

extension Simulator {
    /// Adds the spike sources and stimuli of batch instance `b` (model `m`), and its
    /// connections to `targets` (the outgoing connections of each source slot).
    func addInputs(of m: IRModel, instance b: Int, targets targetsOf: inout [[EventTarget]]) {
        let firstSlot = sources.count
        sourceBase.append(firstSlot)
        for (i, s) in m.spikeSources.enumerated() {
            var slot = SourceSlot(instance: b, source: i)
            if let g = s.generator {
                slot.generator = generators.count
                generators.append(GeneratorState(g, population: s.population, cell: s.cell))
                generatorSlots.append(sources.count)
            } else if let f = s.flag {
                let sb = synapseBlocks[f.group]
                slot.flag = UnsafePointer(sb.state.pointer + sb.index(f.state, synapseIndex(group: f.group, instance: f.instance, batch: b)))
                flagSlots.append(sources.count)
            } else {
                let block = m.populations[s.population].cellType
                slot.detector = detectors.count
                detectors.append(Detector(potential: UnsafePointer(blocks[block].v.pointer + cellIndex(block: block, node: s.node, population: s.population, cell: s.cell, instance: b)),
                                          threshold: s.threshold, slot: sources.count))
            }
            sources.append(slot)
            targetsOf.append([])
        }
        for c in m.connections {
            let detected = sources[firstSlot + c.source].detector != nil
            targetsOf[firstSlot + c.source].append(EventTarget(group: c.group, instance: synapseIndex(group: c.group, instance: c.instance, batch: b), weight: c.weight, delay: c.delay,
                                                            stepsAhead: Simulator.stepsAhead(delay: c.delay, dt: dt, detected: detected),
                                                            projection: c.projection, maskDraw: c.maskDraw ?? -1))
        }
        stimulusBase.append(stimuli.count)
        for s in m.stimuli {
            let block = m.populations[s.population].cellType
            let kind: StimulusSlot.Kind
            switch s.waveform {
            case .pulse(let d, let dur, let a): kind = .pulse(delay: d, duration: dur, amplitude: a)
            case .sine(let d, let dur, let a, let p, let ph): kind = .sine(delay: d, duration: dur, amplitude: a, period: p, phase: ph)
            case .noise(let mean, let sd, let seed, let stream):
                let key = CounterRandom.prefix(seed: seed, stream: stream, UInt64(s.population) << 32 | UInt64(s.cell))
                kind = .noise(mean: mean, sd: sd, key: key, slot: noiseKeys.count)
                noiseKeys.append(key)
            case .table(let times, let values):
                tables.append((times, values))
                kind = .table(tables.count - 1)
            }
            let index = cellIndex(block: block, node: s.node, population: s.population, cell: s.cell, instance: b)
            stimuli.append(StimulusSlot(target: blocks[block].iinj.pointer + index, kind: kind))
        }
    }

    /// In how many steps an event sent now with `delay` is delivered: NEURON delivers an event
    /// at the start of the first step whose mid-point t + dt/2 reaches its time, i.e.
    /// ceil(delay/dt - 1/2) steps later (a whole number of steps exactly; 0 for no delay).
    /// A spike detected at a threshold (`detected`) is sent `detectionOffset` after the
    /// step's time, as NEURON's PreSyn sends it, so a delay of exactly (k + 1/2) dt arrives in
    /// step k + 1; a generator's spike keeps its time, and such a tie arrives in step k.
    /// A delay longer than the longest run there can be gives `IRSimulation.maximumSteps + 1`
    /// (never delivered).
    static func stepsAhead(delay: Double, dt: Double, detected: Bool = false) -> Int {
        let steps = (delay / dt - 0.5 + (detected ? detectionOffset / dt : -1e-9)).rounded(.up)
        return steps <= Double(IRSimulation.maximumSteps) ? max(0, Int(steps)) : IRSimulation.maximumSteps + 1
    }

    /// How long after the step's time NEURON stamps a spike its threshold detection found (ms).
    static let detectionOffset = 1e-10

    /// The position of (node, cell of population, batch instance) in its cell block's arrays.
    @inline(__always)
    func cellIndex(block: Int, node: Int, population: Int, cell: Int, instance: Int) -> Int {
        blocks[block].index(node, instance * cellsPerInstance[block] + popOffset[population] + cell)
    }

}
