import Foundation
import Logging
import Yams

extension DaemonConfig {
    /// Reads and validates a YAML config file. Every problem is a `ConfigError` naming the key.
    public static func load(path: String) throws(ConfigError) -> DaemonConfig {
        let name = (path as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
            throw ConfigError(file: path, key: "", problem: !exists ? "no such file" : isDir.boolValue ? "is a directory" : "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: name, key: "", problem: "not UTF-8 text")
        }
        let base = (path as NSString).deletingLastPathComponent
        return try parse(yaml: text, file: name, baseDirectory: base.isEmpty ? "." : base)
    }

    /// Parses YAML text; `file` names it in errors, `baseDirectory` resolves a relative io_config.
    /// Sections are read in this order, so that a check across two of them (batch.max_bytes
    /// against buffer.max_bytes, the file name after all of output) names the key to edit.
    public static func parse(yaml: String, file: String = "config", baseDirectory: String = ".") throws(ConfigError) -> DaemonConfig {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw ConfigError(file: file, key: "", problem: "not valid YAML: \(ConfigReader.yamlProblem(error))")
        }
        var c = DaemonConfig()
        c.origin = file
        let r = ConfigReader(file: file, baseDirectory: baseDirectory)
        guard let root else { throw ConfigError(file: file, key: "sources", problem: "missing: the configuration is empty") }
        let top = try r.mapping(root, "", known: ["sources", "io_config", "receive", "output", "flush_interval", "batch",
                                                  "buffer", "rotate", "metrics", "tap", "log_level", "stop_timeout", "packets", "idle_flush", "writer_priority",
                                                  "run", "control", "catalog", "quality"])
        if let n = top["receive"] { try c.readReceive(n, r) }
        if let n = top["output"] { try c.readOutput(n, r) }
        if let problem = FileNamer.patternProblem(c.output.filename) { throw r.error("output.filename", problem) }
        if !c.output.latestLink.isEmpty, FileNamer(pattern: c.output.filename, host: "host").canName(c.output.latestLink) {
            throw r.error("output.filename", "\"\(c.output.filename)\" can name a file \"\(c.output.latestLink)\", the name of output.latest_link")
        }
        if let v = top["flush_interval"] { c.flushInterval = try r.seconds(v, "flush_interval", zeroAllowed: false, atMost: 3600) }
        if let v = top["idle_flush"] { c.idleFlush = try r.seconds(v, "idle_flush", zeroAllowed: true, atMost: 60) }
        if let v = top["writer_priority"] { c.writerPriority = try r.int(v, "writer_priority", in: 0...20) }
        if let v = top["stop_timeout"] { c.stopTimeout = try r.seconds(v, "stop_timeout", zeroAllowed: false, atMost: 3600) }
        if let n = top["batch"] { try c.readBatch(n, r) }
        if let n = top["buffer"] {
            let m = try r.mapping(n, "buffer", known: ["max_bytes"])
            if let v = m["max_bytes"] { c.bufferMaxBytes = try r.bytes(v, "buffer.max_bytes", in: 1...(1 << 50)) }
        }
        if c.batch.maxBytes > c.bufferMaxBytes {
            throw r.error("batch.max_bytes", "\(c.batch.maxBytes) is larger than buffer.max_bytes \(c.bufferMaxBytes)")
        }
        if let n = top["rotate"] { try c.readRotate(n, r) }
        if let n = top["metrics"] { try c.readMetrics(n, r) }
        if let n = top["tap"] { c.tap = try r.tap(n) }
        if let n = top["packets"] { try c.readPackets(n, r) }
        if let n = top["run"] { try c.readRun(n, r) }
        if let n = top["control"] { try c.readControl(n, r) }
        if let n = top["catalog"] { c.catalog = try CatalogConfig.read(n, r) }
        if let n = top["quality"] { try c.readQuality(n, r) }
        if let v = top["log_level"] { c.logLevel = try r.logLevel(v, "log_level") }
        try c.readSources(top["sources"], ioConfig: top["io_config"], r, file: file, baseDirectory: baseDirectory)
        return c
    }

