/// Rows by packet_type (0-7), counted as they are decoded.
public struct PacketCounts: Sendable, Equatable {
    public private(set) var byType = [Int](repeating: 0, count: 8)

    public init() {}

    @inline(__always) mutating func add(_ type: UInt8) { byType[Int(type & 7)] += 1 }

    public var total: Int { byType.reduce(0, +) }

    public static func + (a: PacketCounts, b: PacketCounts) -> PacketCounts {
        var s = a
        for i in 0..<8 { s.byType[i] += b.byType[i] }
        return s
    }

    /// Counts by name ("data", "timestamp", …), zero counts left out.
    public var named: [String: Int] {
        var out: [String: Int] = [:]
        for t in PacketType.allCases where byType[Int(t.rawValue)] > 0 { out[t.name] = byType[Int(t.rawValue)] }
        return out
    }
}
