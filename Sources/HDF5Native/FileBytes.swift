#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Posix

/// Read-only positional access to one file: every read is bounds-checked against the size the
/// file had when it was opened, so no corrupt offset or length reads (or allocates) past it.
public final class FileBytes: Sendable {
    public let path: String
    public let size: UInt64
    private let fd: Int32

    public init(path: String) throws(NativeHDF5Error) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw NativeHDF5Error(.io, path: path, structure: "file", reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw NativeHDF5Error(.io, path: path, structure: "file", reason: "cannot stat: \(reason)")
        }
        self.fd = fd
        self.size = UInt64(st.st_size)
    }

    deinit { close(fd) }

    /// True when [offset, offset+count) lies inside the file.
    @inline(__always)
    public func contains(_ offset: UInt64, _ count: Int) -> Bool {
        count >= 0 && offset <= size && UInt64(count) <= size - offset
    }

    /// Reads exactly `count` bytes at `offset` into `buffer`, or throws `.incomplete`.
    public func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: UInt64, what: @autoclosure () -> String) throws(NativeHDF5Error) {
        guard contains(offset, count) else {
            throw NativeHDF5Error(.incomplete, path: path, structure: what(),
                                  reason: "\(count) bytes at offset \(offset) are past the end of the file (\(size) bytes)")
        }
        var done = 0
        while done < count {
            let n: Int
            do { n = try Posix.call { pread(fd, buffer + done, count - done, off_t(offset) + off_t(done)) } } catch {
                throw NativeHDF5Error(.io, path: path, structure: what(), reason: "read failed: \(error)")
            }
            guard n > 0 else { throw NativeHDF5Error(.incomplete, path: path, structure: what(), reason: "file ended while reading") }
            done += n
        }
    }

    /// Reads exactly `count` bytes at `offset`.
    public func read(_ count: Int, at offset: UInt64, what: @autoclosure () -> String) throws(NativeHDF5Error) -> [UInt8] {
        guard contains(offset, count) else {
            throw NativeHDF5Error(.incomplete, path: path, structure: what(),
                                  reason: "\(count) bytes at offset \(offset) are past the end of the file (\(size) bytes)")
        }
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        // Array's closures rethrow untyped errors: carry the typed one out by hand.
        var failure: NativeHDF5Error?
        out.withUnsafeMutableBytes { b in
            do throws(NativeHDF5Error) { try read(into: b.baseAddress!, count: count, at: offset, what: what()) } catch { failure = error }
        }
        if let failure { throw failure }
        return out
    }

    /// Reads up to `count` bytes at `offset` (fewer where the file ends).
    public func readUpTo(_ count: Int, at offset: UInt64, what: @autoclosure () -> String) throws(NativeHDF5Error) -> [UInt8] {
        guard offset < size else { return [] }
        return try read(Int(min(UInt64(count), size - offset)), at: offset, what: what())
    }
}
