// brcc-fuzz: a seeded, deterministic mutation fuzzer over parsing, include resolution and
// lowering (`brcc check` without code generation); with --simulate over the kernel build and
// the runtime too (`brcc run` of the first steps), with --export over `brcc export`, and with
// --train over `brcc train` and `brcc report`. See docs/reliability.md.
//
//     swift build -c release --product brcc-fuzz
//     .build/release/brcc-fuzz --seed 1 --runs 100000 --out /tmp/fuzz
//
// A crash (signal, Swift trap, stack overflow) saves the input that caused it to
// OUT/crash-SEED-N.xml (from a signal handler on an alternate stack) and exits 1; with
// --keep-going a supervisor restarts the fuzzer after each crash at the next input.
import BRCDriver
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let usage = """
usage: brcc-fuzz [--seed S] [--runs N] [--seconds T] [--out DIR] [--max-len BYTES]
                 [--corpus DIR]... [--slow SECONDS] [--timeout SECONDS] [--max-mem MB]
                 [--start N] [--keep-going] [--stats] [--simulate STEPS [--simulate-every K]]
                 [--swift] [--fast] [--export] [--train] [--quiet]
       brcc-fuzz --replay FILE --as PATH
  --seed S        seed (default 1); input N of seed S is always the same bytes
  --runs N        inputs to run (default: unlimited when --seconds is given, else 10000)
  --seconds T     stop after T seconds
  --out DIR       where crash-SEED-N.xml, slow-SEED-N.xml, timeout-SEED-N.xml, internal-SEED-N.xml
                  and crashes.log go (default ./fuzz-out; must not be inside a corpus folder)
  --max-len B     longest input in bytes (default 262144)
  --corpus DIR    a folder of .nml/.xml seeds, searched recursively; repeatable. Default: the
                  repository's models/ and ../shared/neuroml/{LEMSexamples,examples}
  --slow S        an input taking longer than S seconds is recorded as slow (default 2)
  --timeout S     an input taking longer than S seconds is saved as timeout-SEED-N.xml and
                  ends the process with exit 3 (default 60)
  --max-mem MB    address-space limit, so runaway allocations crash instead of exhausting the
                  machine (default 4096; 0 = none)
  --start N       index of the first input (default 0)
  --keep-going    supervise: after a crash or timeout, restart at the next input
  --stats         also run loaded documents through `brcc inspect --ast` and accepted models through `brcc inspect --stats`
  --simulate N    also compile every accepted model with a <Simulation> and run its first N steps
                  as brcc run does (outputs and plots written to OUT/run-PID, emptied after each
                  input; kernels cached in OUT/kernel-cache)
  --simulate-every K
                  with --simulate, only every K-th input (by index) that is accepted is run (default 1)
  --swift         with --simulate, also run with the Swift kernels, whose outputs must be the C
                  kernels' byte for byte (a Swift kernel build takes seconds: use --simulate-every)
  --fast          with --simulate, also run with the fast kernels (--precision fast); only their
                  build and run are checked, their numbers differ by design
  --export        also export every accepted model with a <Simulation> to NEURON and to NeuroML as
                  brcc export does (into OUT/run-PID); the NEURON files must be well-formed and the
                  NeuroML export must load and lower again
  --train         also train every accepted model with a <brc:cueTask> whose trials are small
                  (one round of two sets, then brcc report; kernels in OUT/kernel-cache)
  --replay FILE --as PATH
                  run one saved input as if it were the file PATH (the 'base' in crashes.log,
                  so its includes resolve), without signal handlers: a crash shows Swift's message
exit status: 0 no crash, 1 crash(es) found, 3 timeout, 64 usage
"""

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("brcc-fuzz: \(message)\n\(usage)\n".utf8))
    exit(64)
}

// MARK: - Options

struct Options {
    var seed: UInt64 = 1
    var runs: Int? = nil
    var seconds: Double? = nil
    var out = "fuzz-out"
    var maxLength = 262_144
    var corpus: [String] = []
    var slow = 2.0
    var timeout = 60
    var maxMemoryMB = 4096
    var start = 0
    var keepGoing = false
    var stats = false
    var simulate = 0
    var simulateEvery = 1
    var export = false
    var swift = false
    var fast = false
    var train = false
    var quiet = false
    var selfTest: String? = nil
    var replay: String? = nil
    var replayPath: String? = nil
}

