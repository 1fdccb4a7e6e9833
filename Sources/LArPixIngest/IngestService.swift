import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// The daemon as a swift-service-lifecycle service: SIGTERM/SIGINT shut it down gracefully
/// (through the ServiceGroup), SIGHUP rotates the file.
public struct IngestService: Service {
    let daemon: IngestDaemon

    public init(daemon: IngestDaemon) { self.daemon = daemon }

    public func run() async throws {
        try daemon.start()
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
        // Draining blocks on threads; keep it off the cooperative pool.
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread { daemon.stop(); c.resume() }.start()
        }
    }

    /// Runs the daemon until SIGTERM or SIGINT.
    public static func runUntilSignalled(_ daemon: IngestDaemon, logger: Logger) async throws {
        let group = ServiceGroup(services: [IngestService(daemon: daemon)],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
