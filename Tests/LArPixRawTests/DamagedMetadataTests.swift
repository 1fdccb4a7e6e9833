import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// A metadata checksum that never matches (a damaged file, not a writer midway) must end in an
/// error quickly: HDF5 1.10's SWMR reader, left to its default, re-reads 100 times with doubling
/// sleeps and never returns.
final class DamagedMetadataTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("damaged-metadata") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testABadObjectHeaderChecksumIsAnErrorNotAHang() throws {
        let path = dir.appendingPathComponent("bad.h5").path
        try RawFile.write(path, messages: [[0x44, 0, 0, 0, 0, 0, 0, 0]], headers: ["io_groups": [1]])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The root group's object header follows the 48-byte superblock; change a byte in it.
        XCTAssertEqual(Array(bytes[48..<52]), Array("OHDR".utf8))
        bytes[59] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let done = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox()
        Thread {
            do { outcome.set("count \(try RawFile.count(path))") } catch { outcome.set("\(error)") }
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + 10) == .success else {
            return XCTFail("RawFile.count on a file with a bad checksum did not return within 10 s")
        }
        XCTAssertTrue(outcome.value.hasPrefix(path) && outcome.value.contains("checksum"), outcome.value)
    }
}

private final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func set(_ t: String) { lock.lock(); text = t; lock.unlock() }
    var value: String { lock.lock(); defer { lock.unlock() }; return text }
}
