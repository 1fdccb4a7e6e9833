import CHDF5
import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// Message sizes, io_group values and file lengths at the edges, and the append rate.
final class SizeTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("sizes") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func testMessageSizesFromEmptyToFourMiB() throws {
        let sizes = [0, 1, 24, 0, 256 * 1024, 1, 4 * 1024 * 1024, 24, 0]
        let msgs = sizes.enumerated().map { Gen.message($0.offset, size: $0.element) }
        let groups = sizes.indices.map { UInt8($0 * 17) }
        let p = path("sizes.h5")
        let w = try RawFileWriter.create(p, ioVersion: "0.0")
        // One at a time and then all at once, so both paths see every size.
        for (m, g) in zip(msgs, groups) { try w.append(messages: [m], ioGroups: [g]) }
        try w.flush()
        try w.append(messages: msgs, ioGroups: groups)
        XCTAssertEqual(w.messageCount, 2 * msgs.count)
        XCTAssertEqual(w.bytesAppended, 2 * sizes.reduce(0, +))
        XCTAssertEqual(w.messagesAppended, 2 * msgs.count)
        try w.close()

        let all = msgs + msgs, allGroups = (groups + groups).map(Int.init)
        let c = try RawFile.read(p)
        XCTAssertEqual(c.messages?.map(\.count), all.map(\.count))
        XCTAssertEqual(c.messages, all)
        XCTAssertEqual(c.headers["io_groups"], allGroups)

        let r = try RawFileReader(path: p)
        defer { try? r.close() }
        // forEachBlock with a small budget: blocks shrink to single 4 MiB messages, nothing lost.
        var seen: [[UInt8]] = [], starts: [Int] = []
        try r.forEachBlock(in: 0..<all.count, maxBlockBytes: 1 << 20) { (start, d, g) throws(RawFileError) in
            starts.append(start)
            XCTAssertEqual(start, seen.count)
            for i in 0..<d.count { seen.append(Array(UnsafeRawBufferPointer(start: d[i].p, count: d[i].len))) }
            XCTAssertEqual(g.count, d.count)
        }
        XCTAssertEqual(seen, all)
        XCTAssertGreaterThan(starts.count, 1)
        var viaWith: [[UInt8]] = []
        try r.withMessages(start: 3, count: 4) { i, b, g in
            XCTAssertEqual(Int(g), allGroups[i])
            viaWith.append(Array(b))
        }
        XCTAssertEqual(viaWith, Array(all[3..<7]))
        XCTAssertEqual(try r.readMessages(start: 6, count: 1).messages, [all[6]])

