import Foundation
import PACMAN
import XCTest
@testable import LArPixPackets

/// The word -> row decode against an independent, bit-by-bit reading of larpix-control's
/// Packet_v2 (its bit slices, little-endian bit order) and the 2.4 row layout.
final class MessageDecoderTests: XCTestCase {
    /// Field value of the row at `offset`, `bytes` wide, little-endian.
    static func field(_ row: [UInt8], _ name: String) -> UInt64 {
        let f = PacketFormat.packetFields.first { $0.name == name }!
        var v: UInt64 = 0
        for i in 0..<f.bytes { v |= UInt64(row[f.offset + i]) << (8 * i) }
        return v
    }

    /// bits[lo..<hi] of the packet, LSB first, as bitarray (endian little) slices them.
    static func bits(_ p: UInt64, _ lo: Int, _ hi: Int) -> UInt64 {
        var v: UInt64 = 0
        for (k, i) in (lo..<hi).enumerated() where (p >> UInt64(i)) & 1 == 1 { v |= 1 << UInt64(k) }
        return v
    }

    func decode(_ m: [UInt8], ioGroup: UInt8) throws -> [[UInt8]] {
        try m.withUnsafeBytes { b in
            guard case .convert(let rows, _) = MessageDecoder.check(b) else { throw XCTSkip("not convertible") }
            var out = [UInt8](repeating: 0xEE, count: rows * 36)
            var counts = [Int](repeating: 0, count: 8)
            let n = out.withUnsafeMutableBytes { o in
                counts.withUnsafeMutableBufferPointer { MessageDecoder.write(b, ioGroup: ioGroup, into: o.baseAddress!, counts: $0.baseAddress!) }
            }
            XCTAssertEqual(n, rows)
            XCTAssertEqual(counts.reduce(0, +), rows)
            return (0..<rows).map { Array(out[$0 * 36..<($0 + 1) * 36]) }
        }
    }

    func testDataWordsOfEveryPacketTypeAndParityAgainstBitSlices() throws {
        let seed = UInt64(0x5EED_0001)
        print("seed \(seed)")
        var cases = PacketCases(seed: seed)
        var seen = Set<String>()
        for _ in 0..<4000 {
            let w = cases.dataWord()
            let m = cases.header(0x44, words: 1) + w
            let rows = try decode(m, ioGroup: 9)
            XCTAssertEqual(rows.count, 2)
            let r = rows[1], f = Self.field
            let p = w[8..<16].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            let ones = (0..<63).filter { (p >> UInt64($0)) & 1 == 1 }.count
            let parity = Self.bits(p, 63, 64)
            let valid: UInt64 = parity == UInt64(1 - ones % 2) ? 1 : 0
            seen.insert("\(Self.bits(p, 0, 2))/\(valid)")
            let expected: [String: UInt64] = [
                "io_group": 9, "io_channel": UInt64(w[1]), "packet_type": Self.bits(p, 0, 2), "chip_id": Self.bits(p, 2, 10),
                "downstream_marker": Self.bits(p, 62, 63), "parity": parity, "valid_parity": valid,
                "channel_id": Self.bits(p, 10, 16), "timestamp": Self.bits(p, 16, 47), "first_packet": Self.bits(p, 47, 48),
                "dataword": Self.bits(p, 48, 56), "trigger_type": Self.bits(p, 56, 58), "local_fifo": Self.bits(p, 58, 60),
                "shared_fifo": Self.bits(p, 60, 62), "register_address": Self.bits(p, 10, 18), "register_data": Self.bits(p, 18, 26),
                "receipt_timestamp": UInt64(w[2]) | UInt64(w[3]) << 8 | UInt64(w[4]) << 16 | UInt64(w[5]) << 24,
            ]
            for field in PacketFormat.packetFields {
                XCTAssertEqual(f(r, field.name), expected[field.name] ?? 0, "\(field.name) of packet \(String(p, radix: 16))")
            }
        }
        XCTAssertEqual(seen.count, 8, "every packet type with good and bad parity")
    }