nonisolated(unsafe) var options = Options()
var passThrough: [String] = []  // the arguments a supervised child gets (without --keep-going/--start/--runs/--seconds)
do {
    var args = CommandLine.arguments.dropFirst()
    func value(_ flag: String) -> String {
        guard let v = args.popFirst() else { fail("\(flag) needs a value") }
        return v
    }
    while let a = args.popFirst() {
        switch a {
        case "--seed": let v = value(a); guard let s = UInt64(v) else { fail("bad seed '\(v)'") }; options.seed = s; passThrough += [a, v]
        case "--runs": let v = value(a); guard let n = Int(v), n >= 0 else { fail("bad run count '\(v)'") }; options.runs = n
        case "--seconds": let v = value(a); guard let t = Double(v), t >= 0 else { fail("bad seconds '\(v)'") }; options.seconds = t
        case "--out": options.out = value(a); passThrough += [a, options.out]
        case "--max-len": let v = value(a); guard let n = Int(v), n > 0 else { fail("bad length '\(v)'") }; options.maxLength = n; passThrough += [a, v]
        case "--corpus": let v = value(a); options.corpus.append(v); passThrough += [a, v]
        case "--slow": let v = value(a); guard let t = Double(v), t > 0 else { fail("bad seconds '\(v)'") }; options.slow = t; passThrough += [a, v]
        case "--timeout": let v = value(a); guard let t = Int(v), t > 0 else { fail("bad seconds '\(v)'") }; options.timeout = t; passThrough += [a, v]
        case "--max-mem": let v = value(a); guard let m = Int(v), m >= 0 else { fail("bad size '\(v)'") }; options.maxMemoryMB = m; passThrough += [a, v]
        case "--start": let v = value(a); guard let n = Int(v), n >= 0 else { fail("bad start '\(v)'") }; options.start = n
        case "--keep-going": options.keepGoing = true
        case "--stats": options.stats = true; passThrough.append(a)
        case "--simulate":
            let v = value(a); guard let n = Int(v), n > 0 else { fail("bad step count '\(v)'") }
            options.simulate = n; passThrough += [a, v]
        case "--simulate-every":
            let v = value(a); guard let n = Int(v), n > 0 else { fail("bad input interval '\(v)'") }
            options.simulateEvery = n; passThrough += [a, v]
        case "--export": options.export = true; passThrough.append(a)
        case "--swift": options.swift = true; passThrough.append(a)
        case "--fast": options.fast = true; passThrough.append(a)
        case "--train": options.train = true; passThrough.append(a)
        case "--replay": options.replay = value(a)
        case "--as": options.replayPath = value(a)
        case "--quiet": options.quiet = true; passThrough.append(a)
        // Hidden: prove that crashes are caught (FuzzTests).
        case "--self-test-crash", "--self-test-stack-overflow": options.selfTest = a; passThrough.append(a)
        case "-h", "--help": print(usage); exit(0)
        default: fail("unknown argument '\(a)'")
        }
    }
    if options.runs == nil && options.seconds == nil { options.runs = 10_000 }
    if (options.swift || options.fast) && options.simulate == 0 { fail("--swift and --fast run the model again: give --simulate STEPS too") }
}

/// What runs after lowering for input `n` (nil: nothing): --simulate keeps the kernels it
/// builds in OUT/kernel-cache (mutants that change no kernel reuse them), and the stages write
/// their files into OUT/run-PID (emptied after each input).
func stages(_ n: Int) -> Fuzz.Stages? {
    let out = URL(fileURLWithPath: options.out).standardizedFileURL
    var s = Fuzz.Stages(cache: out.appendingPathComponent("kernel-cache"), scratch: out.appendingPathComponent("run-\(getpid())"))
    s.stats = options.stats
    s.simulate = options.simulate > 0 && n % options.simulateEvery == 0 ? options.simulate : nil
    s.export = options.export
    s.swift = options.swift
    s.fast = options.fast
    s.train = options.train
    return s.stats || s.simulate != nil || s.export || s.train ? s : nil
}

