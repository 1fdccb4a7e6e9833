// swift-tools-version:6.0
// larpix-rawd: the LArPix raw HDF5 ingest daemon and its file tool.
// The target graph follows the data path: C modules -> thin HDF5/ZMQ wrappers -> raw format
// library -> ingest (receiver, batcher, writer) -> daemon; the file tool sits beside it.
// Linux only: the ordered file driver uses inotify and file leases (F_SETLEASE, F_SETSIG), the
// daemon systemd and Glibc; Debian 12 is the platform it is built and tested on.
import PackageDescription

let package = Package(
    name: "larpix-rawd",
    products: [
        .executable(name: "larpix-rawd", targets: ["larpix-rawd"]),
        .executable(name: "larpix-raw", targets: ["larpix-raw"]),
        .library(name: "LArPixRaw", targets: ["LArPixRaw"]),
        .library(name: "PACMAN", targets: ["PACMAN"]),
        .library(name: "LArPixPackets", targets: ["LArPixPackets"]),
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
        // glibc's mallopt and malloc_trim: when the daemon gives memory back (MemoryReturn).
        .systemLibrary(name: "CMalloc"),
        // zlib's adler32 and libcrypto's SHA-256, for the checksums in closed files' sidecars.
        .systemLibrary(name: "CChecksums"),
        // zlib's inflate, for the native HDF5 reader.
        .systemLibrary(name: "CZlib"),

        // An HDF5 file driver that orders a SWMR writer's flushes for live readers.
        .target(name: "COrderedVFD", dependencies: ["CHDF5"]),

        // POSIX calls retried on EINTR, errno read at once.
        .target(name: "Posix"),

        // Thin wrappers that own their handles.
        .target(name: "HDF5", dependencies: ["CHDF5", "COrderedVFD"]),
        .target(name: "ZMQ", dependencies: ["CZMQ", "Posix"]),

        // A small read-only HDF5 reader in Swift, for files newer HDF5 versions write.
        .target(name: "HDF5Native", dependencies: ["CZlib", "Posix"]),

        // The PACMAN message (io_version 0.0): parsing and building, pure Swift, no HDF5.
        .target(name: "PACMAN"),

        // The LArPix raw HDF5 format (v0.0).
        .target(name: "LArPixRaw", dependencies: ["HDF5", "CHDF5", "HDF5Native", "Posix"]),

        // larpix-control's packet file (format 2.4), converted from raw files.
        .target(name: "LArPixPackets", dependencies: ["LArPixRaw", "PACMAN", "HDF5", "CHDF5"]),

        // A PACMAN dataserver stand-in for tests and demos.
        .target(name: "PacmanEmulator", dependencies: ["PACMAN", "ZMQ"]),

        // The data path: receive -> buffer/batch -> write (rotation, naming, disk space), its
        // config and its counters. No NIO, Prometheus or Metrics: monitoring sits behind a seam
        // (IngestSnapshot, WriterEvents).
        .target(name: "LArPixIngest", dependencies: [
            "LArPixRaw", "PACMAN", "ZMQ", "CSystemd", "CMalloc", "Posix",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]),
        // What an operator watches the data path with: metrics over HTTP, the data tap, the latest
        // link, and closed-file work (checksums, sidecars, on_close).
        .target(name: "LArPixIngestMonitoring", dependencies: [
            "LArPixIngest", "LArPixRaw", "LArPixPackets", "PACMAN", "ZMQ", "CChecksums", "Posix",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),

        .executableTarget(name: "larpix-rawd", dependencies: [
            "LArPixIngest", "LArPixIngestMonitoring", "ZMQ",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "larpix-raw", dependencies: [
            "LArPixRaw", "LArPixPackets", "PACMAN", "PacmanEmulator", "ZMQ", "LArPixIngest", "Posix",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmarks (bench/run.sh): C ceilings with the same libraries, and the tool that runs them
        // beside our code.
        .target(name: "CBenchCeilings", dependencies: ["CHDF5", "CZMQ"],
                linkerSettings: [.linkedLibrary("hdf5_serial"), .linkedLibrary("zmq")]),
        .executableTarget(name: "larpix-bench", dependencies: [
            "LArPixRaw", "LArPixPackets", "PACMAN", "CBenchCeilings", "LArPixIngest",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Temp dirs, subprocesses and the Python oracles, for the test targets only.
        .target(name: "TestSupport", linkerSettings: [.linkedFramework("XCTest", .when(platforms: [.macOS]))]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "HDF5NativeTests", dependencies: ["HDF5Native", "TestSupport"]),
        .testTarget(name: "PACMANTests", dependencies: ["PACMAN"]),
        .testTarget(name: "LArPixRawTests", dependencies: ["LArPixRaw", "TestSupport"]),
        .testTarget(name: "ZMQTests", dependencies: ["ZMQ"]),
        .testTarget(name: "PacmanEmulatorTests", dependencies: ["PacmanEmulator", "PACMAN", "LArPixRaw", "ZMQ"]),
        .testTarget(name: "LArPixIngestTests", dependencies: ["LArPixIngest", "CMalloc", "PACMAN", "PacmanEmulator", "ZMQ", "LArPixRaw", "TestSupport"]),
        .testTarget(name: "LArPixIngestMonitoringTests", dependencies: [
            "LArPixIngestMonitoring", "LArPixIngest", "PACMAN", "LArPixRaw", "TestSupport", "CChecksums",
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // Process-level: the daemon binary over loopback ZeroMQ (swift test --filter DaemonTests).
        .testTarget(name: "DaemonTests", dependencies: ["LArPixIngest", "PACMAN", "PacmanEmulator", "ZMQ", "LArPixRaw", "TestSupport"]),
        .testTarget(name: "LArPixPacketsTests", dependencies: ["LArPixPackets", "LArPixRaw", "PACMAN", "HDF5", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["LArPixRaw", "PACMAN", "PacmanEmulator", "ZMQ", "TestSupport"]),
        // The Debian package, its unit under a real systemd, monitoring/ against Prometheus (tests/deploy).
        .testTarget(name: "DeploymentTests", dependencies: ["TestSupport"]),
    ]
)
