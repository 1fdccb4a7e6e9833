import PACMAN
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LArPixRaw
import LArPixIngest

/// What the writer learns about one file while it writes it: kept on the writer thread, handed
/// to the closed-file worker at close.
struct FileRecord: Sendable {
    var path: String
    /// meta/created of the file (Unix seconds).
    var created: Double
    /// meta/modified as the close wrote it (set at close).
    var modified: Double = 0
    /// Rows the file already had when opened (appending), 0 for a new file.
    var messagesBefore: Int
    var messages = 0
    var bytes = 0
    var messagesByIOGroup = [Int](repeating: 0, count: 256)
    /// The data-quality counts of the messages written to this file, summed from what the
    /// receivers counted (no message is parsed again here); all zero when counting is off.
    var qualityByIOGroup = [QualityCounts](repeating: QualityCounts(), count: 256)
    /// msg_time of the first and last well-formed PACMAN messages written (as `larpix-raw info`).
    var firstMessageTime: UInt32?
    var lastMessageTime: UInt32?
    /// The run the file was written in (its /meta run, subrun, data_stream); nil: untagged.
    var run: RunTag?

    init(path: String, created: Double, messagesBefore: Int, run: RunTag? = nil) {
        self.path = path
        self.created = created
        self.messagesBefore = messagesBefore
        self.run = run
    }

    /// Counts a written batch and takes its message times.
    mutating func add(_ batch: Batch) {
        let payloads = batch.payloads, groups = batch.ioGroups
        for i in 0..<payloads.count {
            messages += 1
            bytes += payloads[i].count
            messagesByIOGroup[Int(groups[i])] += 1
        }
        let qualities = batch.qualities
        for i in 0..<qualities.count { qualityByIOGroup[Int(groups[i])].add(qualities[i]) }
        addTimes(batch)
    }

    /// Takes the message times of a written batch, validating only as many messages as it
    /// takes to find the first (once per file) and the last well-formed one.
    private mutating func addTimes(_ batch: Batch) {
        let payloads = batch.payloads
        if firstMessageTime == nil, let first = payloads.lazy.compactMap({ Self.time($0) }).first {
            firstMessageTime = first
        }
        if let last = payloads.reversed().lazy.compactMap({ Self.time($0) }).first { lastMessageTime = last }
    }

    private static func time(_ payload: UnsafeRawBufferPointer) -> UInt32? {
        if case .wellFormed(let s) = PacmanMessage.validate(payload) { return s.header.time }
        return nil
    }
}

