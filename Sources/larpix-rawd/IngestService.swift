import Foundation
import LArPixIngest
import Logging
import ServiceLifecycle
import UnixSignals

/// The daemon as a swift-service-lifecycle service: SIGTERM/SIGINT shut it down gracefully
/// (through the ServiceGroup), SIGHUP rotates the file. Starting and stopping block on threads
/// (socket set-up, the first file, the drain), so both run on a thread of their own, never on
/// the cooperative pool.
struct IngestService: Service {
    let config: DaemonConfig
    let logger: Logger

    func run() async throws {
        let daemon = try await Self.offPool { try IngestDaemon.start(config: config, logger: logger) }
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in hangups.cancelOnGracefulShutdown() { daemon.requestRotation() }
            }
            group.addTask {
                try? await gracefulShutdown()
            }
            await group.next()
            group.cancelAll()
        }
        try await Self.offPool { daemon.stop() }
    }

    /// Runs `body` on a new thread and waits for it without holding a cooperative thread.
    private static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, Error>) in
            Thread { c.resume(with: Result { try body() }) }.start()
        }
    }

    /// Runs the daemon until SIGTERM or SIGINT.
    static func runUntilSignalled(config: DaemonConfig, logger: Logger) async throws {
        let group = ServiceGroup(services: [IngestService(config: config, logger: logger)],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
