import Foundation

/// control.token_file: a shared secret on the file's first line, which every request must carry.
public enum ControlToken {
    public static func read(_ path: String) throws -> String {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let token = text.split(separator: "\n", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !token.isEmpty else { throw RunValueProblem(description: "\(path) holds no token") }
        return token
    }

    /// Why the daemon refuses `path` as its token file, or nil: a token that others (not its
    /// owner or group) can read or write is no secret (the group is the operators', who run
    /// `larpix-raw run`). nil too when it cannot be stat'ed: reading it then says why.
    public static func modeProblem(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let mode = Int(st.st_mode) & 0o777
        guard mode & 0o006 != 0 else { return nil }
        return "\(path) has mode \(String(mode, radix: 8)); others may read or write it: it must be 0640 or stricter (chmod 640 \(path))"
    }

    /// Compares without stopping at the first difference.
    static func matches(_ a: String?, _ b: String) -> Bool {
        guard let a else { return false }
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = x.count ^ y.count
        for i in 0..<min(x.count, y.count) { diff |= Int(x[i] ^ y[i]) }
        return diff == 0
    }
}
