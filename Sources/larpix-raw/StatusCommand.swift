import ArgumentParser
import Foundation
import LArPixIngest

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Summarize a running larpix-rawd from its metrics endpoint (one screen, or --json).",
        discussion: """
        Reads http://ENDPOINT/metrics (the daemon's metrics.listen) and prints the current file, \
        write rates, per-io_group counts and the age of each io_group's last message, the data \
        quality per io_group (words by type, last heartbeat and sync, time jumps, timestamp resets), messages \
        dropped by reason, buffer use, source connection states, disk space and the data tap. \
        Exits 23 when nothing answers at ENDPOINT, 24 when what answers is not larpix-rawd.
        """
    )

    @Option(help: "The daemon's metrics.listen address, HOST:PORT.") var endpoint = "127.0.0.1:9127"
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Option(help: "Seconds to wait for the daemon.") var timeout = 3.0

    func run() throws {
        try reportingErrors {
            let samples: [MetricSample]
            do { samples = try MetricsScrape.fetch(endpoint, timeout: timeout) } catch let error as MetricsScrape.Failure {
                switch error {
                case .unreachable(let why):
                    throw CLIError(subject: endpoint, reason: "larpix-rawd not reachable: \(why)", exitCode: ExitCodes.daemonUnreachable)
                case .badAnswer(let why):
                    throw CLIError(subject: endpoint, reason: "not larpix-rawd metrics: \(why)", exitCode: ExitCodes.notDaemon)
                }
            }
            guard let status = DaemonStatus(samples) else {
                throw CLIError(subject: endpoint, reason: "not larpix-rawd metrics: no larpix_rawd_info", exitCode: ExitCodes.notDaemon)
            }
            print(json ? status.json(endpoint: endpoint).rendered() : status.text(endpoint: endpoint), terminator: json ? "\n" : "")
        }
    }
}

/// What `status` reports, read from the daemon's metrics.
struct DaemonStatus {
    struct IOGroup {
        var ioGroup: Int
        var received = 0, receivedBytes = 0, written = 0, writtenBytes = 0
        var secondsSinceLast: Double?
    }
    struct Source {
        var name: String, endpoint: String, state: String
        var disconnects = 0, handshakeFailures = 0
    }

    var version: String
    var uptime: Double?
    var filePath: String?
    var fileMessages = 0, fileBytes = 0
    /// The run of the file being written (0: untagged), its subrun, and whether paused.
    var run = 0, subrun = 0, paused = false
    var messagesPerSecond = 0.0, bytesPerSecond = 0.0
    var ioGroups: [IOGroup] = []
    var drops: [(String, Int)] = []
    var bufferBytes = 0, bufferMaxBytes = 0
    var blockedSeconds = 0.0
    var sources: [Source] = []
    var batches = 0, flushes = 0, rotations = 0, writeErrors = 0
    var flushSeconds = 0.0, flushCount = 0
    var diskFree: Int?
    var tapSent: Int?, tapDropped: Int?
    var sidecars: Int?, sidecarFailures = 0, onCloseFailures = 0, closedPending = 0
    var quality: QualityStatus
    /// The output place written now (output.directories) and the moves between places.
    struct Place {
        var index: Int, path: String, reason: String
        var moves: [(String, Int)]
        var text: String {
            let moved = moves.filter { $0.1 > 0 }.map { "\($0.0) \($0.1)" }
            return "\(index): \(path) (\(reason == "start" ? "since start" : "moved here: \(reason)")); moves: \(moved.isEmpty ? "none" : moved.joined(separator: ", "))"
        }
    }
    var place: Place?

