import Foundation
import LArPixRaw
import XCTest

final class FormatVersionTests: XCTestCase {
    func testParsing() {
        for (text, major, minor) in [("0.0", 0, 0), ("0.10", 0, 10), ("10.3", 10, 3), ("00.01", 0, 1), ("1.999999", 1, 999_999)] {
            let v = FormatVersion(text)
            XCTAssertEqual(v?.major, major, text)
            XCTAssertEqual(v?.minor, minor, text)
        }
        XCTAssertEqual(FormatVersion("0.10")?.description, "0.10")
        for bad in ["", "0", "0.", ".0", "0.0.0", "a.b", "-1.0", "+1.0", "0.+1", " 0.0", "0.0 ", "0,0", "0.0\n",
                    "99999999999999999999.0", "\u{0661}.\u{0662}", "0x1.0"] {
            XCTAssertNil(FormatVersion(bad), "\"\(bad)\" parsed")
        }
    }

    func testSatisfiesComparesMinorsAsIntegers() {
        let file = FormatVersion(major: 0, minor: 10)
        XCTAssertTrue(file.satisfies(FormatVersion(major: 0, minor: 9)))
        XCTAssertTrue(file.satisfies(FormatVersion(major: 0, minor: 10)))
        XCTAssertFalse(file.satisfies(FormatVersion(major: 0, minor: 11)))
        XCTAssertFalse(file.satisfies(FormatVersion(major: 1, minor: 0)))
        XCTAssertFalse(FormatVersion(major: 1, minor: 0).satisfies(FormatVersion(major: 0, minor: 0)))
        XCTAssertLessThan(FormatVersion(major: 0, minor: 9), FormatVersion(major: 0, minor: 10))
        XCTAssertLessThan(FormatVersion(major: 0, minor: 99), FormatVersion(major: 1, minor: 0))
        XCTAssertEqual(FormatVersion.latestFile.description, "0.0")
        XCTAssertEqual(FormatVersion.pacmanIO.description, "0.0")
    }

    func testErrorExitCodesAreDistinctAndDescriptionsOneLine() {
        let p = "/data/run 1.h5"
        let all: [RawFileError] = [
            .notFound(path: p), .isDirectory(path: p), .notHDF5(path: p), .notRawLayout(path: p, reason: "r"),
            .unequalLengths(path: p, msgs: 2, headers: 1), .versionRefused(path: p, what: "version", file: nil, requested: "0.1"),
            .newerHDF5Format(path: p, detail: "d"), .badHeaders(path: p, reason: "r"), .exists(path: p),
            .notWritable(path: p, reason: "r"), .openForWriting(path: p), .invalidArgument(path: p, reason: "r"),
        ]
        XCTAssertEqual(Set(all.map(\.exitCode)).count, all.count)
        for e in all {
            XCTAssertTrue(e.description.hasPrefix(p + ":"), e.description)
            XCTAssertFalse(e.description.contains("\n"), e.description)
            XCTAssertNotEqual(e.exitCode, 0)
            XCTAssertNotEqual(e.exitCode, 1)
        }
        XCTAssertTrue(RawFileError.versionRefused(path: p, what: "io_version", file: nil, requested: "0.0").description.contains("(none)"))
    }
}