        let oracle = try Oracle.debian()
        let theirs = try oracle.read(p)
        XCTAssertEqual(theirs.messages, all)
        XCTAssertEqual(theirs.ioGroups.map(Int.init), allGroups)
    }

    func testAll256IOGroups() throws {
        let p = path("groups.h5")
        let msgs = (0..<512).map { Gen.message($0, size: 8 + 16 * ($0 % 3)) }
        let groups = (0..<512).map { 255 - $0 % 256 }
        try RawFile.write(p, messages: msgs, headers: ["io_groups": groups])
        let c = try RawFile.read(p)
        XCTAssertEqual(c.headers["io_groups"], groups)
        XCTAssertEqual(Set(c.headers["io_groups"]!).count, 256)
        XCTAssertEqual(c.messages, msgs)
        let oracle = try Oracle.debian()
        XCTAssertEqual(try oracle.read(p, extra: ["--headers-only"]).ioGroups.map(Int.init), groups)
    }

    func testZeroMessageFile() throws {
        let p = path("zero.h5")
        try RawFile.write(p, ioVersion: "0.0")
        XCTAssertEqual(try RawFile.count(p), 0)
        let c = try RawFile.read(p)
        XCTAssertEqual(c.messages, [])
        XCTAssertEqual(c.headers, ["io_groups": []])
        XCTAssertEqual(try RawFile.read(p, start: -5, end: 5).messages, [])
        XCTAssertEqual(try RawFile.read(p, mask: []).messages, [])
        XCTAssertNil(try RawFile.read(p, headersOnly: true).messages)
        let r = try RawFileReader(path: p)
        var calls = 0
        try r.forEachBlock(in: 0..<0) { (_, _, _) throws(RawFileError) in calls += 1 }
        XCTAssertEqual(calls, 0)
        XCTAssertEqual(try r.readMessages(start: 0, count: 0).messages, [])
        try r.close()
        // An append of nothing leaves it empty.
        try RawFile.write(p, messages: [])
        XCTAssertEqual(try RawFile.count(p), 0)

        let oracle = try Oracle.debian()
        let theirs = try oracle.read(p)
        XCTAssertEqual(theirs.meta["n"] as? Int, 0)
        XCTAssertEqual(theirs.messages, [])
        XCTAssertEqual(try oracle.len(p), 0)
        // And we read larpix-control's empty file.
        let q = path("theirs-zero.h5")
        try oracle.write(q, messages: [], ioGroups: [])
        XCTAssertEqual(try RawFile.count(q), 0)
        XCTAssertEqual(try RawFile.read(q).messages, [])
    }

    /// Appends `total` messages of `size` bytes in batches of `batch` through the zero-copy
    /// append, flushing after each batch as the daemon does. Returns (seconds, file path).
    func appendRun(_ name: String, total: Int, size: Int, batch: Int, flushEvery: Int = 1) throws -> (Double, String) {
        let p = path(name)
        let w = try RawFileWriter.create(p, ioVersion: "0.0")
        var buffer = [UInt8](repeating: 0, count: batch * size)
        let t0 = Date()
        var done = 0, batches = 0
        while done < total {
            let n = min(batch, total - done)
            // Message i carries its index in its first 8 bytes (the rest is a pattern).
            buffer.withUnsafeMutableBytes { b in
                for k in 0..<n {
                    let base = k * size
                    var idx = UInt64(done + k).littleEndian
                    withUnsafeBytes(of: &idx) { ib in
                        for j in 0..<min(8, size) { b[base + j] = ib[j] }
                    }
                    if size > 8 { b[base + 8] = UInt8(truncatingIfNeeded: (done + k) % 251) }
                }
            }
            try buffer.withUnsafeBytes { (all: UnsafeRawBufferPointer) throws in
                try w.append(count: n) { k in
                    (UnsafeRawBufferPointer(rebasing: all[(k * size)..<((k + 1) * size)]), UInt8(truncatingIfNeeded: done + k))
                }
            }
            done += n
            batches += 1
            if batches % flushEvery == 0 { try w.flush() }
        }
        try w.close()
        return (Date().timeIntervalSince(t0), p)
    }

    static func expected(_ i: Int, size: Int) -> [UInt8] {
        var m = [UInt8](repeating: 0, count: size)
        for j in 0..<min(8, size) { m[j] = UInt8(truncatingIfNeeded: UInt64(i) >> (8 * UInt64(j))) }
        if size > 8 { m[8] = UInt8(truncatingIfNeeded: i % 251) }
        return m
    }

    func testMillionMessagesAndAppendRates() throws {
        let total = 1_000_000, size = 24
        let started = Date()
        let (seconds, p) = try appendRun("million.h5", total: total, size: size, batch: 4096)
        let rate = Double(total) / seconds
        print(String(format: "append rate, 24 B messages, batches of 4096, flush per batch: %.0f messages/s, %.2f MB/s (%.2f s for %d)",
                     rate, rate * Double(size) / 1e6, seconds, total))
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: p)[.size] as? Int) ?? 0
        print("file size for 1,000,000 x 24 B: \(fileBytes) bytes (\(String(format: "%.1f", Double(fileBytes) / Double(total))) B/message)")

        XCTAssertEqual(try RawFile.count(p), total)
        // Spot checks.
        for i in [0, 1, 4095, 4096, 4097, 500_000, 999_999] + (0..<20).map({ _ in Int.random(in: 0..<total) }) {
            let c = try RawFile.read(p, start: i, end: i + 1)
            XCTAssertEqual(c.messages, [Self.expected(i, size: size)], "message \(i)")
            XCTAssertEqual(c.headers["io_groups"], [i % 256], "io_group \(i)")
        }
        XCTAssertEqual(try RawFile.read(p, start: -3).messages, (total - 3..<total).map { Self.expected($0, size: size) })

        // A full streaming pass comparing every byte.
        let t1 = Date()
        let r = try RawFileReader(path: p)
        var next = 0, mismatches = 0
        var want = [UInt8](repeating: 0, count: size)
        try r.forEachBlock(in: 0..<total) { (start, d, g) throws(RawFileError) in
            if start != next { mismatches += 1 }
            for k in 0..<d.count {
                let i = start + k
                for j in 0..<8 { want[j] = UInt8(truncatingIfNeeded: UInt64(i) >> (8 * UInt64(j))) }
                want[8] = UInt8(truncatingIfNeeded: i % 251)
                let got = UnsafeRawBufferPointer(start: d[k].p, count: d[k].len)
                if d[k].len != size || !got.elementsEqual(want) || g[k] != UInt8(truncatingIfNeeded: i) { mismatches += 1 }
            }
            next = start + d.count
        }
        try r.close()
        XCTAssertEqual(next, total)
        XCTAssertEqual(mismatches, 0)
        print(String(format: "streaming read of 1,000,000 messages: %.2f s", Date().timeIntervalSince(t1)))

        // larpix-control: len_rawfile and from_rawfile with start/end on a slice.
        let oracle = try Oracle.debian()
        XCTAssertEqual(try oracle.len(p), total)
        let slice = try oracle.read(p, extra: ["--start", "600000", "--end", "600050"])
        XCTAssertEqual(slice.messages, (600_000..<600_050).map { Self.expected($0, size: size) })
        XCTAssertEqual(slice.ioGroups, (600_000..<600_050).map { UInt8(truncatingIfNeeded: $0) })
        let tail = try oracle.read(p, extra: ["--start", "-7"])
        XCTAssertEqual(tail.messages, (total - 7..<total).map { Self.expected($0, size: size) })
        let elapsed = Date().timeIntervalSince(started)
        print(String(format: "1,000,000-message test: %.1f s in all", elapsed))
        XCTAssertLessThan(elapsed, 60, "the million-message test should stay well under a minute")
    }

    func testAppendRateOf64KiBMessages() throws {
        let total = 1024, size = 64 * 1024
        let (seconds, p) = try appendRun("big.h5", total: total, size: size, batch: 16)
        let rate = Double(total) / seconds
        print(String(format: "append rate, 64 KiB messages, batches of 16, flush per batch: %.0f messages/s, %.1f MB/s (%.2f s for %d)",
                     rate, rate * Double(size) / 1e6, seconds, total))
        XCTAssertEqual(try RawFile.count(p), total)
        for i in [0, 15, 16, 511, 1023] {
            XCTAssertEqual(try RawFile.read(p, start: i, end: i + 1).messages, [Self.expected(i, size: size)])
        }
    }
}