    func testTimestampTriggerAndSyncRows() throws {
        let c = PacketCases(seed: 7)
        var m = c.header(0x44, words: 4)
        m += [0x54, 0x05, 0xAA, 0xBB, 0x78, 0x56, 0x34, 0x12] + [UInt8](repeating: 0xCC, count: 8)
        for (type, clk) in [(UInt8(0x53), UInt8(0xFF)), (0x48, 0x02), (0x43, 0x01)] {
            m += [0x53, type, clk, 0xDD, 0x01, 0x00, 0x00, 0x80] + [UInt8](repeating: 0xCC, count: 8)
        }
        let rows = try decode(m, ioGroup: 2)
        let f = Self.field
        XCTAssertEqual(f(rows[0], "packet_type"), 4)
        XCTAssertEqual(f(rows[0], "timestamp"), 1_700_000_004)
        XCTAssertEqual(f(rows[0], "io_group"), 2)
        XCTAssertEqual(f(rows[1], "packet_type"), 7)
        XCTAssertEqual(f(rows[1], "trigger_type"), 5)
        XCTAssertEqual(f(rows[1], "timestamp"), 0x1234_5678)
        for (i, (type, clk)) in [(UInt64(0x53), UInt64(1)), (0x48, 0), (0x43, 1)].enumerated() {
            XCTAssertEqual(f(rows[2 + i], "packet_type"), 6)
            XCTAssertEqual(f(rows[2 + i], "trigger_type"), type, "sync type byte")
            XCTAssertEqual(f(rows[2 + i], "dataword"), clk, "clk_source & 1")
            XCTAssertEqual(f(rows[2 + i], "timestamp"), 0x8000_0001)
        }
        for r in rows {
            for name in ["io_channel", "chip_id", "valid_parity", "receipt_timestamp", "counter", "direction"] {
                XCTAssertEqual(f(r, name), 0, name)
            }
        }
    }

    func check(_ m: [UInt8]) -> MessageCheck { m.withUnsafeBytes { MessageDecoder.check($0) } }

    func testEveryReasonLarpixControlRaisesOn() {
        let c = PacketCases(seed: 1)
        var word = [UInt8](repeating: 0, count: 16)
        word[0] = 0x44
        XCTAssertEqual(check([]), .skip(.tooShort, word: nil))
        XCTAssertEqual(check([0x44, 1, 2]), .skip(.tooShort, word: nil))
        XCTAssertEqual(check(c.header(0x58, words: 0)), .skip(.unknownMessageType, word: nil))
        XCTAssertEqual(check(c.header(0x44, words: 2) + word + [0x51] + word.dropFirst()), .skip(.unknownWordType, word: 1))
        XCTAssertEqual(check(c.header(0x44, words: 1) + [0x50] + word.dropFirst()), .skip(.unknownWordType, word: 0), "ping in a data message")
        XCTAssertEqual(check(c.header(0x3F, words: 1) + [0x53] + word.dropFirst()), .skip(.unknownWordType, word: 0), "sync in a request")
        XCTAssertEqual(check(c.header(0x44, words: 1) + word.prefix(10)), .skip(.truncatedWord, word: 0))
        XCTAssertEqual(check(c.header(0x44, words: 2) + word + word.prefix(1)), .skip(.truncatedWord, word: 1))
        XCTAssertEqual(check(c.header(0x3F, words: 1) + word), .skip(.txWord, word: 0), "tx word of zero bytes")
        XCTAssertEqual(check(c.header(0x44, words: 3) + word), .convert(rows: 2, wordCountMismatch: true))
        XCTAssertEqual(check(c.header(0x44, words: 0) + word), .convert(rows: 2, wordCountMismatch: true))
        XCTAssertEqual(check(c.header(0x21, words: 2) + [0x45] + word.dropFirst() + [0x50] + word.dropFirst()),
                       .convert(rows: 1, wordCountMismatch: false), "error and pong give no rows")
    }

    func testPacketFileNames() {
        XCTAssertEqual(PacketFileName.forRaw("binary-0050017-2024_07_08_13_37_49_CDT.h5"), "packet-0050017-2024_07_08_13_37_49_CDT.h5")
        XCTAssertEqual(PacketFileName.forRaw("/data/run/binary-x.h5"), "packet-x.h5")
        XCTAssertEqual(PacketFileName.forRaw("run_0001.h5"), "packet-run_0001.h5")
    }
}
