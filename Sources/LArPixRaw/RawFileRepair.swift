import Foundation
import HDF5

/// Makes a raw file that a writer left behind (killed, or abandoned after a write error) whole
/// again, like `h5clear -s --increment=0` followed by an equalising trim:
/// 1. clears the superblock's writer marks;
/// 2. sets the end of allocation (EOA) to at least the file's size, and the size to at least
///    the EOA: a writer that dies between writing metadata and the superblock leaves objects
///    past the stored EOA ("addr overflow"), or a stored EOA past the end ("truncated file");
/// 3. trims both datasets to the rows both hold (or to `keepMessages`), so that lengths agree.
/// Only for a file no process has open. A file with nothing to fix is left untouched.
public enum RawFileRepair {
    public struct Report: Sendable, Equatable {
        /// The superblock flags found (0 = no writer mark).
        public var flags: UInt8 = 0
        public var storedEndOfAllocation = 0
        public var fileSize = 0
        /// The end of allocation written (nil: unchanged).
        public var newEndOfAllocation: Int?
        /// Rows of /msgs and /msg_headers found.
        public var messages = 0
        public var headers = 0
        /// Rows kept when a trim was needed (nil: no trim).
        public var trimmedTo: Int?
        public var changed: Bool { flags != 0 || newEndOfAllocation != nil || trimmedTo != nil }
    }

    /// Reads what needs fixing, without changing anything (`dryRun`), or fixes it.
    public static func repair(_ path: String, keepMessages: Int? = nil, dryRun: Bool = false) throws(RawFileError) -> Report {
        try RawFileLayout.checkReadablePath(path)
        let size = SuperblockFlags.fileSize(path)
        guard let sb = SuperblockFlags.readSuperblock(path), let stored = SuperblockFlags.endOfAllocation(sb),
              let eoa = SuperblockFlags.writtenEndOfAllocation(sb, fileSize: size) else {
            throw .notRawLayout(path: path, reason: "no version 2/3 superblock (not written by a SWMR writer); nothing to repair here")
        }
        var report = Report()
        report.flags = sb[11]
        report.storedEndOfAllocation = stored
        report.fileSize = size
        // A killed daemon's file claims the reader headroom: the writer's own EOA is what counts.
        let target = max(eoa, report.fileSize)
        if target != stored { report.newEndOfAllocation = target }
        if !dryRun && (report.flags != 0 || target != stored || report.fileSize < target) {
            do {
                if report.fileSize < target { try extend(path, to: target) }
                try SuperblockFlags.rewrite(path, flags: 0, endOfAllocation: target)
            } catch let e as RawFileError { throw e } catch { throw .notWritable(path: path, reason: "\(error)") }
        }
        // Lengths: a read-only look first, so that a file needing no trim is not rewritten.
        let (m, h) = try lengths(path)
        report.messages = m
        report.headers = h
        let keep = min(m, h, keepMessages ?? Int.max)
        if keep != m || keep != h {
            report.trimmedTo = keep
            if !dryRun { try trim(path, to: keep) }
        }
        return report
    }

    private static func extend(_ path: String, to size: Int) throws(RawFileError) {
        guard truncate(path, off_t(size)) == 0 else {
            throw .notWritable(path: path, reason: "cannot extend to \(size) bytes: " + String(cString: strerror(errno)))
        }
    }

    private static func lengths(_ path: String) throws(RawFileError) -> (Int, Int) {
        // SWMR reading opens a file that still carries the mark (a dry run) as well as a cleared one.
        try withObjects(path, mode: .swmrRead) { o throws(H5Error) in (try o.messages.count(), try o.headers.count()) }
    }

    private static func trim(_ path: String, to n: Int) throws(RawFileError) {
        try withObjects(path, mode: .readWrite) { o throws(H5Error) in
            try o.messages.setCount(n)
            try o.headers.setCount(n)
        }
    }

    /// Opens the file without SWMR (a repaired file must open so), runs `body`, closes all.
    private static func withObjects<T>(_ path: String, mode: H5File.Mode,
                                       _ body: (RawFileLayout.Objects) throws(H5Error) -> T) throws(RawFileError) -> T {
        do {
            let file = try H5File.open(path, mode: mode)
            let objects = try RawFileLayout.openObjects(in: file)
            let result = try body(objects)
            try objects.close(with: file)
            return result
        } catch let e as RawFileError { throw e } catch let e as H5Error { throw RawFileError.from(e, path: path) } catch {
            throw .notWritable(path: path, reason: "\(error)")
        }
    }
}
