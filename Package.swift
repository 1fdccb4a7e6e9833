// swift-tools-version:6.0
// larpix-rawd: the LArPix raw HDF5 ingest daemon and its file tool.
// The target graph follows the data path: C modules -> thin HDF5/ZMQ wrappers -> raw format
// library -> ingest (receiver, batcher, writer) -> daemon; the file tool sits beside it.
import PackageDescription

let package = Package(
    name: "larpix-rawd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "larpix-rawd", targets: ["larpix-rawd"]),
        .executable(name: "larpix-raw", targets: ["larpix-raw"]),
        .library(name: "LArPixRaw", targets: ["LArPixRaw"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // C libraries from Debian, with shims for the macros that do not import.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial"),
        .systemLibrary(name: "CZMQ"),
        .systemLibrary(name: "CSystemd"),
        // zlib's adler32 and libcrypto's SHA-256, for the checksums in closed files' sidecars.
        .systemLibrary(name: "CChecksums"),

        // An HDF5 file driver that orders a SWMR writer's flushes for live readers.
        .target(name: "COrderedVFD", dependencies: ["CHDF5"]),

        // Thin wrappers that own their handles.
        .target(name: "HDF5", dependencies: ["CHDF5", "COrderedVFD"]),
        .target(name: "ZMQ", dependencies: ["CZMQ"]),

        // The LArPix raw HDF5 format (v0.0) and the PACMAN message.
        .target(name: "LArPixRaw", dependencies: ["HDF5", "CHDF5"]),

        // A PACMAN dataserver stand-in for tests and demos.
        .target(name: "PacmanEmulator", dependencies: ["LArPixRaw", "ZMQ"]),

        // Receiver -> batcher -> writer, config, rotation: the daemon's library.
        .target(name: "LArPixIngest", dependencies: [
            "LArPixRaw", "ZMQ", "CSystemd", "CChecksums",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Yams", package: "Yams"),
        ]),

        .executableTarget(name: "larpix-rawd", dependencies: [
            "LArPixIngest",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "larpix-raw", dependencies: [
            "LArPixRaw", "PacmanEmulator", "ZMQ",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmarks (bench/run.sh): C ceilings with the same libraries, and the tool that runs them
        // beside our code.
        .target(name: "CBenchCeilings", dependencies: ["CHDF5", "CZMQ"],
                linkerSettings: [.linkedLibrary("hdf5_serial"), .linkedLibrary("zmq")]),
        .executableTarget(name: "larpix-bench", dependencies: [
            "LArPixRaw", "CBenchCeilings",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Temp dirs, subprocesses and the Python oracles, for the test targets only.
        .target(name: "TestSupport", linkerSettings: [.linkedFramework("XCTest", .when(platforms: [.macOS]))]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "LArPixRawTests", dependencies: ["LArPixRaw", "TestSupport"]),
        .testTarget(name: "LArPixIngestTests", dependencies: ["LArPixIngest", "PacmanEmulator", "ZMQ", "LArPixRaw", "TestSupport", "CChecksums"]),
        .testTarget(name: "EndToEndTests", dependencies: ["LArPixRaw", "PacmanEmulator", "ZMQ", "TestSupport"]),
        // The Debian package, its unit under a real systemd, monitoring/ against Prometheus (tests/deploy).
        .testTarget(name: "DeploymentTests", dependencies: ["TestSupport"]),
    ]
)
