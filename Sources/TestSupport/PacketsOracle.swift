import Foundation
import XCTest

/// Tests/oracle/packets.py under an oracle Python: larpix-control's converter and from_file,
/// many jobs per invocation (each Python start costs about a second here).
public struct PacketsOracle {
    public let oracle: Oracle
    public init(oracle: Oracle) { self.oracle = oracle }

    public static func debian(file: StaticString = #filePath, line: UInt = #line) throws -> PacketsOracle {
        PacketsOracle(oracle: try Oracle.debian(file: file, line: line))
    }

    public static func h5py2(file: StaticString = #filePath, line: UInt = #line) throws -> PacketsOracle {
        PacketsOracle(oracle: try Oracle.h5py2(file: file, line: line))
    }

    public func run(_ args: [String]) throws -> String {
        let r = try TestSupport.run(oracle.python, [TestSupport.oracleScript("packets.py")] + args)
        guard r.status == 0 else { throw OracleError(message: "packets.py \(args.first ?? "") failed (\(r.status)): \(r.stderr.suffix(2000))") }
        return r.stdout
    }

    /// Runs the jobs (see packets.py) and returns one result object per job.
    public func batch(_ jobs: [[String: Any]], in dir: URL) throws -> [[String: Any]] {
        let spec = dir.appendingPathComponent("spec-\(UUID().uuidString.prefix(6)).json")
        try JSONSerialization.data(withJSONObject: jobs).write(to: spec)
        let text = try run(["batch", spec.path])
        guard let results = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
            throw OracleError(message: "packets.py batch printed no list")
        }
        return results
    }

    /// Checks that a comparison found the same rows: as many, every field of every row equal.
    public static func assertSameRows(_ r: [String: Any], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        let rows = r["rows"] as? [Int] ?? []
        XCTAssertEqual(rows.count, 2, "\(label): \(r)", file: file, line: line)
        XCTAssertEqual(rows.first, rows.last, "\(label): row counts (ours, reference)", file: file, line: line)
        XCTAssertEqual(r["dtype_equal"] as? Bool, true, "\(label): packets dtype", file: file, line: line)
        XCTAssertEqual((r["mismatches"] as? [Any])?.count, 0, "\(label): first mismatches \(r["mismatches"] ?? "")", file: file, line: line)
    }

    /// Checks a comparison result: same rows, every field of every row equal, same datasets
    /// and header types; from_file equal when it was asked for.
    public static func assertSame(_ r: [String: Any], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        assertSameRows(r, label, file: file, line: line)
        let keys = r["keys"] as? [[String]] ?? []
        XCTAssertEqual(keys.first, keys.last, "\(label): top-level objects", file: file, line: line)
        let datasets = r["datasets"] as? [String: [[String: Any]]] ?? [:]
        XCTAssertEqual(Set(datasets.keys), ["packets", "messages", "configs"], label, file: file, line: line)
        for (name, pair) in datasets {
            XCTAssertEqual(pair.count, 2)
            XCTAssertTrue(NSDictionary(dictionary: pair[0]).isEqual(to: pair[1]),
                          "\(label): \(name) differs: ours \(pair[0]) reference \(pair[1])", file: file, line: line)
        }
        let header = r["header"] as? [[String: [Any]]] ?? []
        XCTAssertEqual(header.count, 2)
        if header.count == 2 {
            XCTAssertTrue(NSDictionary(dictionary: header[0]).isEqual(to: header[1]), "\(label): header attributes \(header)", file: file, line: line)
        }
        XCTAssertEqual((r["version"] as? [String])?.first, "2.4", file: file, line: line)
        if let ff = r["from_file"] as? [String: Any] {
            XCTAssertEqual(ff["equal"] as? Bool, true, "\(label): from_file \(ff)", file: file, line: line)
            XCTAssertEqual(ff["ours"] as? Int, (r["rows"] as? [Int])?.first, "\(label): from_file packets", file: file, line: line)
        }
    }
}
