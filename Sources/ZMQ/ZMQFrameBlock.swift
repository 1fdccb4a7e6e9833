import CZMQ

/// Received frames kept where libzmq put them, many in one allocation: a frame moved in here
/// keeps its bytes in place, unchanged, until the block is freed (by whichever thread drops the
/// last reference), so a caller can point at them instead of copying them out.
///
/// Only a frame libzmq gave an allocation of its own should be kept long: one received in
/// pieces of its receive buffer (8 KiB, `in_batch_size`) pins that whole buffer.
///
/// Not Sendable (a ManagedBuffer never is; it is one allocation for the object and its slots):
/// one thread fills it, and a holder that hands it to another thread after its last `hold`,
/// under a lock, may declare that; libzmq allows closing a frame on any thread.
public final class ZMQFrameBlock: ManagedBuffer<ZMQFrameBlock.Header, zmq_msg_t> {
    public struct Header {
        /// Frames held (slots in use), and their bytes.
        public fileprivate(set) var count = 0
        public fileprivate(set) var bytes = 0
        public let capacity: Int
    }

    /// A block with room for `capacity` frames: one allocation.
    public static func make(capacity: Int) -> ZMQFrameBlock {
        let b = create(minimumCapacity: capacity) { _ in Header(capacity: capacity) }
        return unsafeDowncast(b, to: ZMQFrameBlock.self)
    }

    public var count: Int { header.count }
    public var bytes: Int { header.bytes }
    public var isFull: Bool { header.count == header.capacity }

    /// Moves the frame last received into `frame` into the next slot (nil when full): its bytes,
    /// where they are, live as long as this block. `frame` is empty after (ready to receive into).
    @inline(__always)
    public func hold(_ frame: ZMQReceiveFrame) -> UnsafeRawBufferPointer? { hold(moving: frame.msg) }

    /// As `hold(_: ZMQReceiveFrame)`, for a frame received into a message of its own; `message`
    /// is empty after: use the bytes returned, not its `unsafeBytes`.
    public func hold(_ message: ZMQMessage) -> UnsafeRawBufferPointer? { hold(moving: message.msg) }

    /// The bytes of the `i`th frame held.
    public func frame(_ i: Int) -> UnsafeRawBufferPointer {
        precondition(i >= 0 && i < header.count)
        return withUnsafeMutablePointerToElements { Self.bytes(of: $0 + i) }
    }

    @inline(__always)
    private func hold(moving msg: UnsafeMutablePointer<zmq_msg_t>) -> UnsafeRawBufferPointer? {
        withUnsafeMutablePointers { h, slots in
            guard h.pointee.count < h.pointee.capacity else { return nil }
            let slot = slots + h.pointee.count
            zmq_msg_init(slot)
            // The whole zmq_msg_t moves: a frame of up to 33 bytes lives inside it, so its bytes
            // are taken from the slot, after the move.
            zmq_msg_move(slot, msg)
            let bytes = Self.bytes(of: slot)
            h.pointee.count += 1
            h.pointee.bytes += bytes.count
            return bytes
        }
    }

    @inline(__always)
    private static func bytes(of msg: UnsafeMutablePointer<zmq_msg_t>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: zmq_msg_data(msg), count: zmq_msg_size(msg))
    }

    deinit {
        withUnsafeMutablePointers { h, slots in
            for i in 0..<h.pointee.count { zmq_msg_close(slots + i) }
        }
    }
}
