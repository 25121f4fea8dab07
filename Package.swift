// swift-tools-version:6.0
// brcc: a compiler and runtime for biophysically detailed neuron networks.
// One target per pipeline stage; dependencies point one way (see docs/architecture.md).
import PackageDescription

let package = Package(
    name: "brcc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "brcc", targets: ["brcc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "BRCDiagnostics"),
        .target(name: "BRCPlot"),
        .target(name: "BRCUnits"),
        .target(name: "CBRCKernel"),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),
        .target(name: "BRCSyntax", dependencies: ["BRCDiagnostics"]),
        // The NeuroML2 core type definitions ship as a resource (LGPL-3.0, see CoreTypes/README.md).
        .target(name: "BRCParse", dependencies: ["BRCSyntax", "BRCDiagnostics", "CLibXML2"],
                resources: [.copy("CoreTypes")]),
        .target(name: "BRCIR", dependencies: ["BRCUnits", "BRCDiagnostics"]),
        .target(name: "BRCLowering", dependencies: ["BRCSyntax", "BRCIR", "BRCUnits", "BRCDiagnostics"]),
        .target(name: "BRCCodeGen", dependencies: ["BRCIR"]),
        // The stepping loop and the task's trials are optimised in debug builds too: the tests
        // simulate whole trials.
        .target(name: "BRCRuntime", dependencies: ["BRCIR", "CBRCKernel"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "BRCTask", dependencies: ["BRCIR", "BRCRuntime", "BRCUnits", "BRCPlot"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "BRCDriver", dependencies: [
            "BRCDiagnostics", "BRCUnits", "BRCSyntax", "BRCParse", "BRCIR",
            "BRCLowering", "BRCCodeGen", "BRCRuntime", "BRCTask", "BRCPlot",
        ]),
        .executableTarget(name: "brcc", dependencies: [
            "BRCDriver", "BRCCodeGen", "BRCTask", "BRCIR", "BRCRuntime", "BRCDiagnostics",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Benchmarks (not tests): `swift run -c release brcc-bench`.
        .executableTarget(name: "brcc-bench", dependencies: ["BRCCodeGen", "BRCDriver", "BRCIR", "BRCRuntime", "BRCTask"]),
        // Fuzzing parse + lowering (docs/reliability.md): `swift build -c release --product brcc-fuzz`.
        .executableTarget(name: "brcc-fuzz", dependencies: ["BRCDriver"]),
        .testTarget(name: "BRCTests", dependencies: [
            "BRCDiagnostics", "BRCUnits", "BRCSyntax", "BRCParse", "BRCIR",
            "BRCLowering", "BRCCodeGen", "BRCRuntime", "BRCDriver", "BRCTask", "BRCPlot", "CBRCKernel",
        ], exclude: ["Fixtures", "Golden"]),
    ]
)