    init?(_ samples: [MetricSample]) {
        let p = MetricNames.prefix
        var byName: [String: [MetricSample]] = [:]
        for s in samples where s.name.hasPrefix(p) { byName[String(s.name.dropFirst(p.count)), default: []].append(s) }
        func one(_ n: String) -> Double? { byName[n]?.first?.value }
        func int(_ n: String) -> Int { Int(one(n) ?? 0) }
        guard let info = byName[MetricNames.info]?.first else { return nil }
        version = info.labels["version"] ?? "?"
        uptime = one(MetricNames.startTime).map { Date().timeIntervalSince1970 - $0 }
        filePath = byName[MetricNames.fileInfo]?.first?.labels["path"]
        fileMessages = int(MetricNames.fileMessages)
        fileBytes = int(MetricNames.fileBytes)
        run = int(MetricNames.runNumber)
        subrun = int(MetricNames.subrunNumber)
        paused = int(MetricNames.runPaused) == 1
        messagesPerSecond = one(MetricNames.writeMessagesPerSecond) ?? 0
        bytesPerSecond = one(MetricNames.writeBytesPerSecond) ?? 0
        var groups: [Int: IOGroup] = [:]
        func perGroup(_ n: String, _ set: (inout IOGroup, Double) -> Void) {
            for s in byName[n] ?? [] {
                guard let g = s.labels["io_group"].flatMap(Int.init) else { continue }
                set(&groups[g, default: IOGroup(ioGroup: g)], s.value)
            }
        }
        perGroup(MetricNames.messagesReceived) { $0.received = Int($1) }
        perGroup(MetricNames.bytesReceived) { $0.receivedBytes = Int($1) }
        perGroup(MetricNames.messagesWritten) { $0.written = Int($1) }
        perGroup(MetricNames.bytesWritten) { $0.writtenBytes = Int($1) }
        perGroup(MetricNames.secondsSinceLastMessage) { $0.secondsSinceLast = $1 }
        ioGroups = groups.values.sorted { $0.ioGroup < $1.ioGroup }
        quality = QualityStatus(byName)
        drops = (byName[MetricNames.messagesDropped] ?? []).compactMap { s in s.labels["reason"].map { ($0, Int(s.value)) } }
            .sorted { $0.0 < $1.0 }
        bufferBytes = int(MetricNames.bufferBytes)
        bufferMaxBytes = int(MetricNames.bufferMaxBytes)
        blockedSeconds = one(MetricNames.bufferBlockedSeconds) ?? 0
        var extra: [String: (Int, Int)] = [:]
        for s in byName[MetricNames.sourceDisconnects] ?? [] { extra[s.labels["endpoint"] ?? "", default: (0, 0)].0 = Int(s.value) }
        for s in byName[MetricNames.sourceHandshakeFailures] ?? [] { extra[s.labels["endpoint"] ?? "", default: (0, 0)].1 = Int(s.value) }
        sources = (byName[MetricNames.sourceState] ?? []).map { s in
            let e = s.labels["endpoint"] ?? ""
            return Source(name: s.labels["source"] ?? "", endpoint: e, state: s.labels["state"] ?? "?",
                          disconnects: extra[e]?.0 ?? 0, handshakeFailures: extra[e]?.1 ?? 0)
        }.sorted { $0.name < $1.name }
        batches = int(MetricNames.batchesWritten)
        flushes = int(MetricNames.flushes)
        rotations = int(MetricNames.rotations)
        writeErrors = int(MetricNames.writeErrors)
        flushSeconds = one(MetricNames.flushDuration + "_sum") ?? 0
        flushCount = int(MetricNames.flushDuration + "_count")
        diskFree = one(MetricNames.diskFree).map { Int($0) }
        place = Self.place(byName)
        if byName[MetricNames.tapMessages] != nil { tapSent = int(MetricNames.tapMessages); tapDropped = int(MetricNames.tapDropped) }
        if byName[MetricNames.sidecarsWritten] != nil {
            sidecars = int(MetricNames.sidecarsWritten)
            sidecarFailures = int(MetricNames.sidecarFailures)
            onCloseFailures = int(MetricNames.onCloseFailures)
            closedPending = int(MetricNames.closedFilesPending)
        }
    }

    var droppedTotal: Int { drops.reduce(0) { $0 + $1.1 } }

