import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A minimal HTTP/1.1 server for Prometheus: GET (or HEAD) /metrics answers the exposition text
/// that `render` produces; any other path is 404, any other method 405. One event-loop thread;
/// each response closes its connection, which is all a scraper needs. A connection idle for
/// `idleTimeout` is closed, and at most `maxConnections` are held (more are closed at once), so
/// that clients which connect and say nothing cannot use up the daemon's descriptors.
// @unchecked Sendable: `channel` is set by `start()` and cleared by `stop()`, both called by the
// one thread that owns the monitoring's lifecycle; NIO's own types do the rest.
final class MetricsServer: @unchecked Sendable {
    let address: String
    private let render: @Sendable () -> [UInt8]
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: Channel?
    let idleTimeout: TimeAmount
    let maxConnections: Int
    /// Connections open now.
    let connections = ManagedCounter()

    init(address: String, idleTimeout: TimeAmount = .seconds(10), maxConnections: Int = 64,
         render: @escaping @Sendable () -> [UInt8]) {
        self.address = address
        self.render = render
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }

    /// The port actually bound (useful with port 0).
    var port: Int? { channel?.localAddress?.port }

    /// Binds `address` (HOST:PORT; "*" and "[::]" for every interface). A failure is a
    /// `ListenError` naming metrics.listen and the address.
    func start() throws {
        guard let (host, port) = Self.split(address) else {
            throw ListenError(key: "metrics.listen", address: address, reason: "not HOST:PORT")
        }
        let (render, idle, limit, open) = (self.render, idleTimeout, maxConnections, connections)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard open.increment() <= limit else {
                    open.decrement()
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in open.decrement() }
                return channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    try ops.addHandler(IdleStateHandler(allTimeout: idle))
                    try ops.configureHTTPServerPipeline(withErrorHandling: true)
                    try ops.addHandler(MetricsHTTPHandler(render: render))
                }
            }
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw ListenError(key: "metrics.listen", address: address, reason: Self.reason(error))
        }
    }

    func stop() {
        try? channel?.close().wait()
        channel = nil
        try? group.syncShutdownGracefully()
    }

    /// "HOST:PORT" with "*" for any IPv4 address and brackets around an IPv6 host.
    static func split(_ address: String) -> (String, Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return nil }
        var host = String(address[..<colon])
        if host == "*" { host = "0.0.0.0" }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    private static func reason(_ error: Error) -> String {
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)) }
        return "\(error)"
    }
}

/// A count shared by the server's channels.
final class ManagedCounter: Sendable {
    private let value = Atomic<Int>(0)
    /// The count after adding one.
    @discardableResult func increment() -> Int { value.wrappingAdd(1, ordering: .relaxed).newValue }
    func decrement() { value.wrappingSubtract(1, ordering: .relaxed) }
    var current: Int { value.load(ordering: .relaxed) }
}
