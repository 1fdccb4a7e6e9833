import Foundation
import LArPixIngest
import Logging
import Synchronization
import ZMQ

/// The live data tap: a ZeroMQ PUB socket on `tap.listen` that republishes every message once
/// it is written, as two frames (the io_group byte, then the payload, copied from its slab by
/// zmq_send). Sends never wait: with ZMQ_XPUB_NODROP a subscriber whose queue
/// is at the high-water mark makes the send fail at once, and the message is skipped for the
/// tap and counted, so a slow monitor never slows the writer.
// @unchecked Sendable: made on the starting thread, then used by the writer thread alone
// (`publish`) until `close()` after that thread ends; the counters are atomic.
final class DataTap: @unchecked Sendable {
    let endpoint: String
    /// Messages handed to libzmq (to every subscriber, or to none when nobody listens).
    let sent = Atomic<Int>(0)
    /// Messages skipped because a subscriber's queue was full.
    let dropped = Atomic<Int>(0)
    private let context = ZMQContext()
    private let socket: ZMQSocket
    private let logger: Logger
    private var failed = false

    /// Binds the socket; a bind failure is a start-up error naming `tap.listen`.
    init(endpoint: String, sendHighWaterMark: Int, logger: Logger) throws(ListenError) {
        self.endpoint = endpoint
        self.logger = logger
        do { socket = try ZMQSocket(context: context, type: .pub) } catch {
            throw ListenError(key: "tap.listen", address: endpoint, reason: "\(error)")
        }
        do {
            try socket.setSendHighWaterMark(sendHighWaterMark)
            try socket.setNoDrop(true)
            // At stop, what subscribers have not taken yet gets a second to leave.
            try socket.setLinger(1000)
            try socket.bind(endpoint)
        } catch {
            socket.close()
            throw ListenError(key: "tap.listen", address: endpoint, reason: "\(error)")
        }
    }

    /// Republishes a written batch; called on the writer thread only.
    func publish(_ batch: Batch) {
        guard !failed else { return }
        let payloads = batch.payloads, groups = batch.ioGroups
        var sentNow = 0, droppedNow = 0
        do {
            for i in 0..<payloads.count {
                var tag = groups[i]
                let queued = try withUnsafeBytes(of: &tag) { p throws(ZMQError) in try socket.send(p, more: true, dontWait: true) }
                guard queued else { droppedNow += 1; continue }
                // The high-water mark counts whole messages, so once the first frame is queued
                // the second is too: this send does not wait.
                _ = try socket.send(payloads[i])
                sentNow += 1
            }
        } catch {
            failed = true
            logger.error("tap \(endpoint) failed, no longer publishing: \(error)")
        }
        sent.wrappingAdd(sentNow, ordering: .relaxed)
        dropped.wrappingAdd(droppedNow + (failed ? payloads.count - sentNow - droppedNow : 0), ordering: .relaxed)
    }

    /// Closes the socket (after the writer thread has ended).
    func close() { socket.close() }
}
