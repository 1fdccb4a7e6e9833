import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Free space on the output filesystem, checked before every append (and before opening a file).
/// HDF5 1.10.8 cannot recover from a write that fails for lack of space: the failed flush leaves
/// its metadata cache unusable ("slist already enabled?" on every later flush and on close), and
/// the file on disk with objects past its end of allocation. So the writer never lets HDF5 meet
/// a full disk it can see coming: a batch is appended only when the filesystem has room for it,
/// for everything appended since the last flush, and a margin; otherwise it waits, holding the
/// batch (and so the bounded buffer), and resumes in the same file once space is freed.
package struct DiskSpace: Sendable {
    /// Room kept free beyond the message bytes: HDF5's chunks, chunk index, global-heap
    /// collection headers and superblock writes of a flush.
    static let margin = 1 << 20
    /// Per message: its 16-byte vlen descriptor in /msgs, its io_group row, and its global-heap
    /// object header, rounded up.
    static let perMessage = 48

    let directory: String
    /// Bytes free to this process (nil: cannot be asked); statvfs by default, a stand-in in tests.
    var free: @Sendable (String) -> Int? = DiskSpace.freeBytes(in:)

    struct Shortage: Error, CustomStringConvertible {
        var directory: String
        var needed: Int
        var free: Int
        var description: String { "\(directory): \(free) bytes free, \(needed) needed" }
    }

    /// Bytes available to this process on the filesystem of `directory`; nil when it cannot be
    /// asked. The one statvfs of the project (the writer, its warnings and the metrics use it).
    package static func freeBytes(in directory: String) -> Int? {
        var s = statvfs()
        guard statvfs(directory, &s) == 0 else { return nil }
        return Int(s.f_bavail) * Int(s.f_frsize)
    }

    func freeBytes() -> Int? { free(directory) }

    static func bytesNeeded(messages: Int, bytes: Int) -> Int { bytes + perMessage * messages }

    /// Throws `Shortage` unless `messages` of `bytes` fit beside `pending` bytes not yet flushed.
    func admit(messages: Int, bytes: Int, pending: Int) throws(Shortage) {
        guard let free = freeBytes() else { return }
        let needed = Self.bytesNeeded(messages: messages, bytes: bytes) + pending + Self.margin
        if free < needed { throw Shortage(directory: directory, needed: needed, free: free) }
    }
}
