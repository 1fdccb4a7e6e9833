import Foundation

/// larpix-control's io config JSON, e.g. `{"io_class": "PACMAN_IO", "io_group": [[1, "pacman.local"]]}`:
/// each [io_group, host] pair is a PACMAN board whose dataserver publishes on tcp://HOST:5556.
enum IOConfig {
    /// The PACMAN dataserver's PUB port (larpix-control's PACMAN_IO data port).
    static let dataPort = 5556

    /// The sources the file lists, in its order. Errors name `key` (io_config) and the JSON file.
    static func sources(fromFile path: String, key: String, configFile: String) throws(ConfigError) -> [DaemonConfig.Source] {
        func fail(_ problem: String) -> ConfigError { ConfigError(file: configFile, key: key, problem: "\(path): \(problem)") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { throw fail("is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail(FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data) } catch { throw fail("not valid JSON") }
        guard let object = json as? [String: Any] else { throw fail("expected a JSON object") }
        if let ioClass = object["io_class"] {
            guard let name = ioClass as? String, name == "PACMAN_IO" else { throw fail("io_class is \(ioClass), not PACMAN_IO") }
        }
        guard let pairs = object["io_group"] as? [Any] else { throw fail("no io_group list of [io_group, \"host\"] pairs") }
        var out: [DaemonConfig.Source] = []
        for (i, entry) in pairs.enumerated() {
            guard let pair = entry as? [Any], pair.count == 2, let group = exactInteger(pair[0]),
                  let host = pair[1] as? String, !host.isEmpty else {
                throw fail("io_group[\(i)] is not [io_group, \"host\"]")
            }
            guard (0...255).contains(group) else { throw fail("io_group[\(i)]: \(group) is out of range 0...255") }
            // ZeroMQ wants an IPv6 address in brackets; larpix-control writes it bare.
            let endpointHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            let endpoint = "tcp://\(endpointHost):\(dataPort)"
            if let problem = ConfigValues.endpointProblem(endpoint) { throw fail("io_group[\(i)]: \(problem)") }
            out.append(.init(endpoint: endpoint, tagging: .ioGroup(UInt8(group)), name: "io_group\(group)", rcvhwm: nil))
        }
        return out
    }

    /// A JSON integer; nil for true/false and for numbers with a fraction. JSONSerialization
    /// hands all of them over as NSNumber (and `is Bool` holds for 0 and 1), so a boolean is
    /// told by its "c" type code.
    private static func exactInteger(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
        let d = number.doubleValue
        guard d.rounded() == d, abs(d) < 1e15 else { return nil }
        return Int(d)
    }
}
