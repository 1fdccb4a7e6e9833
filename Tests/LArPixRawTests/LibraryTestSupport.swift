import Foundation
import LArPixRaw
import TestSupport
import XCTest


/// Assertions shared by the library tests.
enum Check {
    /// Runs `body`, which must throw a RawFileError accepted by `matches`, whose description is
    /// one line naming `path`. Returns the error.
    @discardableResult
    static func raw<T>(_ body: @autoclosure () throws -> T, path: String, _ what: String,
                       file: StaticString = #filePath, line: UInt = #line,
                       _ matches: (RawFileError) -> Bool) -> RawFileError? {
        do {
            _ = try body()
            XCTFail("\(what): expected an error, got success", file: file, line: line)
            return nil
        } catch let e as RawFileError {
            XCTAssertTrue(matches(e), "\(what): unexpected error case: \(e)", file: file, line: line)
            oneLine(e, path: path, what, file: file, line: line)
            return e
        } catch {
            XCTFail("\(what): expected RawFileError, got \(type(of: error)): \(error)", file: file, line: line)
            return nil
        }
    }

    static func oneLine(_ e: RawFileError, path: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let d = e.description
        XCTAssertFalse(d.contains("\n") || d.contains("\r"), "\(what): description is not one line: \(d)", file: file, line: line)
        XCTAssertTrue(d.contains(path), "\(what): description does not name \(path): \(d)", file: file, line: line)
        XCTAssertFalse(d.isEmpty, file: file, line: line)
    }
}

/// Deterministic message contents for the tests: message `i` of a run is recognisable.
enum Gen {
    /// A message of `size` bytes whose first 8 bytes are `i` (little-endian) when it has room.
    static func message(_ i: Int, size: Int) -> [UInt8] {
        var m = [UInt8](repeating: 0, count: size)
        var state = UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        for k in 0..<size {
            if k < 8 { m[k] = UInt8(truncatingIfNeeded: UInt64(i) >> (8 * UInt64(k))) } else {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                m[k] = UInt8(truncatingIfNeeded: state)
            }
        }
        return m
    }

    static func messages(_ n: Int, sizes: (Int) -> Int) -> [[UInt8]] { (0..<n).map { message($0, size: sizes($0)) } }
}
