import Foundation
@testable import HDF5Native
import TestSupport
import XCTest

/// Mutated and truncated copies of files of each kind through the native reader, in process:
/// each must give a clear one-line error naming the file, or a read; never a crash or a hang.
final class NativeFuzzTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("native-fuzz") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    static let trialsPerKind = 150

    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    /// Reads what a raw-file reader reads: /meta's attributes, and up to 4,000 rows of each dataset.
    static func readAll(_ path: String) throws {
        let f = try HDF5NativeFile(path: path)
        for a in try f.object("meta").attributes() { _ = try a.value(f.context) }
        let m = try f.dataset("msgs"), h = try f.dataset("msg_headers")
        let n = min(m.count, 4000)
        var s = 0
        while s < n {
            let k = min(1000, n - s)
            let pins = try m.readVariableLength(start: s, count: k) { _, _ in }
            withExtendedLifetime(pins) {}
            s += k
        }
        _ = try h.readRows(start: 0, count: min(h.count, 4000))
    }

    func testMutatedAndTruncatedFiles() throws {
        let cases = try NativeReaderTests.makeCases(in: dir)
        let seed = UInt64(ProcessInfo.processInfo.environment["LARPIX_FUZZ_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970 * 1000)
        print("native fuzz seed: \(seed) (LARPIX_FUZZ_SEED=\(seed) repeats this run)")
        var rng = SplitMix(state: seed)
        var outcomes: [String: Int] = [:]
        let kinds = ["libver_latest", "libver_earliest", "libver_v110", "fixedmax", "contiguous", "smallchunks"].filter(cases.contains)
        for kind in kinds {
            let original = [UInt8](try Data(contentsOf: dir.appendingPathComponent(kind + ".h5")))
            // Metadata sits mostly in the first and last few kB; aim most mutations there.
            for trial in 0..<Self.trialsPerKind {
                var b = original
                if trial % 5 == 4 {
                    b = Array(b[0..<rng.below(b.count)])
                } else {
                    for _ in 0..<(1 + rng.below(4)) {
                        let region = rng.below(3)
                        let at = region == 0 ? rng.below(min(4096, b.count)) : region == 1 ? b.count - 1 - rng.below(min(8192, b.count)) : rng.below(b.count)
                        b[at] = rng.below(2) == 0 ? UInt8(rng.below(256)) : b[at] ^ UInt8(1 << rng.below(8))
                    }
                }
                let p = dir.appendingPathComponent("fuzz-\(kind)-\(trial).h5").path
                try Data(b).write(to: URL(fileURLWithPath: p))
                do {
                    try Self.readAll(p)
                    outcomes["read", default: 0] += 1
                } catch let e as NativeHDF5Error {
                    XCTAssertTrue(e.description.hasPrefix(p + ": "), "\(kind) \(trial): \(e)")
                    XCTAssertFalse(e.description.contains("\n"), "\(kind) \(trial): \(e)")
                    outcomes["\(e.kind)", default: 0] += 1
                }
                try? FileManager.default.removeItem(atPath: p)
            }
        }
        print("native fuzz outcomes over \(kinds.count * Self.trialsPerKind) files:", outcomes.sorted { $0.key < $1.key })
        XCTAssertGreaterThan(outcomes.values.reduce(0, +), 0)
    }
}
