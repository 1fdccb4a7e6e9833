import Foundation
import LArPixRaw

/// What the writer writes batches to: a raw file (`RawFileWriter`), or in unit tests a stand-in
/// that fails on cue, so that rotation, flushing, a full disk and a failed file are driven in
/// milliseconds without HDF5. Used by the writer thread only.
protocol RawFileSink: AnyObject {
    var path: String { get }
    /// meta/created (Unix seconds).
    var created: Double { get }
    /// meta/modified as last written (after close: the file's end time in its catalog record).
    var modified: Double { get }
    /// Rows in the file, including those it had when opened.
    var messageCount: Int { get }
    /// Message bytes appended since opened.
    var bytesAppended: Int { get }
    var fileSize: Int { get }
    func append(_ batch: Batch) throws
    /// Makes every appended row durable and visible to readers.
    func flush() throws
    func close(fsync: Bool) throws
    /// Sets the file's modification time to now without writing (an open file with no traffic).
    func touch()
    /// One line on how live readers held up the file's flushes (nil when not tracked).
    var readerWaitSummary: String? { get }
}

/// Opens the files the writer writes.
protocol RawFileSinkFactory: Sendable {
    /// Opens `path`: appended to when it exists and appending is configured, created otherwise;
    /// `run` goes into /meta (run, subrun, data_stream).
    func open(_ path: String, run: RunTag?) throws(RawFileError) -> any RawFileSink
}

/// The real files: `RawFileWriter` with the configured io_version and HDF5 options.
struct RawFileWriters: RawFileSinkFactory {
    var append: Bool
    var ioVersion: String
    var options: RawFileWriter.Options
    /// output.embed_configs: the directory stored in each new file (not in one appended to).
    var configs: ConfigArchive? = nil

    func open(_ path: String, run: RunTag?) throws(RawFileError) -> any RawFileSink {
        if append && FileManager.default.fileExists(atPath: path) {
            return try RawFileWriter.openForAppend(path, ioVersion: ioVersion, options: options, run: run)
        }
        return try RawFileWriter.create(path, ioVersion: ioVersion, options: options, run: run, embedded: configs?.current)
    }
}

extension RawFileWriter: RawFileSink {
    var created: Double { metadata.created }

    func append(_ batch: Batch) throws {
        let payloads = batch.payloads, groups = batch.ioGroups
        try append(count: batch.count) { i in (payloads[i], groups[i]) }
    }

    func flush() throws { try flush(now: Date().timeIntervalSince1970) }

    /// utimensat opens nothing, so a live reader's open and the driver's lease are not involved.
    func touch() { _ = utimensat(AT_FDCWD, path, nil, 0) }

    var readerWaitSummary: String? {
        orderedDriverStats.map { o in
            var line = "\(o.commits) ordered flushes, \(o.readerWaits) waits for readers, \(o.waitTimeouts) with a reader still open"
            if o.commitFailures + o.unorderedRewrites + o.blindWaits > 0 {
                line += "; ordering weakened: \(o.commitFailures) failed commits, \(o.unorderedRewrites) unordered heap rewrites, \(o.blindWaits) blind waits"
            }
            return line
        }
    }
}
