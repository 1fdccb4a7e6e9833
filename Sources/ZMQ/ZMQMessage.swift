import CZMQ

/// One received frame, owning its zmq_msg_t (closed once, in deinit).
///
/// The bytes stay where libzmq put them for the object's whole lifetime. The zmq_msg_t lives in its own allocation because libzmq
/// stores frames of up to 33 bytes inside the zmq_msg_t itself: its address must never move.
// @unchecked Sendable: its bytes never change after receipt; it is released by whichever thread
// drops the last reference, which libzmq allows.
public final class ZMQMessage: @unchecked Sendable {
    let msg: UnsafeMutablePointer<zmq_msg_t>
    /// Start and length of the frame's bytes, valid and unchanging while the object lives.
    public let unsafeBytes: UnsafeRawBufferPointer
    /// More frames of the same multipart message follow this one.
    public let more: Bool

    /// Takes ownership of `msg`, a received zmq_msg_t allocated with `allocate(capacity: 1)`.
    init(adopting msg: UnsafeMutablePointer<zmq_msg_t>) {
        self.msg = msg
        unsafeBytes = UnsafeRawBufferPointer(start: zmq_msg_data(msg), count: zmq_msg_size(msg))
        more = zmq_msg_more(msg) != 0
    }

    /// The frame's length in bytes.
    public var count: Int { unsafeBytes.count }

    /// A copy of the bytes (for tests and small frames; the hot path uses `unsafeBytes`).
    public var bytes: [UInt8] { Array(unsafeBytes) }

    public func withUnsafeBytes<T, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        try body(unsafeBytes)
    }

    deinit {
        zmq_msg_close(msg)
        msg.deallocate()
    }
}
