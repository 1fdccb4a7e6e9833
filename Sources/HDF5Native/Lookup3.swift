/// Bob Jenkins' lookup3 `hashlittle` with initial value 0: the checksum of HDF5's metadata
/// (superblock v2/v3, v2 object headers, extensible and fixed arrays, v2 B-trees, ...).
public enum Lookup3 {
    @inline(__always) private static func rot(_ x: UInt32, _ k: UInt32) -> UInt32 { (x << k) | (x >> (32 - k)) }

    public static func hash(_ key: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        var a = 0xdeadbeef &+ UInt32(truncatingIfNeeded: key.count) &+ initial
        var b = a, c = a
        var i = 0
        var length = key.count
        @inline(__always) func word(_ at: Int) -> UInt32 { UInt32(littleEndian: key.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        while length > 12 {
            a &+= word(i); b &+= word(i + 4); c &+= word(i + 8)
            a &-= c; a ^= rot(c, 4); c &+= b
            b &-= a; b ^= rot(a, 6); a &+= c
            c &-= b; c ^= rot(b, 8); b &+= a
            a &-= c; a ^= rot(c, 16); c &+= b
            b &-= a; b ^= rot(a, 19); a &+= c
            c &-= b; c ^= rot(b, 4); b &+= a
            length -= 12; i += 12
        }
        if length == 0 { return c }
        // The last 1...12 bytes, zero-padded.
        var tail = (UInt32(0), UInt32(0), UInt32(0))
        withUnsafeMutableBytes(of: &tail) { t in
            for k in 0..<length { t[k] = key[i + k] }
        }
        a &+= UInt32(littleEndian: tail.0); b &+= UInt32(littleEndian: tail.1); c &+= UInt32(littleEndian: tail.2)
        c ^= b; c &-= rot(b, 14)
        a ^= c; a &-= rot(c, 11)
        b ^= a; b &-= rot(a, 25)
        c ^= b; c &-= rot(b, 16)
        a ^= c; a &-= rot(c, 4)
        b ^= a; b &-= rot(a, 14)
        c ^= b; c &-= rot(b, 24)
        return c
    }

    public static func hash(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { hash($0) } }
}
