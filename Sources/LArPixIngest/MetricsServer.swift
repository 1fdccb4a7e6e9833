import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 server for Prometheus: GET (or HEAD) /metrics answers the exposition text
/// that `render` produces; any other path is 404, any other method 405. One event-loop thread;
/// each response closes its connection, which is all a scraper needs.
final class MetricsServer: @unchecked Sendable {
    let address: String
    private let render: @Sendable () -> [UInt8]
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: Channel?

    init(address: String, render: @escaping @Sendable () -> [UInt8]) {
        self.address = address
        self.render = render
    }

    /// The port actually bound (useful with port 0).
    var port: Int? { channel?.localAddress?.port }

    /// Binds `address` (HOST:PORT; "*" and "[::]" for every interface). A failure is a
    /// `ListenError` naming metrics.listen and the address.
    func start() throws {
        guard let (host, port) = Self.split(address) else {
            throw ListenError(key: "metrics.listen", address: address, reason: "not HOST:PORT")
        }
        let render = self.render
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(MetricsHTTPHandler(render: render))
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

/// Answers one request per connection.
private final class MetricsHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let render: @Sendable () -> [UInt8]
    private var head: HTTPRequestHead?

    init(render: @escaping @Sendable () -> [UInt8]) { self.render = render }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let h = head else { return }
            head = nil
            respond(to: h, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        let status: HTTPResponseStatus
        let body: [UInt8]
        var contentType = "text/plain; charset=utf-8"
        if request.method != .GET && request.method != .HEAD {
            (status, body) = (.methodNotAllowed, Array("only GET /metrics\n".utf8))
        } else if path == "/metrics" {
            (status, body) = (.ok, render())
            contentType = "text/plain; version=0.0.4; charset=utf-8"
        } else {
            (status, body) = (.notFound, Array("not found; the metrics are at /metrics\n".utf8))
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}
