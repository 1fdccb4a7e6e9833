import Foundation

/// One control command, as `larpix-raw` sends it: a JSON object on one line,
/// `{"command": "start-run", "run": 42, "subrun": 1, "data_stream": "physics"}`, with `"token"`
/// when control.token_file is set. Commands: start-run, stop-run, rotate, status.
public struct ControlRequest: Sendable, Equatable {
    public enum Command: String, Sendable, Equatable, CaseIterable {
        case startRun = "start-run"
        case stopRun = "stop-run"
        case rotate
        case status
    }

    public var command: Command
    /// start-run only.
    public var run: Int?
    public var subrun: Int?
    public var dataStream: String?
    public var token: String?

    public init(command: Command, run: Int? = nil, subrun: Int? = nil, dataStream: String? = nil, token: String? = nil) {
        self.command = command
        self.run = run
        self.subrun = subrun
        self.dataStream = dataStream
        self.token = token
    }

    /// The wire form (the field names of the protocol).
    private struct Wire: Codable {
        var command: String?
        var run: Int?
        var subrun: Int?
        var data_stream: String?
        var token: String?
    }

    /// Longest request line accepted (a request is a few dozen bytes).
    public static let maxLineBytes = 4096

    /// Parses one request line; a refusal says what is wrong with it.
    public static func parse(_ line: some Collection<UInt8>) -> Result<ControlRequest, ControlRefusal> {
        guard line.count <= maxLineBytes else { return .failure(.badRequest("longer than \(maxLineBytes) bytes")) }
        let w: Wire
        do { w = try JSONDecoder().decode(Wire.self, from: Data(line)) } catch {
            return .failure(.badRequest("not a JSON object with integer run/subrun and string command/data_stream"))
        }
        guard let name = w.command else { return .failure(.badRequest("no \"command\"")) }
        guard let command = Command(rawValue: name) else {
            return .failure(.badRequest("unknown command \"\(name.prefix(40))\" (start-run, stop-run, rotate, status)"))
        }
        if command == .startRun && w.run == nil { return .failure(.badRequest("start-run needs \"run\"")) }
        if command != .startRun && (w.run != nil || w.subrun != nil || w.data_stream != nil) {
            return .failure(.badRequest("\(name) takes no run, subrun or data_stream"))
        }
        return .success(ControlRequest(command: command, run: w.run, subrun: w.subrun, dataStream: w.data_stream, token: w.token))
    }

    /// The request as one line, newline included.
    public func line() -> [UInt8] {
        let w = Wire(command: command.rawValue, run: run, subrun: subrun, data_stream: dataStream, token: token)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? e.encode(w)) ?? Data()) + [0x0a]
    }
}
