import Foundation
import LArPixRaw

/// Control commands on the writer thread. They run between batches (the loop seals and writes
/// everything received before it looks at the queue), so every message is in the file before
/// the boundary or the one after it: none lost, none in both.
extension IngestWriter {
    /// Queues a command for the writer; false once the writer has ended.
    func submit(_ request: ControlRequest, reply: @escaping @Sendable (ControlReply) -> Void) -> Bool {
        guard control.submit(.init(request: request, reply: reply)) else { return false }
        batcher.wake()
        return true
    }

    func run(_ commands: [ControlQueue.Pending]) {
        for p in commands {
            let reply = execute(p.request)
            stats.countControl(p.request.command.rawValue, result: reply.ok ? "ok" : reply.error ?? "error")
            p.reply(reply)
        }
    }

    /// After the loop: whatever came in too late is refused, not left waiting.
    func refuseWaitingCommands() { refuse(control.close()) }

    func refuse(_ commands: [ControlQueue.Pending]) {
        for p in commands {
            stats.countControl(p.request.command.rawValue, result: "unavailable")
            p.reply(.refused(p.request.command.rawValue, .unavailable("the daemon is stopping")))
        }
    }

    private func execute(_ r: ControlRequest) -> ControlReply {
        let name = r.command.rawValue
        switch r.command {
        case .status:
            return described(ControlReply(ok: true, command: name))
        case .rotate:
            if runState.isPaused { return .refused(name, .paused) }
            return switchFile(name, reason: .controlRotate)
        case .startRun:
            let before = runState
            if let refusal = runState.start(run: r.run ?? 0, subrun: r.subrun, dataStream: r.dataStream) {
                return .refused(name, refusal)
            }
            logger.notice("start-run \(r.run ?? 0) (was \(Self.describe(before.mode)))")
            return switchFile(name, reason: .runStart(r.run ?? 0))
        case .stopRun:
            switch runState.stop() {
            case .failure(let refusal): return .refused(name, refusal)
            case .success(let n):
                logger.notice("stop-run \(n): \(runState.isPaused ? "paused until the next start-run" : "writing untagged files")")
                return switchFile(name, reason: .runStop(n))
            }
        }
    }

    /// Closes the current file (if any) and opens the next as the run state now says (none
    /// when paused); the reply names both.
    private func switchFile(_ name: String, reason: CloseReason) -> ControlReply {
        var reply = ControlReply(ok: true, command: name)
        reply.closed = file?.sink.path
        rotate(reason)
        if runState.isPaused {
            stats.currentFile = nil
            stats.runStatus = RunStatus(tag: nil, paused: true)
        }
        reply.opened = file?.sink.path
        if file == nil && !runState.isPaused {
            reply.message = "the next file could not be opened (see the daemon's log); it is tried again with the next message"
        }
        return described(reply)
    }

    /// Adds the state after the command: run mode, the open file and its tag.
    private func described(_ r: ControlReply) -> ControlReply {
        var reply = r
        reply.state = Self.describe(runState.mode)
        reply.file = file?.sink.path
        reply.fileMessages = file?.sink.messageCount
        if let tag = file?.run {
            (reply.run, reply.subrun, reply.dataStream) = (tag.run, tag.subrun, tag.dataStream)
        }
        return reply
    }

    static func describe(_ mode: RunState.Mode) -> String {
        switch mode {
        case .untagged: return "untagged"
        case .running: return "running"
        case .paused: return "paused"
        }
    }

    /// Paused: what arrives is counted and given back, never written.
    func dropWhilePaused(_ batch: Batch) {
        stats.drop(.paused, count: batch.count)
        parts.budget.give(messages: batch.count, payloadBytes: batch.bytes)
    }
}
