import CZMQ

/// A libzmq context (its I/O threads). Thread-safe, as libzmq contexts are.
public final class ZMQContext: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer

    /// `ioThreads`: libzmq's I/O threads; one moves about 1 GB/s, so one is enough for a host.
    public init(ioThreads: Int = 1) {
        pointer = zmq_ctx_new()
        _ = zmq_ctx_set(pointer, ZMQ_IO_THREADS, Int32(ioThreads))
    }

    /// Shared by code that does not care which context it is in.
    public static let shared = ZMQContext()

    deinit {
        // Every socket holds a reference to its context, so none is open here.
        _ = zmq_ctx_term(pointer)
    }
}