if let file = options.replay {
    guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
    let path = options.replayPath ?? URL(fileURLWithPath: file).standardizedFileURL.path
    let t0 = Date()
    let outcome = Fuzz.run(text: String(decoding: data, as: UTF8.self), path: path, stages: stages(0))
    print("brcc-fuzz: replay \(file) as \(path): \(outcome) in \(String(format: "%.2f", Date().timeIntervalSince(t0))) s")
    exit(0)
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

let fm = FileManager.default
let outDir = URL(fileURLWithPath: options.out).standardizedFileURL
do { try fm.createDirectory(at: outDir, withIntermediateDirectories: true) } catch { fail("cannot create \(outDir.path): \(error)") }
let crashLog = outDir.appendingPathComponent("crashes.log").path

// MARK: - Supervisor (--keep-going)

/// The last entry of crashes.log: (seed, input index).
func lastLoggedInput() -> Int? {
    guard let text = try? String(contentsOfFile: crashLog, encoding: .utf8) else { return nil }
    guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("seed \(options.seed) ") }) else { return nil }
    let f = line.split(separator: " ")
    return f.count > 3 ? Int(f[3]) : nil
}

/// The running child of the supervisor, killed with it (SIGTERM/SIGINT/SIGHUP).
nonisolated(unsafe) var childPID: pid_t = 0

if options.keepGoing {
    let forward: @convention(c) (Int32) -> Void = { sig in
        if childPID > 0 { kill(childPID, SIGTERM) }
        _exit(128 + sig)
    }
    signal(SIGTERM, forward)
    signal(SIGINT, forward)
    signal(SIGHUP, forward)
    let t0 = now()
    var next = options.start, total = 0, crashes = 0, timeouts = 0, slow = 0
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    while true {
        var args = passThrough + ["--start", String(next)]
        if let runs = options.runs { let left = runs - total; if left <= 0 { break }; args += ["--runs", String(left)] }
        if let s = options.seconds { let left = s - (now() - t0); if left <= 0 { break }; args += ["--seconds", String(format: "%.1f", left)] }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: fm.isExecutableFile(atPath: exe) ? exe : CommandLine.arguments[0])
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "enable=no"
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        do { try p.run() } catch { fail("cannot start \(exe): \(error)") }
        childPID = p.processIdentifier
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        // The child's final line: "brcc-fuzz: seed S: N inputs ... slow K ..."
        if let line = output.split(separator: "\n").last(where: { $0.hasPrefix("brcc-fuzz: seed") }) {
            let f = line.split(separator: " ")
            if let i = f.firstIndex(of: "inputs"), i > 0, let n = Int(f[i - 1]) { total += n }
            if let i = f.firstIndex(of: "slow"), i + 1 < f.count, let n = Int(f[i + 1].trimmingCharacters(in: .punctuationCharacters)) { slow += n }
        }
        let status = p.terminationStatus
        if status == 0 && p.terminationReason == .exit { break }
        guard status == 1 || status == 3, let n = lastLoggedInput(), n >= next else {
            log("brcc-fuzz: the fuzzer exited with status \(status) without recording an input; stopping")
            exit(70)
        }
        total += n - next + 1
        if status == 1 { crashes += 1 } else { timeouts += 1 }
        next = n + 1
    }
    let secs = now() - t0
    // A child that crashed printed no final line: count its slow inputs from the files.
    let prefix = "slow-\(options.seed)-"
    slow = ((try? fm.contentsOfDirectory(atPath: outDir.path)) ?? []).filter {
        $0.hasPrefix(prefix) && (Int($0.dropFirst(prefix.count).dropLast(4)) ?? -1) >= options.start
    }.count
    print("brcc-fuzz: seed \(options.seed) (supervised): \(total) inputs in \(String(format: "%.1f", secs)) s (\(String(format: "%.0f", Double(total) / max(secs, 1e-9))) inputs/s), crashes \(crashes), timeouts \(timeouts), slow \(slow); see \(crashLog)")
    exit(crashes > 0 ? 1 : timeouts > 0 ? 3 : 0)
}

// MARK: - Corpus

