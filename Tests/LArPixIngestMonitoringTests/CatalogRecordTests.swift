import Foundation
import XCTest
@testable import LArPixIngest
@testable import LArPixIngestMonitoring

/// The sidecar as a DUNE catalog record: its keys, the site's fields from `catalog:`, and
/// larpix-rawd's own under `larpix_rawd.*`. (DaemonTests.RunControlTests compares whole records
/// with what crs_daq's dump_metadata.py derives from the same files.)
final class CatalogRecordTests: XCTestCase {
    let facts = CatalogRecord.FileFacts(name: "binary-0000042-x.h5", size: 12345, adler32Hex: "0001abcd",
                                        created: 1_764_590_000.25, modified: 1_764_590_600.75,
                                        run: 42, subrun: CatalogRecord.combinedSubrun(run: 42, subrun: 3), dataStream: "physics")

    func testARunFilesRecordHasCrsDaqsKeysAndOurs() throws {
        let r = CatalogRecord.record(facts, settings: .init(), ours: ["messages": 7])
        XCTAssertEqual(Set(r.keys), ["name", "namespace", "checksums", "size", "metadata"])
        XCTAssertEqual(r["namespace"] as? String, "neardet-2x2-lar-charge")
        XCTAssertEqual(r["checksums"] as? [String: String], ["adler32": "0001abcd"])
        let md = try XCTUnwrap(r["metadata"] as? [String: Any])
        XCTAssertEqual(md["core.runs"] as? [Int], [42])
        XCTAssertEqual(md["core.runs_subruns"] as? [Int], [4_200_003])
        XCTAssertEqual(md["core.start_time"] as? Double, 1_764_590_000.25)
        XCTAssertEqual(md["core.end_time"] as? Double, 1_764_590_600.75)
        XCTAssertEqual(md["core.first_event_number"] as? Int, 1_764_590_000)
        XCTAssertEqual(md["core.last_event_number"] as? Int, 1_764_590_600)
        XCTAssertEqual(md["core.data_tier"] as? String, "raw")
        XCTAssertEqual(md["core.data_stream"] as? String, "physics")
        XCTAssertEqual(md["core.application.name"] as? String, "larpix-rawd")
        XCTAssertEqual(md["retention.class"] as? String, "rawdata")
        XCTAssertEqual(md["larpix_rawd.messages"] as? Int, 7)
        // Every key is a catalog category: core, retention, or ours.
        XCTAssertTrue(md.keys.allSatisfy { $0.hasPrefix("core.") || $0.hasPrefix("retention.") || $0.hasPrefix("larpix_rawd.") })
        XCTAssertNoThrow(try JSONSerialization.data(withJSONObject: r))
    }

    func testUntaggedAndPacketFilesAndTheSitesFields() throws {
        var f = facts
        (f.run, f.subrun, f.dataStream, f.packetFile) = (nil, nil, nil, true)
        let c = try DaemonConfig.parse(yaml: """
        sources: [{endpoint: "tcp://127.0.0.1:5556", io_group: 1}]
        catalog: {namespace: "neardet-lar-charge", application_version: "9.9", data_stream: "test"}
        """, file: "t.yaml")
        let md = try XCTUnwrap(CatalogRecord.record(f, settings: .init(c.catalog), ours: [:])["metadata"] as? [String: Any])
        XCTAssertEqual(md["core.runs"] as? [Int], [])
        XCTAssertEqual(md["core.runs_subruns"] as? [Int], [])
        XCTAssertEqual(md["core.data_stream"] as? String, "test")
        XCTAssertEqual(md["core.data_tier"] as? String, "decoded-raw")
        XCTAssertEqual(md["core.application.version"] as? String, "9.9")
        XCTAssertEqual(CatalogRecord.record(f, settings: .init(c.catalog), ours: [:])["namespace"] as? String, "neardet-lar-charge")
        XCTAssertEqual(CatalogRecord.Settings(CatalogConfig()).applicationVersion, DaemonVersion.string)
        for (yaml, key) in [("catalog: {namespace: \"\"}", "catalog.namespace"), ("catalog: {data_stream: \"a b\"}", "catalog.data_stream"),
                            ("catalog: {nmespace: x}", "catalog.nmespace")] {
            XCTAssertThrowsError(try DaemonConfig.parse(yaml: "sources: [{endpoint: \"tcp://127.0.0.1:5556\", io_group: 1}]\n" + yaml,
                                                        file: "t.yaml"), yaml) { e in
                XCTAssertEqual((e as? ConfigError)?.key, key, yaml)
            }
        }
    }
}
