import Foundation
#if canImport(Glibc)
import Glibc
import Posix
#endif

/// The client side of the control protocol, blocking (for `larpix-raw` and the server's check
/// for a live daemon on its socket): connect, send one request line, read one reply line.
public struct ControlClient {
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Nothing listens there (no socket file, connection refused).
        case noDaemon(String)
        /// Connected, but no usable reply (timeout, closed early, not the protocol).
        case badReply(String)

        public var description: String {
            switch self {
            case .noDaemon(let s), .badReply(let s): return s
            }
        }
    }

    public let endpoint: ControlEndpoint
    /// How long to wait for the reply: a start-run at full rate closes, flushes and fsyncs a file.
    public var timeout: Double

    public init(endpoint: ControlEndpoint, timeout: Double = 60) {
        self.endpoint = endpoint
        self.timeout = timeout
    }

    public func send(_ request: ControlRequest) throws(Failure) -> ControlReply {
        let fd = try connect()
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let line = request.line()
        let sent = line.withUnsafeBytes { p in Glibc.send(fd, p.baseAddress, p.count, Int32(MSG_NOSIGNAL)) }
        guard sent == line.count else { throw .badReply("\(endpoint): cannot send: \(String(cString: strerror(errno)))") }
        var got: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while !got.contains(0x0a) {
            let n: Int
            do { n = try Posix.call { recv(fd, &buf, buf.count, 0) } } catch {
                if error.errno == EAGAIN || error.errno == EWOULDBLOCK { throw .badReply("\(endpoint): no reply within \(Int(timeout)) s") }
                throw .badReply("\(endpoint): cannot receive: \(error)")
            }
            guard n > 0 else { throw .badReply("\(endpoint): closed without a reply") }
            got += buf[0..<n]
            if got.count > 1 << 20 { throw .badReply("\(endpoint): reply too long") }
        }
        guard let reply = ControlReply.parse(got[..<got.firstIndex(of: 0x0a)!]) else {
            throw .badReply("\(endpoint): the reply is not larpix-rawd's control protocol")
        }
        return reply
    }

    /// Whether something accepts connections there now.
    public func isListening() -> Bool {
        guard let fd = try? connect() else { return false }
        close(fd)
        return true
    }

    private func connect() throws(Failure) -> Int32 {
        switch endpoint {
        case .unix(let path): return try connectUnix(path)
        case .tcp(let host, let port): return try connectTCP(host, port)
        }
    }

    private func connectUnix(_ path: String) throws(Failure) -> Int32 {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw .noDaemon("\(endpoint): path too long") }
        withUnsafeMutableBytes(of: &addr.sun_path) { p in
            for (i, b) in bytes.enumerated() { p[i] = b }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .noDaemon("\(endpoint): socket: \(String(cString: strerror(errno)))") }
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard r == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw .noDaemon("\(endpoint): no daemon listening (\(why))")
        }
        return fd
    }

    private func connectTCP(_ host: String, _ port: Int) throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &res) == 0, let first = res else {
            throw .noDaemon("\(endpoint): cannot resolve \(host)")
        }
        defer { freeaddrinfo(res) }
        var why = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), a.pointee.ai_protocol)
            if fd >= 0 {
                if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
                why = String(cString: strerror(errno))
                close(fd)
            }
            ai = a.pointee.ai_next
        }
        throw .noDaemon("\(endpoint): no daemon listening (\(why))")
    }
}
