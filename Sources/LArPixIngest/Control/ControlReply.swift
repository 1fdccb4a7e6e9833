import Foundation

/// The answer to one control command, one JSON line: `ok`, and either what was done (the file
/// closed and the file opened, the run state after it) or `error` (a `ControlRefusal` code) and
/// `message`.
public struct ControlReply: Sendable, Equatable, Codable {
    public var ok: Bool
    public var command: String
    public var error: String?
    public var message: String?
    /// The file the command closed, and the one it opened (absent when none).
    public var closed: String?
    public var opened: String?
    /// After the command: "untagged", "running" or "paused"; the run, subrun and data_stream of
    /// the file being written (when it is tagged); that file and its rows.
    public var state: String?
    public var run: Int?
    public var subrun: Int?
    public var dataStream: String?
    public var file: String?
    public var fileMessages: Int?

    enum CodingKeys: String, CodingKey {
        case ok, command, error, message, closed, opened, state, run, subrun, file
        case dataStream = "data_stream"
        case fileMessages = "file_messages"
    }

    public init(ok: Bool, command: String) {
        self.ok = ok
        self.command = command
    }

    public static func refused(_ command: String, _ r: ControlRefusal) -> ControlReply {
        var reply = ControlReply(ok: false, command: command)
        reply.error = r.code
        reply.message = r.description
        return reply
    }

    /// The reply as one line, newline included.
    public func line() -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? e.encode(self)) ?? Data(#"{"ok":false,"error":"unavailable"}"#.utf8)) + [0x0a]
    }

    public static func parse(_ line: some Collection<UInt8>) -> ControlReply? {
        try? JSONDecoder().decode(ControlReply.self, from: Data(line))
    }
}
