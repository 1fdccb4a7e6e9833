import Foundation
import NIOCore
import NIOHTTP1

/// A minimal HTTP/1.1 server for Prometheus: GET (or HEAD) /metrics answers the exposition text
/// that `render` produces; any other path is 404, any other method 405. Each response closes its
/// connection, which is all a scraper needs; a connection idle for `idleTimeout` is closed, and
/// the `Listener` holds at most `maxConnections`.
final class MetricsServer: Sendable {
    let address: String
    private let render: @Sendable () -> [UInt8]
    private let listener: Listener
    let idleTimeout: TimeAmount

    init(address: String, idleTimeout: TimeAmount = .seconds(10), maxConnections: Int = 64,
         render: @escaping @Sendable () -> [UInt8]) {
        self.address = address
        self.render = render
        self.idleTimeout = idleTimeout
        listener = Listener(key: "metrics.listen", maxConnections: maxConnections)
    }

    /// The port actually bound (useful with port 0).
    var port: Int? { listener.port }
    /// Connections open now.
    var connections: ManagedCounter { listener.connections }

    /// Binds `address` (HOST:PORT; "*" and "[::]" for every interface). A failure is a
    /// `ListenError` naming metrics.listen and the address.
    func start() throws(ListenError) {
        guard let (host, port) = Self.split(address) else {
            listener.stop()
            throw ListenError(key: "metrics.listen", address: address, reason: "not HOST:PORT")
        }
        let (render, idle) = (self.render, idleTimeout)
        try listener.bind(.tcp(host: host, port: port), shown: address, backlog: 64) { ops in
            try ops.addHandler(IdleStateHandler(allTimeout: idle))
            try ops.configureHTTPServerPipeline(withErrorHandling: true)
            try ops.addHandler(MetricsHTTPHandler(render: render))
        }
    }

    func stop() { listener.stop() }

    /// "HOST:PORT" with "*" for any IPv4 address and brackets around an IPv6 host.
    static func split(_ address: String) -> (String, Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return nil }
        var host = String(address[..<colon])
        if host == "*" { host = "0.0.0.0" }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}
