import Foundation
import Synchronization

extension TestSupport {
    /// A loopback TCP port free now, for a socket a test binds a moment later. Taken below the
    /// kernel's ephemeral range (net.ipv4.ip_local_port_range): a port the kernel hands out for
    /// `bind(0)` is one it also hands to connecting sockets, and the many connections of a busy
    /// run (receivers, probes, scrapes) could take it between this choice and the bind. Never
    /// the same port twice in a process (as bench/ports.py): a test that takes two before binding
    /// either must get two.
    public static func freeTCPPort() -> Int {
        let low = ephemeralLow()
        let range = max(1024, low - 20_000)..<low
        while true {
            let port = Int.random(in: range)
            guard given.withLock({ $0.insert(port).inserted }) else { continue }
            if canBind(port) { return port }
        }
    }

    private static let given = Mutex<Set<Int>>([])

    static func ephemeralLow() -> Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        return text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { Int($0) } ?? 32768
    }

    static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
