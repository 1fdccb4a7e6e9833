import PACMAN
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LArPixIngest
import LArPixRaw
import PacmanEmulator
import TestSupport
import XCTest
import ZMQ

/// The daemon's monitoring end to end: /metrics scraped while emulators feed it, `larpix-raw
/// status`, sidecars checked against the closed files with Python's zlib/hashlib and
/// larpix-control, on_close, the latest link across SIGHUP, and the data tap.
final class DaemonMonitoringTests: DaemonProcessCase {
    struct HTTPAnswer {
        var status: Int
        var body: String
    }

    /// One HTTP GET through URLSession.
    func httpGet(_ url: String) throws -> HTTPAnswer {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<HTTPAnswer>()
        let task = URLSession.shared.dataTask(with: URL(string: url)!) { data, response, error in
            if let error { box.set(.failure(error)) } else {
                box.set(.success(HTTPAnswer(status: (response as? HTTPURLResponse)?.statusCode ?? 0,
                                            body: String(decoding: data ?? Data(), as: UTF8.self))))
            }
            done.signal()
        }
        task.resume()
        done.wait()
        return try box.get()
    }

    /// The value of one sample `name{labels}` in exposition text (labels as printed, e.g. `io_group="3"`).
    func sample(_ text: String, _ name: String, _ labels: String = "") -> Double? {
        let key = labels.isEmpty ? name + " " : name + "{" + labels
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            if !labels.isEmpty, !line.hasPrefix(key + "}") && !line.hasPrefix(key + ",") { continue }
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    var rawTool: String { TestSupport.product("larpix-raw") }

    func testMetricsCountWhatWasPublishedAndStatusSummarizesIt() throws {
        let a = try emulator(ioGroup: 11, count: 3000), b = try emulator(ioGroup: 12, count: 2000, words: 5...60)
        let port = try Self.freePort()
        let config = try writeConfig(sources: [(a.publisher.endpoint, 11), (b.publisher.endpoint, 12)],
                                     extra: "metrics: {listen: \"127.0.0.1:\(port)\"}\n")
        let daemon = try startDaemon(config: config)
        let sent = Self.runPublishers([a, b])
        XCTAssertEqual(sent.map(\.messages), [3000, 2000])
        waitUntilVisible(5000)

        let m = try httpGet("http://127.0.0.1:\(port)/metrics")
        XCTAssertEqual(m.status, 200)
        for (e, n) in [(a, 3000), (b, 2000)] {
            let g = "io_group=\"\(e.ioGroup)\""
            let bytes = Double(expected(e).reduce(0) { $0 + $1.count })
            XCTAssertEqual(sample(m.body, "larpix_rawd_messages_received_total", g), Double(n), g)
            XCTAssertEqual(sample(m.body, "larpix_rawd_messages_written_total", g), Double(n), g)
            XCTAssertEqual(sample(m.body, "larpix_rawd_bytes_received_total", g), bytes, g)
            XCTAssertEqual(sample(m.body, "larpix_rawd_bytes_written_total", g), bytes, g)
            XCTAssertNotNil(sample(m.body, "larpix_rawd_seconds_since_last_message", g))
        }
        for reason in ["empty", "oversized", "multipart", "bad_tag", "malformed", "write_failed"] {
            XCTAssertEqual(sample(m.body, "larpix_rawd_messages_dropped_total", "reason=\"\(reason)\""), 0, reason)
        }
        let current = dataFiles.last!
        XCTAssertTrue(m.body.contains("larpix_rawd_file_info{path=\"\(current)\",name=\"run_0000.h5\"} 1"), m.body)
        XCTAssertEqual(sample(m.body, "larpix_rawd_file_messages"), 5000)
        XCTAssertGreaterThan(sample(m.body, "larpix_rawd_file_bytes") ?? 0, 0)
        XCTAssertGreaterThan(sample(m.body, "larpix_rawd_flushes_total") ?? 0, 0)
        XCTAssertGreaterThan(sample(m.body, "larpix_rawd_flush_duration_seconds_count") ?? 0, 0)
        XCTAssertGreaterThan(sample(m.body, "larpix_rawd_disk_free_bytes") ?? 0, 0)
        XCTAssertEqual(sample(m.body, "larpix_rawd_buffer_bytes"), 0)
        XCTAssertEqual(sample(m.body, "larpix_rawd_write_errors_total"), 0)
        XCTAssertEqual(sample(m.body, "larpix_rawd_file_rotations_total"), 0)
        // One output place, written since the start; no moves.
        let place = (current as NSString).deletingLastPathComponent
        XCTAssertTrue(m.body.contains("larpix_rawd_output_place_info{index=\"1\",path=\"\(place)\",reason=\"start\"} 1"), m.body)
        XCTAssertEqual(sample(m.body, "larpix_rawd_output_place_moves_total", "reason=\"low_space\""), 0)
        // Both sources completed a ZMTP handshake (they may have gone away since).
        for e in [a, b] {
            let state = m.body.split(separator: "\n").first { $0.hasPrefix("larpix_rawd_source_state{") && $0.contains(e.publisher.endpoint) }
            XCTAssertNotNil(state, m.body)
            XCTAssertFalse(state?.contains("state=\"connecting\"") ?? true, "\(state ?? "")")
        }
        XCTAssertEqual(try httpGet("http://127.0.0.1:\(port)/other").status, 404)

        let text = try TestSupport.run(rawTool, ["status", "--endpoint", "127.0.0.1:\(port)"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("\(current): 5000 messages"), text.stdout)
        XCTAssertTrue(text.stdout.contains("dropped:") && text.stdout.contains("none"), text.stdout)
        XCTAssertTrue(text.stdout.contains("output place: 1: \(place) (since start); moves: none"), text.stdout)
        let rows = text.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertTrue(rows.contains { $0.starts(with: ["11", "3000", "3000"]) }, text.stdout)
        XCTAssertTrue(rows.contains { $0.starts(with: ["12", "2000", "2000"]) }, text.stdout)
        XCTAssertLessThanOrEqual(text.stdout.split(separator: "\n").count, 24, "one screen")

        let json = try TestSupport.run(rawTool, ["status", "--endpoint", "127.0.0.1:\(port)", "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((obj["file"] as? [String: Any])?["path"] as? String, current)
        let groups = try XCTUnwrap(obj["io_groups"] as? [[String: Any]])
        XCTAssertEqual(groups.map { $0["io_group"] as? Int }, [11, 12])
        XCTAssertEqual(groups.map { $0["messages_written"] as? Int }, [3000, 2000])
        XCTAssertEqual((obj["dropped"] as? [String: Int])?.values.reduce(0, +), 0)
        XCTAssertEqual((obj["sources"] as? [Any])?.count, 2)

        // A second daemon cannot take the same metrics port: exit 69, one line naming the address.
        let second = try TestSupport.run(daemonPath, ["--config", config])
        XCTAssertEqual(second.status, 69, second.stderr)
        XCTAssertEqual(second.stderr.split(separator: "\n").filter { $0.hasPrefix("larpix-rawd: metrics.listen 127.0.0.1:\(port): cannot listen") }.count,
                       1, second.stderr)

        stop(daemon)
        let gone = try TestSupport.run(rawTool, ["status", "--endpoint", "127.0.0.1:\(port)"])
        XCTAssertEqual(gone.status, 23)
        XCTAssertEqual(gone.stderr.split(separator: "\n").count, 1)
        XCTAssertTrue(gone.stderr.hasPrefix("larpix-raw: 127.0.0.1:\(port): larpix-rawd not reachable"), gone.stderr)
    }

    func testSidecarsOnCloseAndLatestLinkAcrossSIGHUP() throws {
        let oracle = try Oracle.debian()
        let log = dir.appendingPathComponent("on_close.log").path
        let script = dir.appendingPathComponent("on_close.sh").path
        try "#!/bin/sh\necho \"$1 $2\" >> \(log)\ncase \"$2\" in *run_0001.h5) exit 3;; esac\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let a = try emulator(ioGroup: 21, count: 3000), b = try emulator(ioGroup: 22, count: 1000, words: 1...200)
        let config = try writeConfig(sources: [(a.publisher.endpoint, 21), (b.publisher.endpoint, 22)])
        // on_close goes into the output section writeConfig wrote.
        let yaml = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(of: "  filename: \"run_{seq}.h5\"\n", with: "  filename: \"run_{seq}.h5\"\n  on_close: [\"\(script)\", tag]\n")
        XCTAssertTrue(yaml.contains("on_close"))
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)

        let daemon = try startDaemon(config: config)
        let link = dir.appendingPathComponent("data/latest").path
        // Made on a thread of its own, just after the file.
        TestSupport.wait("the latest link", seconds: 10) { (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == "run_0000.h5" }
        XCTAssertEqual(Self.runPublishers([a]).map(\.messages), [3000])
        waitUntilVisible(3000)
        kill(daemon.processIdentifier, SIGHUP)
        let deadline = Date().addingTimeInterval(10)
        while (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) != "run_0001.h5" && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), "run_0001.h5", "the link moves on SIGHUP")
        XCTAssertEqual(Self.runPublishers([b]).map(\.messages), [1000])
        waitUntilVisible(4000)
        stop(daemon)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), "run_0001.h5", "stays on the last file")

        let files = dataFiles
        XCTAssertEqual(files.map { ($0 as NSString).lastPathComponent }, ["run_0000.h5", "run_0001.h5"])
        // What a watcher's glob sees: the data files, each once (no link, temporary or sidecar).
        let everything = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("data").path)
        let globbed = everything.filter { !$0.hasPrefix(".") && ($0.hasSuffix(".h5") || $0.hasSuffix(".hdf5")) }.sorted()
        XCTAssertEqual(globbed, ["run_0000.h5", "run_0001.h5"], "ls data/*.h5: \(everything)")
        for (f, e) in zip(files, [a, b]) {
            let sidecar = try CatalogSidecar(f + ".json"), j = sidecar.ours
            let want = expected(e)
            // Message counts through larpix-control's from_rawfile.
            let theirs = try oracle.read(f)
            XCTAssertEqual(j["messages"] as? Int, theirs.messages.count)
            XCTAssertEqual(j["file_messages"] as? Int, theirs.messages.count)
            XCTAssertEqual(j["io_groups"] as? [String: Int], [String(e.ioGroup): want.count])
            XCTAssertTrue(theirs.ioGroups.allSatisfy { $0 == e.ioGroup })
            XCTAssertEqual(j["message_bytes"] as? Int, theirs.messages.reduce(0) { $0 + $1.count })
            // The emulator stamps every message with the same msg_time.
            XCTAssertEqual((j["first_msg_time"] as? [String: Any])?["raw"] as? Int, Int(e.options.messageTime!))
            XCTAssertEqual((j["last_msg_time"] as? [String: Any])?["raw"] as? Int, Int(e.options.messageTime!))
            // Checksums through Python's zlib and hashlib, on the closed file.
            let sums = try oracle.python("import sys, zlib, hashlib\nd = open(sys.argv[1], 'rb').read()\nprint('%08x %s %d' % (zlib.adler32(d), hashlib.sha256(d).hexdigest(), len(d)))", [f])
            XCTAssertEqual(sums.status, 0, sums.stderr)
            XCTAssertEqual(sums.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                           "\((sidecar.top["checksums"] as? [String: String])?["adler32"] ?? "") \(j["sha256"] as? String ?? "") \(sidecar.top["size"] as? Int ?? -1)")
            XCTAssertEqual(sidecar.top["name"] as? String, (f as NSString).lastPathComponent)
            XCTAssertEqual(sidecar.core["core.data_tier"] as? String, "raw")
            XCTAssertEqual(j["daemon_version"] as? String, DaemonVersion.string)
            let iso = ISO8601DateFormatter()
            iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let created = try XCTUnwrap((j["created"] as? String).flatMap(iso.date(from:)))
            let closed = try XCTUnwrap((j["closed"] as? String).flatMap(iso.date(from:)))
            XCTAssertTrue((j["created"] as? String)?.hasSuffix("Z") == true)
            XCTAssertLessThanOrEqual(created, closed)
            XCTAssertLessThan(abs(closed.timeIntervalSinceNow), 120)
        }
        XCTAssertEqual(try CatalogSidecar(files[0] + ".json").ours["close_reason"] as? String, "rotation: requested (SIGHUP)")
        // on_close ran once per file, in order, with its own arguments and then the path.
        let ran = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(ran, files.map { "tag \($0)" })
        XCTAssertTrue(daemonLog.contains("run_0001.h5 failed with exit status 3"), daemonLog)
        XCTAssertFalse(daemonLog.contains("run_0000.h5 failed"), daemonLog)
    }

    /// Subscribes to the tap before data flows.
    func tapSubscriber(_ endpoint: String, receiveHighWaterMark: Int = 0, receiveBuffer: Int = 0) throws -> ZMQSocket {
        let sub = try ZMQSocket(type: .sub)
        try sub.setReceiveHighWaterMark(receiveHighWaterMark)
        if receiveBuffer > 0 { try sub.setReceiveBufferSize(receiveBuffer) }
        try sub.setLinger(0)
        try sub.subscribe()
        try sub.connect(endpoint)
        return sub
    }

    func testTapSubscriberReceivesExactlyWhatWasWritten() throws {
        let a = try emulator(ioGroup: 31, count: 3000), b = try emulator(ioGroup: 32, count: 2000, words: 1...100)
        let tap = "tcp://127.0.0.1:\(try Self.freePort())"
        let config = try writeConfig(sources: [(a.publisher.endpoint, 31), (b.publisher.endpoint, 32)],
                                     extra: "tap: {listen: \"\(tap)\", sndhwm: 0}\n")
        let daemon = try startDaemon(config: config)
        let sub = try tapSubscriber(tap)
        Thread.sleep(forTimeInterval: 0.5)  // the subscription reaches the daemon's PUB
        let received = ThreadedRun { () -> [(UInt8, [UInt8])] in
            var out: [(UInt8, [UInt8])] = []
            while out.count < 5000, let frames = try? sub.receiveMultipart(timeoutMilliseconds: 20_000) {
                guard frames.count == 2, frames[0].count == 1 else { out.append((255, [])); continue }
                out.append((frames[0].bytes[0], frames[1].bytes))
            }
            return out
        }
        _ = Self.runPublishers([a, b])
        waitUntilVisible(5000)
        let got = received.wait()
        sub.close()
        stop(daemon)
        let written = try stored()
        XCTAssertEqual(written.count, 5000)
        XCTAssertEqual(got.count, written.count)
        XCTAssertTrue(zip(got, written).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }, "the tap carries the written messages, in file order")
    }

    func testASlowTapSubscriberDoesNotReduceTheIngest() throws {
        let count = 30_000
        let a = try emulator(ioGroup: 41, count: count, words: 20...60)
        let tap = "tcp://127.0.0.1:\(try Self.freePort())"
        let port = try Self.freePort()
        let config = try writeConfig(sources: [(a.publisher.endpoint, 41)],
                                     extra: "tap: {listen: \"\(tap)\", sndhwm: 10}\nmetrics: {listen: \"127.0.0.1:\(port)\"}\n")
        let daemon = try startDaemon(config: config)
        // Connected, subscribed, and never reading: its queues fill and stay full.
        let sub = try tapSubscriber(tap, receiveHighWaterMark: 10, receiveBuffer: 4096)
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(Self.runPublishers([a]).map(\.messages), [count])
        waitUntilVisible(count)
        let m = try httpGet("http://127.0.0.1:\(port)/metrics").body
        sub.close()
        stop(daemon)
        let all = try stored()
        XCTAssertEqual(all.count, count, "every published message is in the file")
        assertSame(all.map(\.1), expected(a))
        let sent = sample(m, "larpix_rawd_tap_messages_total") ?? -1, dropped = sample(m, "larpix_rawd_tap_dropped_total") ?? -1
        XCTAssertEqual(sample(m, "larpix_rawd_messages_written_total", "io_group=\"41\""), Double(count))
        XCTAssertEqual(sent + dropped, Double(count), "each written message was either sent on the tap or counted as dropped")
        XCTAssertGreaterThan(dropped, 0, "the subscriber that never reads lost messages, not the file")
    }
}

