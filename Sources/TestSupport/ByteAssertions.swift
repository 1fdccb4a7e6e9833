import Foundation
import XCTest

// Messages compared as bytes. XCTest's generic XCTAssertEqual reaches Array's unspecialised
// `==`, which in a debug build calls a value witness per byte: 70 % of DirectHeapReadTests' CPU
// (perf). These overloads are chosen over the generic one wherever both modules are imported;
// they compare with memcmp and, on failure, name the first difference instead of printing
// megabytes.

/// Equal lists of messages: same count, and each message the same bytes.
public func XCTAssertEqual(_ expression1: @autoclosure () throws -> [[UInt8]], _ expression2: @autoclosure () throws -> [[UInt8]],
                           _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    ByteComparison.assertNoDifference({ ByteComparison.firstDifference(try expression1(), try expression2()) }, message, file, line)
}

/// Equal byte strings.
public func XCTAssertEqual(_ expression1: @autoclosure () throws -> [UInt8], _ expression2: @autoclosure () throws -> [UInt8],
                           _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    ByteComparison.assertNoDifference({ ByteComparison.firstDifference(try expression1(), try expression2()) }, message, file, line)
}

public enum ByteComparison {
    /// Fails the test, as XCTAssertEqual words it, when `difference` names one or throws.
    static func assertNoDifference(_ difference: () throws -> String?, _ message: () -> String, _ file: StaticString, _ line: UInt) {
        do {
            if let d = try difference() { XCTFail("XCTAssertEqual failed: \(d) - \(message())", file: file, line: line) }
        } catch {
            XCTFail("XCTAssertEqual threw error \"\(error)\" - \(message())", file: file, line: line)
        }
    }

    /// Whether `a` and `b` hold the same bytes.
    public static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }

    /// Whether two lists of messages are equal, message by message.
    public static func same(_ a: [[UInt8]], _ b: [[UInt8]]) -> Bool { firstDifference(a, b) == nil }

    /// Where two byte strings first differ (nil: equal).
    public static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String? {
        if same(a, b) { return nil }
        let at = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        return "\(a.count) and \(b.count) bytes, first different at byte \(at)"
    }

    /// Where two lists of messages first differ (nil: equal).
    public static func firstDifference(_ a: [[UInt8]], _ b: [[UInt8]]) -> String? {
        for i in 0..<min(a.count, b.count) where !same(a[i], b[i]) {
            return "message \(i) differs (\(firstDifference(a[i], b[i])!)) of \(a.count) and \(b.count) messages"
        }
        return a.count == b.count ? nil : "\(a.count) and \(b.count) messages (equal as far as the shorter goes)"
    }
}
