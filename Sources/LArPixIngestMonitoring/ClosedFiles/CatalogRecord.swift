import Foundation
import LArPixIngest

/// The sidecar `FILE.h5.json` as a DUNE data-catalog (metacat) record, the one Fermilab's declad
/// dropbox picks up beside a data file: top-level `name`, `namespace`, `checksums.adler32`
/// (8 hex digits), `size`, and `metadata` with the `core.*` and `retention.*` keys that the
/// 2x2's `crs_daq/dump_metadata.py` writes, computed from the closed file the way it computes
/// them (start/end time from /meta created/modified, runs and subruns from /meta, data tier
/// `raw`, or `decoded-raw` for packet files). What larpix-rawd knows beyond that goes in the same
/// `metadata` under its own category, `larpix_rawd.*`, so one file serves both.
package enum CatalogRecord {
    /// The fields a site sets (config `catalog:`); the defaults are the 2x2's.
    package struct Settings: Sendable, Equatable {
        package var namespace = "neardet-2x2-lar-charge"
        package var runType = "neardet-2x2-lar-charge"
        package var applicationFamily = "larpix"
        package var applicationName = "larpix-rawd"
        package var applicationVersion = DaemonVersion.string
        package var fileType = "detector"
        /// `core.data_stream` of a file written outside any run (crs_daq's default).
        package var dataStream = "commissioning"
        package var retentionClass = "rawdata"
        package var retentionStatus = "active"
        package init() {}

        package init(_ c: CatalogConfig) {
            namespace = c.namespace; runType = c.runType
            applicationFamily = c.applicationFamily; applicationName = c.applicationName
            applicationVersion = c.applicationVersion.isEmpty ? DaemonVersion.string : c.applicationVersion
            fileType = c.fileType; dataStream = c.dataStream
            retentionClass = c.retentionClass; retentionStatus = c.retentionStatus
        }
    }

    /// What a closed file says of itself: its /meta attributes and its bytes.
    package struct FileFacts: Sendable, Equatable {
        package var name: String
        package var size: Int
        package var adler32Hex: String
        /// /meta created and modified (Unix seconds), as written.
        package var created: Double
        package var modified: Double
        /// /meta run and subrun (subrun as the file holds it: run × 100000 + subrun), nil
        /// outside a run.
        package var run: Int?
        package var subrun: Int?
        package var dataStream: String?
        package var packetFile = false

        package init(name: String, size: Int, adler32Hex: String, created: Double, modified: Double,
                     run: Int? = nil, subrun: Int? = nil, dataStream: String? = nil, packetFile: Bool = false) {
            self.name = name; self.size = size; self.adler32Hex = adler32Hex
            self.created = created; self.modified = modified
            self.run = run; self.subrun = subrun; self.dataStream = dataStream; self.packetFile = packetFile
        }
    }

    /// DUNE numbers a subrun within the catalog as run × 100000 + subrun.
    package static let subrunsPerRun = 100_000

    package static func combinedSubrun(run: Int, subrun: Int) -> Int { run * subrunsPerRun + subrun }

    /// The record. `ours` are larpix-rawd's fields, keyed without the category
    /// ("messages" -> "larpix_rawd.messages").
    package static func record(_ f: FileFacts, settings s: Settings, ours: [String: Any]) -> [String: Any] {
        var md: [String: Any] = [
            "core.application.family": s.applicationFamily,
            "core.application.name": s.applicationName,
            "core.application.version": s.applicationVersion,
            "core.data_stream": f.dataStream ?? s.dataStream,
            "core.data_tier": f.packetFile ? "decoded-raw" : "raw",
            "core.file_type": s.fileType,
            "core.file_format": "hdf5",
            "core.file_content_status": "good",
            "core.start_time": f.created,
            "core.end_time": f.modified,
            "core.run_type": s.runType,
            // crs_daq's defaults when /meta has no event numbers: the start and end seconds.
            "core.first_event_number": Int(f.created),
            "core.last_event_number": Int(f.modified),
            "retention.class": s.retentionClass,
            "retention.status": s.retentionStatus,
        ]
        // A file written outside any run names none (crs_daq would write [null]).
        md["core.runs"] = f.run.map { [$0] } ?? []
        md["core.runs_subruns"] = f.subrun.map { [$0] } ?? []
        for (key, value) in ours { md[category + key] = value }
        return [
            "name": f.name,
            "namespace": s.namespace,
            "checksums": ["adler32": f.adler32Hex],
            "size": f.size,
            "metadata": md,
        ]
    }

    package static let category = "larpix_rawd."
}