final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, Error>?
    func set(_ r: Result<T, Error>) { lock.lock(); result = r; lock.unlock() }
    func get() throws -> T { lock.lock(); defer { lock.unlock() }; return try result!.get() }
}

extension DaemonMonitoringTests {
    func testATakenTapAddressStopsTheStart() throws {
        let holder = try ZMQSocket(type: .pub)
        try holder.bind("tcp://127.0.0.1:*")
        defer { holder.close() }
        let taken = holder.lastEndpoint!
        let config = try writeConfig(sources: [("tcp://127.0.0.1:\(try Self.freePort())", 1)], extra: "tap: {listen: \"\(taken)\"}\n")
        let r = try TestSupport.run(daemonPath, ["--config", config])
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("larpix-rawd: tap.listen \(taken): cannot listen") }.count, 1, r.stderr)
        XCTAssertEqual(dataFiles, [], "no file is made")
    }
}

extension DaemonMonitoringTests {
    /// A packets.directory that cannot be made (here: under a regular file) stops the start
    /// with EX_CANTCREAT and one line naming it, before any file is made.
    func testAnUncreatablePacketsDirectoryStopsTheStart() throws {
        let blocker = dir.appendingPathComponent("not-a-directory").path
        XCTAssertTrue(FileManager.default.createFile(atPath: blocker, contents: Data()))
        let packets = blocker + "/packets"
        let config = try writeConfig(sources: [("tcp://127.0.0.1:\(try Self.freePort())", 1)],
                                     extra: "packets: {enabled: true, directory: \"\(packets)\"}\n")
        let r = try TestSupport.run(daemonPath, ["--config", config])
        XCTAssertEqual(r.status, 73, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("larpix-rawd: packets.directory \(packets): cannot create") }.count, 1, r.stderr)
        XCTAssertEqual(dataFiles, [], "no file is made")
    }
}
