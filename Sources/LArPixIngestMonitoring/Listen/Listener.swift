import Foundation
import Synchronization
import NIOCore
import NIOPosix

/// The accepting half of the daemon's small servers (metrics, control): one event-loop thread
/// of its own (never the cooperative pool), at most `maxConnections` held — more are closed at
/// once, so that clients which connect and say nothing cannot use up the daemon's descriptors —
/// and each connection's pipeline built by the server's `configure`. A failed bind is a
/// `ListenError` naming the config key and the address.
// @unchecked Sendable: `channel` is set by `bind` and cleared by `stop()`, both called by the
// thread that owns the daemon's lifecycle; NIO's own types do the rest.
final class Listener: @unchecked Sendable {
    enum Address: Sendable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    /// The config key a failure names (metrics.listen, control.listen).
    let key: String
    let maxConnections: Int
    /// Connections open now.
    let connections = ManagedCounter()
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: Channel?

    init(key: String, maxConnections: Int) {
        self.key = key
        self.maxConnections = maxConnections
    }

    /// The TCP port bound (port 0 picks one).
    var port: Int? { channel?.localAddress?.port }

    /// Binds `address` (`shown` is how the config wrote it, for the error).
    func bind(_ address: Address, shown: String, backlog: Int32,
              configure: @escaping @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void) throws(ListenError) {
        let (open, limit) = (connections, maxConnections)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard open.increment() <= limit else {
                    open.decrement()
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in open.decrement() }
                return channel.eventLoop.makeCompletedFuture { try configure(channel.pipeline.syncOperations) }
            }
        do {
            switch address {
            case .tcp(let host, let port): channel = try bootstrap.bind(host: host, port: port).wait()
            case .unix(let path): channel = try bootstrap.bind(unixDomainSocketPath: path).wait()
            }
        } catch {
            stop()
            throw ListenError(key: key, address: shown, reason: Self.reason(error))
        }
    }

    /// Closes the listening socket (if bound) and ends the event-loop thread.
    func stop() {
        try? channel?.close().wait()
        channel = nil
        try? group.syncShutdownGracefully()
    }

    private static func reason(_ error: Error) -> String {
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)) }
        return "\(error)"
    }
}

/// A count shared by a listener's channels.
final class ManagedCounter: Sendable {
    private let value = Atomic<Int>(0)
    /// The count after adding one.
    @discardableResult func increment() -> Int { value.wrappingAdd(1, ordering: .relaxed).newValue }
    func decrement() { value.wrappingSubtract(1, ordering: .relaxed) }
    var current: Int { value.load(ordering: .relaxed) }
}
