import Foundation

/// larpix-control's io config JSON, e.g. `{"io_class": "PACMAN_IO", "io_group": [[1, "pacman.local"]]}`:
/// each [io_group, host] pair is a PACMAN board whose dataserver publishes on tcp://HOST:5556.
enum IOConfig {
    static let dataPort = 5556

    static func sources(fromFile path: String, key: String, configFile: String) throws(ConfigError) -> [DaemonConfig.Source] {
        func fail(_ p: String) -> ConfigError { ConfigError(file: configFile, key: key, problem: "\(path): \(p)") }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot be read") }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data) } catch { throw fail("not valid JSON") }
        guard let obj = json as? [String: Any] else { throw fail("expected a JSON object") }
        if let cls = obj["io_class"] as? String, cls != "PACMAN_IO" { throw fail("io_class is \(cls), not PACMAN_IO") }
        guard let pairs = obj["io_group"] as? [Any] else { throw fail("no io_group list") }
        var out: [DaemonConfig.Source] = []
        for (i, p) in pairs.enumerated() {
            guard let pair = p as? [Any], pair.count == 2, let g = (pair[0] as? NSNumber)?.intValue,
                  let host = pair[1] as? String, !host.isEmpty else {
                throw fail("io_group[\(i)] is not [io_group, \"host\"]")
            }
            guard (0...255).contains(g) else { throw fail("io_group[\(i)]: \(g) is out of range 0...255") }
            let endpoint = "tcp://\(host):\(dataPort)"
            if let problem = ConfigValues.endpointProblem(endpoint) { throw fail("io_group[\(i)]: \(problem)") }
            out.append(.init(endpoint: endpoint, tagging: .ioGroup(UInt8(g)), name: "io_group\(g)", rcvhwm: nil))
        }
        return out
    }
}