let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
var corpusDirs = options.corpus.map { URL(fileURLWithPath: $0).standardizedFileURL }
if corpusDirs.isEmpty {
    // The repository (found from this source file, or the working directory) and its sibling ../shared.
    let repo = fm.fileExists(atPath: here.appendingPathComponent("models").path) ? here : URL(fileURLWithPath: fm.currentDirectoryPath)
    let shared = repo.deletingLastPathComponent().appendingPathComponent("shared")
    corpusDirs = [repo.appendingPathComponent("models"), shared.appendingPathComponent("neuroml/LEMSexamples"),
                  shared.appendingPathComponent("neuroml/examples")].map(\.standardizedFileURL)
}
for d in corpusDirs {
    let inside = outDir.path == d.path || outDir.path.hasPrefix(d.path + "/")
    if inside { fail("--out \(outDir.path) is inside the corpus folder \(d.path); the fuzzer never writes there") }
}
var corpus: [Fuzz.Seed] = []
for d in corpusDirs {
    guard let e = fm.enumerator(at: d, includingPropertiesForKeys: nil) else { log("brcc-fuzz: warning: cannot read corpus folder \(d.path)"); continue }
    var files: [URL] = []
    for case let u as URL in e where ["nml", "xml"].contains(u.pathExtension) { files.append(u.standardizedFileURL) }
    for u in files.sorted(by: { $0.path < $1.path }) {  // a fixed order: runs are deterministic
        if let data = fm.contents(atPath: u.path) { corpus.append(Fuzz.Seed(path: u.path, bytes: [UInt8](data))) }
    }
}
guard !corpus.isEmpty else { fail("no .nml/.xml files in \(corpusDirs.map(\.path).joined(separator: ", "))") }

// MARK: - Crash capture (async-signal-safe state, allocated before any input runs)

if options.maxMemoryMB > 0 {
    var lim = rlimit(rlim_cur: rlim_t(options.maxMemoryMB) << 20, rlim_max: rlim_t(options.maxMemoryMB) << 20)
    var old = rlimit()
    getrlimit(Int32(RLIMIT_AS.rawValue), &old)
    if old.rlim_max < lim.rlim_max { lim = old }  // RLIM_INFINITY is the largest value
    if setrlimit(Int32(RLIMIT_AS.rawValue), &lim) != 0 { log("brcc-fuzz: warning: cannot limit memory") }
}

/// Everything the signal handlers touch: plain memory, no Swift objects.
struct CrashState {
    var input: UnsafeMutablePointer<UInt8>
    var inputCapacity: Int
    var inputLength: Int = 0
    var crashPath: UnsafeMutablePointer<CChar>    // OUT/crash-SEED-N.xml for the current input
    var timeoutPath: UnsafeMutablePointer<CChar>  // OUT/timeout-SEED-N.xml
    var logPath: UnsafeMutablePointer<CChar>      // OUT/crashes.log
    var logLine: UnsafeMutablePointer<CChar>      // "seed S input N base PATH" prepared per input
    var logLineLength: Int = 0
    var scratch: UnsafeMutablePointer<CChar>
    var imageBase: UInt = 0
    var imageEnd: UInt = 0
}

func cbuf(_ n: Int) -> UnsafeMutablePointer<CChar> {
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: n)
    p.initialize(repeating: 0, count: n)
    return p
}

// Inputs are at most maxLength bytes after mutation; their UTF-8 re-encoding can grow invalid bytes
// into U+FFFD (3 bytes each), hence the factor.
nonisolated(unsafe) var crash = CrashState(
    input: UnsafeMutablePointer<UInt8>.allocate(capacity: options.maxLength * 3 + 16), inputCapacity: options.maxLength * 3 + 16,
    crashPath: cbuf(4096), timeoutPath: cbuf(4096), logPath: cbuf(4096), logLine: cbuf(8192), scratch: cbuf(256))

func copyC(_ s: String, to p: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
    let u = Array(s.utf8.prefix(capacity - 1))
    for (i, c) in u.enumerated() { p[i] = CChar(bitPattern: c) }
    p[u.count] = 0
    return u.count
}
_ = copyC(crashLog, to: crash.logPath, capacity: 4096)

/// write(2) everything, retrying short writes (async-signal-safe).
func writeAll(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) {
    var off = 0
    while off < n {
        let w = write(fd, p + off, n - off)
        if w <= 0 { return }
        off += w
    }
}

/// Decimal or hex digits of `v` into `crash.scratch` (async-signal-safe); returns the length.
func digits(_ v: UInt, hex: Bool) -> Int {
    let base: UInt = hex ? 16 : 10
    var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    return withUnsafeMutableBytes(of: &tmp) { t in
        var x = v, n = 0
        repeat { let d = UInt8(x % base); t[n] = d < 10 ? 48 + d : 87 + d; x /= base; n += 1 } while x > 0
        for i in 0..<n { crash.scratch[i] = CChar(bitPattern: t[n - 1 - i]) }
        return n
    }
}

func writeC(_ fd: Int32, _ s: StaticString) { writeAll(fd, s.utf8Start, s.utf8CodeUnitCount) }

