/// Rows by packet_type (0-7), counted as they are decoded.
public struct PacketCounts: Sendable, Equatable {
    /// A SIMD vector, not an array: counting a row is one add, no uniqueness or bounds check.
    public private(set) var byType = SIMD8<Int>()

    public init() {}

    @inline(__always) mutating func add(_ type: UInt8) { byType[Int(type & 7)] &+= 1 }

    @inline(__always) mutating func add(_ v: SIMD8<Int>) { byType &+= v }

    public var total: Int { byType.wrappedSum() }

    public static func + (a: PacketCounts, b: PacketCounts) -> PacketCounts {
        var s = a
        s.byType &+= b.byType
        return s
    }

    /// Counts by name ("data", "timestamp", …), zero counts left out.
    public var named: [String: Int] {
        var out: [String: Int] = [:]
        for t in PacketType.allCases where byType[Int(t.rawValue)] > 0 { out[t.name] = byType[Int(t.rawValue)] }
        return out
    }
}
