import Foundation

/// Buffered output to a file descriptor with write(2): one system call per megabyte, not per
/// line. Formats integers and hex itself, so dumping a file never builds a String per message.
/// A failed write (closed pipe, full disk) prints one line and exits with status 4.
final class OutputBuffer {
    let fd: Int32
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    /// Bytes written to the descriptor so far (flushed).
    private(set) var bytesWritten = 0

    init(fd: Int32 = 1, capacity: Int = 1 << 20) {
        self.fd = fd
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// Makes room for `n` more bytes, flushing (and growing for a single huge item) as needed.
    @inline(__always)
    private func reserve(_ n: Int) {
        if count + n <= capacity { return }
        flush()
        if n > capacity {
            storage.deallocate()
            capacity = n
            storage = .allocate(capacity: n)
        }
    }

    func flush() {
        guard count > 0 else { return }
        let ok = writeAll(fd, UnsafeRawBufferPointer(start: storage, count: count))
        if !ok {
            let reason = String(cString: strerror(errno))
            // Nothing sensible is left to do once the output is gone: say so and stop.
            printError("\(fd == 1 ? "<stdout>" : "<fd \(fd)>"): write failed: \(reason)")
            Foundation.exit(ExitCodes.io)
        }
        bytesWritten += count
        count = 0
    }

    /// Flushes when more than half full (call after each record).
    @inline(__always)
    func flushIfFull() {
        if count >= capacity / 2 { flush() }
    }

    func append(_ s: StaticString) {
        reserve(s.utf8CodeUnitCount)
        (storage + count).update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        count += s.utf8CodeUnitCount
    }

    func append(_ s: String) {
        var s = s
        s.withUTF8 { u in
            reserve(u.count)
            if let base = u.baseAddress { (storage + count).update(from: base, count: u.count) }
            count += u.count
        }
    }

    @inline(__always)
    func append(byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    /// Decimal digits of an integer.
    func append(int value: Int) {
        reserve(21)
        if value == 0 {
            storage[count] = 0x30
            count += 1
            return
        }
        var v = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while v > 0 {
                d[n] = UInt8(truncatingIfNeeded: v % 10) + 0x30
                v /= 10
                n += 1
            }
            if value < 0 {
                storage[count] = 0x2D
                count += 1
            }
            for i in stride(from: n - 1, through: 0, by: -1) {
                storage[count] = d[i]
                count += 1
            }
        }
    }

    /// Lowercase hex of `bytes`. Four bytes at a time as integer arithmetic, through memcpy: in
    /// a debug build each pointer access is a call, and the tests' follow and dump print hundreds
    /// of MB (per byte through typed pointers, this loop was 38 % of their CPU).
    func append(hex bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        reserve(2 * n)
        guard n > 0 else { return }
        let input = bytes.baseAddress!
        let out = UnsafeMutableRawPointer(storage + count)
        var i = 0
        while i + 4 <= n {
            var word: UInt32 = 0
            memcpy(&word, input + i, 4)
            var digits = Self.hexWord(UInt32(littleEndian: word)).littleEndian
            memcpy(out + 2 * i, &digits, 8)
            i += 4
        }
        if i < n {
            let rest = input.assumingMemoryBound(to: UInt8.self)
            let o = out.assumingMemoryBound(to: UInt8.self)
            hexDigits.withUnsafeBufferPointer { table in
                let digits = table.baseAddress!
                for j in i..<n {
                    let b = Int(rest[j]) << 1
                    o[2 * j] = digits[b]
                    o[2 * j + 1] = digits[b + 1]
                }
            }
        }
        count += 2 * n
    }

    /// The eight ASCII hex digits of four bytes (the first byte in `v`'s low bits), the first
    /// digit in the result's low byte: each byte spread to 16 bits, its nibbles swapped into
    /// separate bytes, then `0`...`9` or `a`...`f` chosen per byte without a branch.
    static func hexWord(_ v: UInt32) -> UInt64 {
        let w = UInt64(v)
        var x = (w & 0xFF) | ((w & 0xFF00) << 8) | ((w & 0xFF_0000) << 16) | ((w & 0xFF00_0000) << 24)
        x = ((x >> 4) & 0x000F_000F_000F_000F) | ((x & 0x000F_000F_000F_000F) << 8)
        let letters = ((x &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        return x &+ 0x3030_3030_3030_3030 &+ letters &* 39
    }
}

/// For each byte value, its two lowercase hex digits, high first: 512 bytes.
private let hexDigits: [UInt8] = (0..<256).flatMap { b in
    let digits = Array("0123456789abcdef".utf8)
    return [digits[b >> 4], digits[b & 15]]
}
