import Foundation
import LArPixIngest
import LArPixRaw
#if canImport(Glibc)
import Glibc
import Posix
#endif

/// The sidecar `FILE.json` written beside each closed `FILE` (run_0001.h5 -> run_0001.h5.json):
/// a DUNE catalog record (`CatalogRecord`) with larpix-rawd's own fields under
/// `metadata["larpix_rawd.*"]`. Written to a temporary name and renamed, so a sidecar that
/// exists is complete; it is written only after the file is closed and fsynced, and its
/// checksums are of the closed file's bytes.
enum FileSidecar {
    static func path(for file: String) -> String { file + ".json" }

    static func json(record r: FileRecord, fileMessages: Int, closedAt: Date, reason: String,
                     closeError: String?, checksums: FileChecksums, catalog: CatalogRecord.Settings = .init()) -> [String: Any] {
        var byGroup: [String: Int] = [:]
        for (g, n) in r.messagesByIOGroup.enumerated() where n > 0 { byGroup[String(g)] = n }
        var ours: [String: Any] = [
            "messages": r.messages,
            "message_bytes": r.bytes,
            "io_groups": byGroup,
            "first_msg_time": time(r.firstMessageTime),
            "last_msg_time": time(r.lastMessageTime),
            "created": iso8601(Date(timeIntervalSince1970: r.created)),
            "closed": iso8601(closedAt),
            "close_reason": reason,
            "file_messages": fileMessages,
            "sha256": checksums.sha256Hex,
            "daemon_version": DaemonVersion.string,
        ]
        if r.messagesBefore > 0 { ours["appended_to_messages"] = r.messagesBefore }
        if let run = r.run { ours["subrun"] = run.subrun }
        if let closeError { ours["close_error"] = closeError }
        if let q = quality(r) { ours["quality"] = q }
        return CatalogRecord.record(facts(r, name: (r.path as NSString).lastPathComponent, checksums: checksums),
                                    settings: catalog, ours: ours)
    }

    /// What the closed file says of itself, as a catalog record reads it.
    static func facts(_ r: FileRecord, name: String, checksums: FileChecksums, packetFile: Bool = false) -> CatalogRecord.FileFacts {
        CatalogRecord.FileFacts(name: name, size: checksums.bytes, adler32Hex: checksums.adler32Hex,
                                created: r.created, modified: r.modified, run: r.run?.run, subrun: r.run?.catalogSubrun,
                                dataStream: r.run?.dataStream, packetFile: packetFile)
    }

    /// `quality`: per io_group (as a string key), the data-quality counts of the words written to
    /// this file (QualityCounts.json); nil when nothing was counted (`quality.enabled: false`).
    static func quality(_ r: FileRecord) -> [String: Any]? {
        var out: [String: Any] = [:]
        for (g, q) in r.qualityByIOGroup.enumerated() where !q.isEmpty { out[String(g)] = q.json }
        return out.isEmpty ? nil : out
    }

    /// The sidecar of a packet file: a catalog record of data tier `decoded-raw`, with the raw
    /// file's times and run (its rows are the raw file's), what the converter reports, and the
    /// raw file it was made from.
    static func packetJSON(packets: String, raw: FileRecord, summary: [String: Any], closedAt: Date,
                           checksums: FileChecksums, catalog: CatalogRecord.Settings = .init()) -> [String: Any] {
        var ours: [String: Any] = [
            "raw_file": (raw.path as NSString).lastPathComponent,
            "format": "larpix-control hdf5format 2.4",
            "sha256": checksums.sha256Hex,
            "closed": iso8601(closedAt),
            "daemon_version": DaemonVersion.string,
        ]
        for key in ["messages", "packets", "packets_by_type", "io_groups", "skipped", "skipped_by_reason"] {
            if let v = summary[key] { ours[key] = v }
        }
        return CatalogRecord.record(facts(raw, name: (packets as NSString).lastPathComponent, checksums: checksums, packetFile: true),
                                    settings: catalog, ours: ours)
    }

    /// Writes `FILE.json` atomically (temporary file, fsync, rename).
    static func write(_ object: [String: Any], for file: String) throws {
        var data: Data
        do { data = try SidecarJSON.data(object) } catch {
            data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        }
        data.append(0x0a)
        let final = path(for: file)
        let temporary = (final as NSString).deletingLastPathComponent + "/." + (final as NSString).lastPathComponent + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ClosedFileError(path: temporary, reason: String(cString: strerror(errno))) }
        let failure = data.withUnsafeBytes { p -> Posix.Failure? in
            do throws(Posix.Failure) {
                try Posix.writeAll(fd, p)
                try Posix.fsync(fd)
                return nil
            } catch { return error }
        }
        let ok = failure == nil, reason = failure?.description ?? ""
        close(fd)
        guard ok, rename(temporary, final) == 0 else {
            unlink(temporary)
            throw ClosedFileError(path: final, reason: ok ? String(cString: strerror(errno)) : reason)
        }
        // The sidecar is what says "closed and complete": its name must survive a power cut.
        if let failure = DirectorySync.sync(directoryOf: final) {
            throw ClosedFileError(path: final, reason: "fsync of its directory: \(failure)")
        }
    }

    /// A PACMAN msg_time as `larpix-raw info --json` gives it: {"iso": ..., "raw": seconds}.
    private static func time(_ t: UInt32?) -> Any {
        guard let t else { return NSNull() }
        return ["iso": iso8601(Date(timeIntervalSince1970: Double(t))), "raw": Int(t)] as [String: Any]
    }

    static func iso8601(_ date: Date) -> String { formatter.string(from: date) }

    /// Made once: a new formatter costs about a millisecond (ICU's calendar and locale data), on
    /// a core the writer shares. Used by the closed-file worker's one thread only.
    nonisolated(unsafe) private static let formatter: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f
    }()
}
