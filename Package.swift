// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Perk",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PerkLanguage", targets: ["PerkLanguage"]),
        .library(name: "PerkEngine", targets: ["PerkEngine"]),
        .library(name: "PerkConfig", targets: ["PerkConfig"]),
        .library(name: "PerkTesting", targets: ["PerkTesting"]),
        .library(name: "PerkServer", targets: ["PerkServer"]),
        .executable(name: "perk", targets: ["perk"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Hummingbird's network layer, named only to tell a port in use or an unknown host apart.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // Source → tokens → syntax tree → checked program; diagnostics and formatter. No dependencies.
        .target(name: "PerkLanguage"),
        // Checked policies applied to members' events; reading event and member files.
        .target(name: "PerkEngine", dependencies: ["PerkLanguage", "CPrefetch"]),
        // A cache prefetch hint, which Swift does not have (a C header's inline function).
        .target(name: "CPrefetch"),
        // A deployment's perk.yaml: policy, parameter values, input layout, command defaults.
        .target(name: "PerkConfig", dependencies: ["PerkLanguage", "PerkEngine", .product(name: "Yams", package: "Yams")]),
        // Operators' policy tests (*.test.yaml): reading, running, rule coverage.
        .target(name: "PerkTesting", dependencies: ["PerkConfig", "PerkEngine", "PerkLanguage", .product(name: "Yams", package: "Yams")]),
        // The HTTP JSON service (Hummingbird), in its own target so the libraries stay light.
        .target(name: "PerkServer", dependencies: [
            "PerkConfig", "PerkEngine", "PerkLanguage",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The command line: one file per subcommand, nothing else.
        .executableTarget(
            name: "perk",
            dependencies: [
                "PerkLanguage",
                "PerkEngine",
                "PerkConfig",
                "PerkTesting",
                "PerkServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers shared by tests and benchmarks (a seeded random generator).
        .target(name: "PerkTestSupport"),
        .testTarget(name: "PerkLanguageTests", dependencies: ["PerkLanguage", "PerkTestSupport"]),
        // Simulations/ is read from the source tree by path.
        .testTarget(name: "PerkEngineTests", dependencies: ["PerkEngine", "PerkLanguage", "PerkTestSupport"], exclude: ["Simulations"]),
        .testTarget(name: "PerkConfigTests", dependencies: ["PerkConfig", "PerkEngine", "PerkLanguage"]),
        .testTarget(name: "PerkTestingTests", dependencies: ["PerkTesting", "PerkConfig"]),
        // Benchmarks print figures: `swift run -c release perk-bench-frontend` (or `perk-bench-engine`, `perk-bench-read`).
        .executableTarget(name: "perk-bench-frontend", dependencies: ["PerkLanguage"], path: "Benchmarks/FrontEnd"),
        .executableTarget(name: "perk-bench-engine", dependencies: ["PerkEngine", "PerkLanguage", "PerkTestSupport"], path: "Benchmarks/Engine"),
        .target(name: "PerkBenchmarkSupport", dependencies: ["PerkEngine", "PerkLanguage"], path: "Benchmarks/Support"),
        .executableTarget(name: "perk-bench-read", dependencies: ["PerkEngine", "PerkBenchmarkSupport"], path: "Benchmarks/Read"),
        .executableTarget(name: "perk-bench-simulate", dependencies: ["PerkEngine", "PerkBenchmarkSupport"], path: "Benchmarks/Simulate"),
        // Seeded synthetic event streams with every event type: `swift run -c release perk-generate --help`.
        .executableTarget(name: "perk-generate", dependencies: ["PerkLanguage", "PerkTestSupport"], path: "Benchmarks/Generate"),
    ]
)
