import LArPixIngest
import NIOCore
import Synchronization

/// Splits a connection's bytes into lines and hands each to the target; replies are written in
/// the order they come back (requests on one connection are answered one by one).
final class ControlLineHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let target: ControlServer.Target
    private var pending: [UInt8] = []

    init(target: ControlServer.Target) { self.target = target }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buf = unwrapInboundIn(data)
        pending += buf.readBytes(length: buf.readableBytes) ?? []
        while let nl = pending.firstIndex(of: 0x0a) {
            let line = Array(pending[..<nl])
            pending.removeFirst(nl + 1)
            handle(line, channel: context.channel)
        }
        if pending.count > ControlRequest.maxLineBytes {
            pending = []
            let reply = ControlReply.refused("invalid", .badRequest("longer than \(ControlRequest.maxLineBytes) bytes"))
            context.channel.writeAndFlush(ByteBuffer(bytes: reply.line())).whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
        }
    }

    private func handle(_ line: [UInt8], channel: Channel) {
        let respond: @Sendable (ControlReply) -> Void = { reply in
            channel.writeAndFlush(ByteBuffer(bytes: reply.line()), promise: nil)
        }
        guard let handler = target.handler.withLock({ $0 }) else {
            return respond(.refused("invalid", .unavailable("the daemon is starting")))
        }
        handler(line, respond)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }
}
