import Foundation
#if canImport(Glibc)
import Glibc
import Posix
#endif

/// One sample of Prometheus' text exposition format: `name{label="value",...} number`.
struct MetricSample: Equatable {
    var name: String
    var labels: [String: String]
    var value: Double
}

/// Fetches and parses a Prometheus endpoint with a plain HTTP/1.0 GET over a TCP socket.
enum MetricsScrape {
    enum Failure: Error {
        /// Nothing answered (refused, unreachable, timed out, unknown host).
        case unreachable(String)
        /// Something answered, but not with metrics.
        case badAnswer(String)
    }

    /// The samples at http://HOST:PORT/metrics.
    static func fetch(_ address: String, timeout: Double) throws(Failure) -> [MetricSample] {
        let text = try get(address, path: "/metrics", timeout: timeout)
        return parse(text)
    }

    static func get(_ address: String, path: String, timeout: Double) throws(Failure) -> String {
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            throw .badAnswer("not HOST:PORT")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "*" || host.isEmpty { host = "127.0.0.1" }
        let fd = try connect(host: host, port: port, timeout: timeout)
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: \(address)\r\nAccept: text/plain\r\n\r\n".utf8)
        guard writeAll(fd, request) else { throw .unreachable("send: \(String(cString: strerror(errno)))") }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n: Int
            do { n = try Posix.call { read(fd, &buffer, buffer.count) } } catch {
                throw .unreachable(error.errno == EAGAIN ? "no answer within \(timeout) s" : "receive: \(error)")
            }
            if n == 0 { break }
            response += buffer[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw .badAnswer("not an HTTP response") }
        let statusLine = text[..<split.lowerBound].split(separator: "\r\n").first.map(String.init) ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/") else { throw .badAnswer("not an HTTP response") }
        guard parts[1] == "200" else { throw .badAnswer("HTTP \(parts.dropFirst().joined(separator: " ")) for \(path)") }
        return String(text[split.upperBound...])
    }

    /// A connected TCP socket, with `timeout` for connecting and for each read and write.
    private static func connect(host: String, port: UInt16, timeout: Double) throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else { throw .unreachable("unknown host \(host): \(String(cString: gai_strerror(rc)))") }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            ai = a.pointee.ai_next
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if fd < 0 { lastError = String(cString: strerror(errno)); continue }
            var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            // Linux applies SO_SNDTIMEO to connect(2) as well.
            if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
            lastError = errno == EINPROGRESS || errno == EAGAIN ? "no answer within \(timeout) s" : String(cString: strerror(errno))
            close(fd)
        }
        throw .unreachable(lastError)
    }

    /// Parses the text exposition format; lines it does not understand are skipped.
    static func parse(_ text: String) -> [MetricSample] {
        var out: [MetricSample] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") || line.allSatisfy(\.isWhitespace) { continue }
            if let s = sample(Substring(line)) { out.append(s) }
        }
        return out
    }

    private static func sample(_ line: Substring) -> MetricSample? {
        var rest = line
        let nameEnd = rest.firstIndex { $0 == "{" || $0 == " " } ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        rest = rest[nameEnd...]
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while let c = rest.first, c != "}" {
                if c == "," || c == " " { rest = rest.dropFirst(); continue }
                guard let eq = rest.firstIndex(of: "=") else { return nil }
                let key = String(rest[..<eq]).trimmingCharacters(in: .whitespaces)
                rest = rest[rest.index(after: eq)...]
                guard rest.first == "\"" else { return nil }
                rest = rest.dropFirst()
                var value = ""
                var escaped = false
                while let ch = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        value.append(ch == "n" ? "\n" : ch)
                        escaped = false
                    } else if ch == "\\" {
                        escaped = true
                    } else if ch == "\"" {
                        break
                    } else {
                        value.append(ch)
                    }
                }
                labels[key] = value
            }
            rest = rest.dropFirst()
        }
        let fields = rest.split(separator: " ")
        guard let v = fields.first else { return nil }
        let value: Double
        switch v {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let d = Double(v) else { return nil }
            value = d
        }
        return MetricSample(name: name, labels: labels, value: value)
    }
}
