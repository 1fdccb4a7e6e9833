import Foundation

/// Follows a file that a SWMR writer is appending to: each `poll()` returns the rows that became
/// complete (both datasets and their message bytes written) since the last one. A writer other
/// than larpix-rawd's gets its rows delivered one of its flushes late, or at its close
/// (SettledRows). A reader trusts the end of allocation it
/// read when it opened the file (FORMAT.md section 3), so on any transient failure the follower
/// closes, reopens and carries on from the last row it delivered: nothing is skipped or repeated.
///
/// By default it opens the file for each poll and closes it after: larpix-rawd's writer makes new
/// rows visible only at a moment when no reader has the file open (COrderedVFD), so a follower
/// that kept it open would make every flush of the daemon wait its full `exposure_wait`, and let
/// other readers meet a flush half-way.
public final class RawFileFollower {
    public let path: String
    /// The next row to deliver.
    public private(set) var nextIndex: Int
    /// Transient failures survived (reopened past them).
    public private(set) var retries = 0
    private var reader: RawFileReader?
    private var settling = SettledRows()
    /// Keep the file open between polls (cheaper per poll; see the type's comment).
    public let keepOpen: Bool

    public init(path: String, startIndex: Int = 0, keepOpen: Bool = false) {
        self.path = path
        self.nextIndex = startIndex
        self.keepOpen = keepOpen
    }

    /// Calls `body(index, bytes, ioGroup)` for every new complete row; returns how many.
    /// Throws only non-transient errors (not a raw file, refused version, …).
    @discardableResult
    public func poll(maxRows: Int = 65536, _ body: (Int, UnsafeRawBufferPointer, UInt8) throws -> Void) throws -> Int {
        defer { if !keepOpen { close() } }
        do {
            // Who writes is read before the lengths: rows seen after "no writer" are complete.
            let writer = SuperblockFlags.writer(path)
            let r: RawFileReader
            if let existing = reader { r = existing; try r.refresh() } else { r = try RawFileReader(path: path); reader = r }
            let (m, h) = try r.lengths()
            let available = settling.complete(visible: min(m, h), writer: writer)
            guard available > nextIndex else { return 0 }
            let n = min(available - nextIndex, maxRows)
            // Read into a private copy first, so a failure part-way delivers nothing twice.
            let (messages, groups) = try r.readMessages(start: nextIndex, count: n)
            // Besides SettledRows: bytes that read the same twice, a millisecond apart, were not
            // caught in a rewrite of a heap collection (it has no checksum). The file is not kept
            // open meanwhile (see the type's comment).
            if !keepOpen { close() }
            usleep(1000)
            let r2: RawFileReader
            if let existing = reader { r2 = existing } else { r2 = try RawFileReader(path: path); reader = r2 }
            let (again, againGroups) = try r2.readMessages(start: nextIndex, count: n)
            guard Self.same(again, messages) && Self.same([againGroups], [groups]) else {
                retries += 1
                return 0
            }
            for i in 0..<n {
                try messages[i].withUnsafeBytes { try body(nextIndex + i, $0, groups[i]) }
            }
            nextIndex += n
            return n
        } catch let e as RawFileError where e.isTransientForReader {
            retries += 1
            try? reader?.close()
            reader = nil
            return 0
        }
    }

    /// Row by row with memcmp: Array's `==` compares element by element, and in a debug build
    /// through a value witness per byte (a third of a debug `follow`'s CPU).
    static func same(_ a: [[UInt8]], _ b: [[UInt8]]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            guard x.count == y.count else { return false }
            let equal = x.withUnsafeBytes { p in y.withUnsafeBytes { q in p.count == 0 || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0 } }
            guard equal else { return false }
        }
        return true
    }

    /// Whether the writer has closed the file: no SWMR-write mark left in the superblock.
    public var writerHasClosed: Bool { !SuperblockFlags.isMarkedOpenForWriting(path) }

    public func close() {
        try? reader?.close()
        reader = nil
    }
}