    func text(endpoint: String) -> String {
        var lines: [(String, String)] = []
        lines.append(("daemon", "larpix-rawd \(version) at \(endpoint)" + (uptime.map { ", up \(Self.duration($0))" } ?? "")))
        lines.append(("file", filePath.map { "\($0): \(fileMessages) messages, \(shortBytes(fileBytes))" } ?? "(none open)"))
        lines.append(("run", paused ? "paused after stop-run" : run > 0 ? "\(run), subrun \(subrun)" : "(none: untagged files)"))
        lines.append(("rate", String(format: "%.0f msg/s, %.2f MB/s", messagesPerSecond, bytesPerSecond / 1e6)))
        let pct = bufferMaxBytes > 0 ? 100 * Double(bufferBytes) / Double(bufferMaxBytes) : 0
        lines.append(("buffer", "\(shortBytes(bufferBytes)) of \(shortBytes(bufferMaxBytes)) (\(String(format: "%.1f", pct))%), blocked \(String(format: "%.1f", blockedSeconds)) s in all"))
        lines.append(("dropped", droppedTotal == 0 ? "none" : drops.filter { $0.1 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")))
        lines.append(("disk free", diskFree.map(shortBytes) ?? "?"))
        if let place { lines.append(("output place", place.text)) }
        let mean = flushCount > 0 ? String(format: ", mean %.1f ms", 1000 * flushSeconds / Double(flushCount)) : ""
        lines.append(("writer", "\(batches) batches, \(flushes) flushes\(mean), \(rotations) rotations, \(writeErrors) write errors"))
        if let sidecars {
            lines.append(("closed files", "\(sidecars) sidecars (\(sidecarFailures) failed), \(onCloseFailures) on_close failures, \(closedPending) pending"))
        }
        if let tapSent { lines.append(("tap", "\(tapSent) sent, \(tapDropped ?? 0) dropped")) }
        if sources.isEmpty { lines.append(("sources", "(none)")) }
        for s in sources {
            var v = "\(s.state)  \(s.name)  \(s.endpoint)"
            if s.disconnects > 0 { v += ", \(s.disconnects) disconnects" }
            if s.handshakeFailures > 0 { v += ", \(s.handshakeFailures) failed handshakes" }
            lines.append(("source", v))
        }
        let width = lines.map(\.0.count).max() ?? 0
        var out = ""
        for (k, v) in lines { out += k + ":" + String(repeating: " ", count: width - k.count + 1) + v + "\n" }
        out += "\n" + Self.row(["io_group", "received", "written", "written bytes", "last message"]) + "\n"
        for g in ioGroups {
            out += Self.row([String(g.ioGroup), String(g.received), String(g.written), shortBytes(g.writtenBytes),
                             g.secondsSinceLast.map { Self.duration($0) + " ago" } ?? "never"]) + "\n"
        }
        return out + quality.text
    }

    func json(endpoint: String) -> JSONValue {
        func optInt(_ v: Int?) -> JSONValue { v.map { .int($0) } ?? .null }
        var fields: [(String, JSONValue)] = [
            ("endpoint", .string(endpoint)),
            ("version", .string(version)),
            ("uptime_seconds", uptime.map { .double($0) } ?? .null),
            ("file", .object([("path", filePath.map { .string($0) } ?? .null), ("messages", .int(fileMessages)), ("bytes", .int(fileBytes))])),
            ("run", .object([("run", run > 0 ? .int(run) : .null), ("subrun", run > 0 ? .int(subrun) : .null), ("paused", .bool(paused))])),
            ("rate", .object([("messages_per_second", .double(messagesPerSecond)), ("bytes_per_second", .double(bytesPerSecond))])),
            ("io_groups", .array(ioGroups.map { g in
                .object([("io_group", .int(g.ioGroup)), ("messages_received", .int(g.received)), ("bytes_received", .int(g.receivedBytes)),
                         ("messages_written", .int(g.written)), ("bytes_written", .int(g.writtenBytes)),
                         (MetricNames.secondsSinceLastMessage, g.secondsSinceLast.map { .double($0) } ?? .null)])
            })),
            ("quality", quality.json),
            ("dropped", .object(drops.map { ($0.0, .int($0.1)) })),
            ("buffer", .object([("bytes", .int(bufferBytes)), ("max_bytes", .int(bufferMaxBytes)), ("blocked_seconds", .double(blockedSeconds))])),
            ("sources", .array(sources.map { s in
                .object([("name", .string(s.name)), ("endpoint", .string(s.endpoint)), ("state", .string(s.state)),
                         ("disconnects", .int(s.disconnects)), ("handshake_failures", .int(s.handshakeFailures))])
            })),
            ("writer", .object([("batches", .int(batches)), ("flushes", .int(flushes)), ("flush_seconds", .double(flushSeconds)),
                                ("rotations", .int(rotations)), ("write_errors", .int(writeErrors))])),
            (MetricNames.diskFree, optInt(diskFree)),
        ]
        if let p = place {
            fields.append(("output_place", .object([("index", .int(p.index)), ("path", .string(p.path)), ("reason", .string(p.reason)),
                                                    ("moves", .object(p.moves.map { ($0.0, .int($0.1)) }))])))
        }
        if let sidecars {
            fields.append(("closed_files", .object([("sidecars_written", .int(sidecars)), ("sidecar_failures", .int(sidecarFailures)),
                                                    ("on_close_failures", .int(onCloseFailures)), ("pending", .int(closedPending))])))
        }
        if let tapSent { fields.append(("tap", .object([("sent", .int(tapSent)), ("dropped", .int(tapDropped ?? 0))]))) }
        return .object(fields)
    }

    private static func place(_ byName: [String: [MetricSample]]) -> Place? {
        guard let s = byName[MetricNames.outputPlaceInfo]?.first else { return nil }
        let moves = (byName[MetricNames.outputPlaceMoves] ?? []).compactMap { m in m.labels["reason"].map { ($0, Int(m.value)) } }
        return Place(index: Int(s.labels["index"] ?? "") ?? 0, path: s.labels["path"] ?? "?", reason: s.labels["reason"] ?? "?",
                     moves: moves.sorted { $0.0 < $1.0 })
    }

    private static func row(_ cells: [String]) -> String {
        let widths = [8, 12, 12, 14, 0]
        return zip(cells, widths).enumerated().map { i, p in
            i == 0 ? String(repeating: " ", count: max(0, p.1 - p.0.count)) + p.0 : "  " + p.0 + String(repeating: " ", count: max(0, p.1 - p.0.count))
        }.joined().replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }

    static func duration(_ s: Double) -> String {
        if s < 60 { return String(format: "%.1f s", s) }
        let t = Int(s)
        if t < 3600 { return "\(t / 60) min \(t % 60) s" }
        if t < 86400 { return "\(t / 3600) h \(t / 60 % 60) min" }
        return "\(t / 86400) d \(t / 3600 % 24) h"
    }
}
