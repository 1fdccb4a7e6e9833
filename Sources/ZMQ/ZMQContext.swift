import CZMQ

/// A libzmq context (its I/O threads). Thread-safe, as libzmq contexts are.
/// Terminated once, when the last socket made from it (each holds a reference) and the caller
/// have let it go.
// @unchecked Sendable: libzmq contexts are thread-safe; the class holds only the pointer.
public final class ZMQContext: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer

    /// `ioThreads`: libzmq's I/O threads; one moves about 1 GB/s, so one is enough for a host.
    public init(ioThreads: Int = 1) {
        // zmq_ctx_new fails only without memory or file descriptors: nothing could run anyway.
        guard let p = zmq_ctx_new() else { fatalError("zmq_ctx_new failed (errno \(zmq_errno()))") }
        pointer = p
        _ = zmq_ctx_set(pointer, ZMQ_IO_THREADS, Int32(clamping: ioThreads))
    }

    /// Shared by code that does not care which context it is in (one per process is fine).
    public static let shared = ZMQContext()

    /// Makes every blocking call on this context's sockets fail with ETERM from now on, so
    /// threads stuck in a send or receive return. Sockets must still be closed.
    public func shutdown() { _ = zmq_ctx_shutdown(pointer) }

    /// The libzmq version linked, e.g. "4.3.4".
    public static var libraryVersion: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }

    deinit {
        // Every socket holds a reference to its context, so none is open here.
        _ = zmq_ctx_term(pointer)
    }
}
