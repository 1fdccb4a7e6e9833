import Glibc

/// POSIX calls retried when a signal interrupts them (EINTR), with errno read at once, so that
/// nothing in between can change it (as NIOPosix's `syscall(blocking:where:_:)` does). The data
/// path's own descriptors are ZeroMQ's and HDF5's; these are the files and sockets around it.
public enum Posix {
    /// A failed call: its errno.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let errno: Int32
        public var description: String { String(cString: strerror(errno)) }
    }

    /// `body` again while it fails with EINTR: its result (>= 0), or the errno it failed with.
    @inline(__always)
    public static func call<T: BinaryInteger>(_ body: () -> T) throws(Failure) -> T {
        while true {
            let r = body()
            if r >= 0 { return r }
            let e = Glibc.errno
            if e != EINTR { throw Failure(errno: e) }
        }
    }

    public static func fsync(_ fd: Int32) throws(Failure) { _ = try call { Glibc.fsync(fd) } }

    /// Reads up to `count` bytes into `buffer`: how many (0 at the end).
    public static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) throws(Failure) -> Int {
        try call { Glibc.read(fd, buffer, count) }
    }

    /// Writes all of `bytes` (short writes continue where they stopped).
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(Failure) {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = try call { Glibc.write(fd, p, left) }
            p += n
            left -= n
        }
    }
}