/// Saves the current input to `path`, appends "seed S input N signal SIG pc PC base PATH" to crashes.log,
/// says so on stderr and exits. Only async-signal-safe calls.
func saveAndExit(path: UnsafeMutablePointer<CChar>, signal sig: Int32, pc: UInt, status: Int32) -> Never {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if fd >= 0 { writeAll(fd, crash.input, crash.inputLength); close(fd) }
    let lfd = open(crash.logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    for out in [lfd, 2] where out >= 0 {
        if out == 2 { writeC(2, "brcc-fuzz: CRASH: ") }
        // logLine is "seed S input N" ... then " signal SIG pc PC" ... then " base PATH\n"
        let head = strlen(crash.logLine) // up to the first NUL: "seed S input N"
        writeAll(out, crash.logLine, head)
        writeC(out, " signal ")
        writeAll(out, crash.scratch, digits(UInt(sig), hex: false))
        writeC(out, " pc ")
        if crash.imageBase != 0 && pc >= crash.imageBase && pc < crash.imageEnd { writeC(out, "exe+0x"); writeAll(out, crash.scratch, digits(pc - crash.imageBase, hex: true)) }
        else { writeC(out, "0x"); writeAll(out, crash.scratch, digits(pc, hex: true)) }
        writeAll(out, crash.logLine + head + 1, crash.logLineLength - head - 1)
        if out == 2 { writeC(2, "brcc-fuzz: input saved to "); writeAll(2, path, strlen(path)); writeC(2, "\n") }
    }
    if lfd >= 0 { close(lfd) }
    _exit(status)
}

func programCounter(_ context: UnsafeMutableRawPointer?) -> UInt {
    #if os(Linux) && arch(x86_64)
    guard let uc = context?.assumingMemoryBound(to: ucontext_t.self) else { return 0 }
    return withUnsafeBytes(of: &uc.pointee.uc_mcontext.gregs) { UInt(bitPattern: Int($0.load(fromByteOffset: 16 * 8, as: Int64.self))) }
    #elseif os(Linux) && arch(arm64)
    guard let uc = context?.assumingMemoryBound(to: ucontext_t.self) else { return 0 }
    return UInt(uc.pointee.uc_mcontext.pc)
    #else
    return 0
    #endif
}

let onCrash: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void = { sig, _, context in
    saveAndExit(path: crash.crashPath, signal: sig, pc: programCounter(context), status: 1)
}
let onTimeout: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void = { sig, _, context in
    saveAndExit(path: crash.timeoutPath, signal: sig, pc: programCounter(context), status: 3)
}

do {
    // The executable's load address (the first mapping of its file), so pcs are comparable across runs.
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    if let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8),
       case let lines = maps.split(separator: "\n").filter({ $0.hasSuffix(" " + exe) }),
       let first = lines.first, let last = lines.last,
       let start = first.split(separator: "-").first, let base = UInt(start, radix: 16),
       let range = last.split(separator: " ").first, let endText = range.split(separator: "-").last, let end = UInt(endText, radix: 16) {
        crash.imageBase = base
        crash.imageEnd = end
    }
    // An alternate stack, so that a stack overflow can still run the handler.
    let size = 1 << 20
    var ss = stack_t()
    ss.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
    ss.ss_size = size
    ss.ss_flags = 0
    if sigaltstack(&ss, nil) != 0 { log("brcc-fuzz: warning: sigaltstack failed; stack overflows will not be caught") }
    func install(_ sig: Int32, _ handler: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void) {
        var sa = sigaction()
        #if os(Linux)
        sa.__sigaction_handler.sa_sigaction = handler
        #else
        sa.__sigaction_u.__sa_sigaction = handler
        #endif
        sa.sa_flags = Int32(SA_SIGINFO | SA_ONSTACK) | Int32(bitPattern: UInt32(SA_RESETHAND))
        sigemptyset(&sa.sa_mask)
        sigaction(sig, &sa, nil)
    }
    for s in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] { install(s, onCrash) }
    install(SIGALRM, onTimeout)
}

// MARK: - The loop

@inline(never) func selfTestTrap(_ n: Int) -> Int {
    let big = Double(String(repeating: "9", count: 400 + n % 2))!  // inf, opaque to the optimiser
    return Int(big)  // traps: Double value cannot be converted to Int
}
// Called through a variable, so the optimiser cannot turn the recursion into a loop.
nonisolated(unsafe) var recurse: (Int) -> Int = selfTestRecurse
@inline(never) func selfTestRecurse(_ n: Int) -> Int {
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 512) { buf in
        buf[n % 512] = n
        return recurse(n &+ 1) &+ buf[(n &* 7) % 512]
    }
}

