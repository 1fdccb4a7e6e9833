import Foundation
import LArPixIngest
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The control endpoint: line-delimited JSON requests (`ControlRequest`) answered with one
/// JSON line each (`ControlReply`), on a unix socket (mode 0660) or a TCP port. It runs on an
/// event-loop thread of its own, never the cooperative pool, and makes no HDF5 call: each
/// request goes to `handler` (the pipeline's writer queue), whose reply comes back from the
/// writer thread and is written by the event loop. Bound before the data path starts (a taken
/// address stops start-up, as metrics.listen does); requests before `target` is set are refused.
// @unchecked Sendable: `channel` is set by `start()` and cleared by `stop()`, both called by the
// thread that owns the daemon's lifecycle; the target is behind a lock.
package final class ControlServer: @unchecked Sendable {
    package typealias Handler = @Sendable ([UInt8], @escaping @Sendable (ControlReply) -> Void) -> Void

    package let endpoint: ControlEndpoint
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: Channel?
    private let target = Target()
    private let connections = ManagedCounter()
    static let maxConnections = 16
    private let logger: Logger

    package init(endpoint: ControlEndpoint, logger: Logger) {
        self.endpoint = endpoint
        self.logger = logger
    }

    /// The TCP port bound (port 0 picks one).
    package var port: Int? { channel?.localAddress?.port }

    /// Where requests go from now on.
    package func route(to handler: @escaping Handler) { target.handler.withLock { $0 = handler } }

    /// Binds; a unix socket's stale file (no daemon behind it) is replaced, a live one refused.
    package func start(createDirectory: Bool) throws {
        if case .unix(let path) = endpoint {
            do { try prepareSocketPath(path, createDirectory: createDirectory) } catch {
                try? group.syncShutdownGracefully()
                throw error
            }
        }
        let (target, open, limit) = (self.target, connections, Self.maxConnections)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard open.increment() <= limit else {
                    open.decrement()
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in open.decrement() }
                return channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    // A client that says nothing is let go; a reply may take a while (a close and fsync).
                    try ops.addHandler(IdleStateHandler(readTimeout: .seconds(120)))
                    try ops.addHandler(ControlLineHandler(target: target))
                }
            }
        do {
            switch endpoint {
            case .unix(let path):
                channel = try bootstrap.bind(unixDomainSocketPath: path).wait()
                chmod(path, 0o660)
            case .tcp(let host, let port):
                channel = try bootstrap.bind(host: host, port: port).wait()
            }
        } catch {
            try? group.syncShutdownGracefully()
            throw ListenError(key: "control.listen", address: "\(endpoint)", reason: Self.reason(error))
        }
    }

    package func stop() {
        try? channel?.close().wait()
        channel = nil
        try? group.syncShutdownGracefully()
        if case .unix(let path) = endpoint, Self.isSocket(path) { unlink(path) }
    }

    private func prepareSocketPath(_ path: String, createDirectory: Bool) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if createDirectory && !FileManager.default.fileExists(atPath: dir) {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        }
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        guard Self.isSocket(path) else {
            throw ListenError(key: "control.listen", address: "\(endpoint)", reason: "\(path) exists and is not a socket")
        }
        if ControlClient(endpoint: endpoint, timeout: 1).isListening() {
            throw ListenError(key: "control.listen", address: "\(endpoint)", reason: "another daemon is listening there")
        }
        logger.info("control: replacing the stale socket \(path)")
        unlink(path)
    }

    /// Where requests go, shared with the connections (set once the data path runs).
    final class Target: Sendable {
        let handler = Mutex<Handler?>(nil)
    }

    static func isSocket(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK
    }

    private static func reason(_ error: Error) -> String {
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)) }
        return "\(error)"
    }
}