    private mutating func readReceive(_ n: Node, _ r: ConfigReader) throws(ConfigError) {
        let m = try r.mapping(n, "receive", known: ["rcvhwm", "rcvbuf", "max_message_bytes", "validate", "threads"])
        if let v = m["rcvhwm"] { receive.rcvhwm = try r.int(v, "receive.rcvhwm", in: 0...Int(Int32.max)) }
        if let v = m["rcvbuf"] { receive.rcvbuf = try r.bytes(v, "receive.rcvbuf", in: 0...Int(Int32.max)) }
        if let v = m["max_message_bytes"] { receive.maxMessageBytes = try r.bytes(v, "receive.max_message_bytes", in: 1...(1 << 40)) }
        if let v = m["validate"] { receive.validate = try r.validation(v, "receive.validate") }
        if let v = m["threads"] { receive.threads = try r.int(v, "receive.threads", in: 1...256) }
    }

    private mutating func readOutput(_ n: Node, _ r: ConfigReader) throws(ConfigError) {
        let m = try r.mapping(n, "output", known: ["directory", "filename", "append", "io_version", "min_free_bytes", "page_size",
                                                  "ordered_flush", "exposure_wait", "sidecar", "latest_link", "on_close",
                                                  "directories", "return_to_first", "embed_configs"])
        if m["directory"] != nil && m["directories"] != nil {
            throw r.error("output.directories", "given with output.directory: give one place (directory) or a list of places (directories), not both")
        }
        if let v = m["directory"] {
            output.directory = try r.string(v, "output.directory")
            if output.directory.isEmpty { throw r.error("output.directory", "is empty") }
        }
        if let v = m["directories"] { output.directories = try r.directories(v, "output.directories") }
        if let v = m["return_to_first"] { output.returnToFirst = try r.bool(v, "output.return_to_first") }
        if let v = m["filename"] { output.filename = try r.string(v, "output.filename") }
        if let v = m["append"] { output.append = try r.bool(v, "output.append") }
        if let v = m["io_version"] {
            output.ioVersion = try r.string(v, "output.io_version")
            let parts = output.ioVersion.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 9 && $0.allSatisfy { ("0"..."9").contains($0) } }) else {
                throw r.error("output.io_version", "\"\(output.ioVersion)\" is not major.minor (e.g. \"0.0\")")
            }
        }
        if let v = m["min_free_bytes"] { output.minFreeBytes = try r.bytes(v, "output.min_free_bytes", in: 0...Int.max) }
        if let v = m["ordered_flush"] { output.orderedFlush = try r.bool(v, "output.ordered_flush") }
        if let v = m["exposure_wait"] { output.exposureWait = try r.seconds(v, "output.exposure_wait", zeroAllowed: true, atMost: 1) }
        if let v = m["page_size"] {
            output.pageSize = try r.bytes(v, "output.page_size", in: 0...(1 << 30))
            if output.pageSize != 0 && output.pageSize < 512 { throw r.error("output.page_size", "\(output.pageSize) is below HDF5's minimum of 512 (0 = off)") }
        }
        try r.closedFileKeys(m, into: &output)
        if let v = m["embed_configs"] {
            let d = try r.string(v, "output.embed_configs")
            output.embedConfigs = d.isEmpty ? "" : r.resolve(d)
            var isDir: ObjCBool = false
            if !d.isEmpty && !(FileManager.default.fileExists(atPath: output.embedConfigs, isDirectory: &isDir) && isDir.boolValue) {
                throw r.error("output.embed_configs", "\(output.embedConfigs) is not a directory")
            }
        }
    }

    private mutating func readBatch(_ n: Node, _ r: ConfigReader) throws(ConfigError) {
        let m = try r.mapping(n, "batch", known: ["max_messages", "max_bytes", "max_age"])
        if let v = m["max_messages"] { batch.maxMessages = try r.int(v, "batch.max_messages", in: 1...10_000_000) }
        if let v = m["max_bytes"] { batch.maxBytes = try r.bytes(v, "batch.max_bytes", in: 1...(1 << 40)) }
        if let v = m["max_age"] { batch.maxAge = try r.seconds(v, "batch.max_age", zeroAllowed: false, atMost: 3600) }
    }

    private mutating func readRotate(_ n: Node, _ r: ConfigReader) throws(ConfigError) {
        let m = try r.mapping(n, "rotate", known: ["max_bytes", "max_messages", "max_seconds"])
        if let v = m["max_bytes"] { rotate.maxBytes = try r.bytes(v, "rotate.max_bytes", in: 0...Int.max) }
        if let v = m["max_messages"] { rotate.maxMessages = try r.int(v, "rotate.max_messages", in: 0...Int.max) }
        if let v = m["max_seconds"] { rotate.maxSeconds = try r.seconds(v, "rotate.max_seconds", zeroAllowed: true, atMost: 1e9) }
    }

    private mutating func readPackets(_ n: Node, _ r: ConfigReader) throws(ConfigError) {
        let m = try r.mapping(n, "packets", known: ["enabled", "directory", "converter"])
        if let v = m["enabled"] { packets.enabled = try r.bool(v, "packets.enabled") }
        if let v = m["directory"] {
            let d = try r.string(v, "packets.directory")
            packets.directory = d.isEmpty ? "" : r.resolve(d)
        }
        if let v = m["converter"] { packets.converter = try r.command(v, "packets.converter").first ?? "" }
    }

    private mutating func readMetrics(_ n: Node, _ r: ConfigReader) throws(ConfigError) {
        let m = try r.mapping(n, "metrics", known: ["listen"])
        guard let v = m["listen"] else { return }
        metricsListen = try r.string(v, "metrics.listen")
        if !metricsListen.isEmpty, let problem = ConfigValues.listenProblem(metricsListen) {
            throw r.error("metrics.listen", problem)
        }
    }

    /// The listed sources, then those of io_config, then the check that no endpoint or io_group
    /// is given twice.
    private mutating func readSources(_ list: Node?, ioConfig: Node?, _ r: ConfigReader, file: String,
                                      baseDirectory: String) throws(ConfigError) {
        if let n = list {
            guard case .sequence(let seq) = n else { throw r.error("sources", "expected a list of sources") }
            for (i, s) in seq.enumerated() { sources.append(try r.source(s, "sources[\(i)]", receive: receive)) }
        }
        // Where each source was given, so that a clash names the place the operator must edit.
        var places = sources.indices.map { "sources[\($0)]" }
        let listedCount = places.count
        if let v = ioConfig {
            let p = try r.string(v, "io_config")
            if p.isEmpty { throw r.error("io_config", "is empty (omit it, or give the path of a larpix-control io config JSON)") }
            let resolved = r.resolve(p)
            self.ioConfig = resolved
            let fromIOConfig = try IOConfig.sources(fromFile: resolved, key: "io_config", configFile: file)
            sources += fromIOConfig
            places += fromIOConfig.indices.map { "\(resolved) io_group[\($0)]" }
        }
        if sources.isEmpty { throw r.error("sources", "no sources (give sources or io_config)") }
        try Self.checkUnique(sources, places: places, listedCount: listedCount, r)
    }

    private static func checkUnique(_ sources: [Source], places: [String], listedCount: Int, _ r: ConfigReader) throws(ConfigError) {
        var endpointPlace = [String: String](), groupPlace = [UInt8: String]()
        for (i, (s, place)) in zip(sources, places).enumerated() {
            // The key to blame: the list entry itself, or io_config for a pair from the JSON.
            let fromJSON = i >= listedCount
            if let first = endpointPlace[s.endpoint] {
                throw fromJSON ? r.error("io_config", "\(place): \(s.endpoint) is also the endpoint of \(first)")
                               : r.error("\(place).endpoint", "\(s.endpoint) is also the endpoint of \(first)")
            }
            endpointPlace[s.endpoint] = place
            if case .ioGroup(let g) = s.tagging {
                if let first = groupPlace[g] {
                    throw fromJSON ? r.error("io_config", "\(place): io_group \(g) is also that of \(first)")
                                   : r.error("\(place).io_group", "io_group \(g) is also that of \(first)")
                }
                groupPlace[g] = place
            }
        }
    }
}