let seedString = String(options.seed)
func prepare(_ n: Int, basePath: String) {
    let stem = outDir.appendingPathComponent("x-\(seedString)-\(n).xml").path
    _ = copyC(stem.replacingOccurrences(of: "/x-\(seedString)-", with: "/crash-\(seedString)-"), to: crash.crashPath, capacity: 4096)
    _ = copyC(stem.replacingOccurrences(of: "/x-\(seedString)-", with: "/timeout-\(seedString)-"), to: crash.timeoutPath, capacity: 4096)
    // "seed S input N\0 base PATH\n": the handler writes the signal and pc between the parts.
    let head = copyC("seed \(seedString) input \(n)", to: crash.logLine, capacity: 8192)
    let tail = copyC(" base \(basePath)\n", to: crash.logLine + head + 1, capacity: 8192 - head - 1)
    crash.logLineLength = head + 1 + tail
}

let t0 = now()
var lastReport = t0
var ran = 0, slow = 0, internalErrors = 0, accepted = 0
var internalMessages: Set<String> = []
var n = options.start
let endTime = options.seconds.map { t0 + $0 }
while true {
    if let runs = options.runs, ran >= runs { break }
    if ran % 16 == 0, let endTime, now() >= endTime { break }
    var rng = Fuzz.RNG(seed: options.seed, input: n)
    let base = corpus[rng.below(corpus.count)]
    // Until the input is ready, a crash (in the mutation engine) saves the unmutated seed.
    for (i, c) in base.bytes.prefix(crash.inputCapacity).enumerated() { crash.input[i] = c }
    crash.inputLength = min(base.bytes.count, crash.inputCapacity)
    prepare(n, basePath: base.path)
    let bytes = Fuzz.mutate(base.bytes, corpus: corpus, rng: &rng, maxLength: options.maxLength)
    // The parser sees text; keep exactly the bytes it will see, so a saved input reproduces.
    let text = String(decoding: bytes, as: UTF8.self)
    var len = 0
    for c in text.utf8 where len < crash.inputCapacity { crash.input[len] = c; len += 1 }
    crash.inputLength = len

    let started = now()
    alarm(UInt32(options.timeout))
    if let test = options.selfTest {
        _ = test == "--self-test-crash" ? selfTestTrap(n) : selfTestRecurse(n)
    }
    let outcome = Fuzz.run(text: text, path: base.path, stages: stages(n))
    alarm(0)
    let took = now() - started
    ran += 1
    switch outcome {
    case .accepted: accepted += 1
    case .rejected: break
    case .internalError(let message):
        internalErrors += 1
        // One file per kind of message: names and numbers vary ("node 15 has axial conductance nan").
        let kind = message.split(separator: ":").dropLast().joined(separator: ":") + ":" +
            String(message.split(separator: ":").last ?? "").replacingOccurrences(of: "[0-9]+", with: "N", options: .regularExpression)
        if internalMessages.insert(kind).inserted {
            let file = outDir.appendingPathComponent("internal-\(seedString)-\(n).xml")
            _ = fm.createFile(atPath: file.path, contents: Data(text.utf8))
            log("brcc-fuzz: input \(n) (from \(base.path)): \(message); saved to \(file.path)")
        }
    }
    if took > options.slow {
        slow += 1
        let file = outDir.appendingPathComponent("slow-\(seedString)-\(n).xml")
        _ = fm.createFile(atPath: file.path, contents: Data(text.utf8))
        log("brcc-fuzz: SLOW: input \(n) took \(String(format: "%.1f", took)) s (from \(base.path)); saved to \(file.path)")
    }
    n += 1
    if ran % 64 == 0 {
        let t = now()
        if t - lastReport >= 10 && !options.quiet {
            lastReport = t
            log("brcc-fuzz: \(ran) inputs, \(String(format: "%.0f", Double(ran) / (t - t0))) inputs/s, crashes 0, slow \(slow), internal errors \(internalErrors), accepted \(accepted)")
        }
    }
}
let secs = now() - t0
print("brcc-fuzz: seed \(seedString): \(ran) inputs (\(options.start)..<\(n)) in \(String(format: "%.1f", secs)) s (\(String(format: "%.0f", Double(ran) / max(secs, 1e-9))) inputs/s), crashes 0, slow \(slow), internal errors \(internalErrors), accepted \(accepted), corpus \(corpus.count) files")
exit(0)
