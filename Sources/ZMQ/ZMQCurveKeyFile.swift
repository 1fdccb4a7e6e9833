#if canImport(Glibc)
import Glibc
import Posix
#endif

/// Why a CURVE key file cannot be used; `description` names the file and never shows a key.
public struct ZMQCurveKeyFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    public var problem: String
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }
    public var description: String { "\(path): \(problem)" }
}

/// CURVE key files. A key file holds one Z85 key (40 characters, as zmq_curve_keypair and
/// `larpix-raw keygen` write it, surrounding blanks ignored), or is a ZPL certificate as czmq's
/// zcert and pyzmq's `zmq.auth.create_certificates` write it (`public-key = "..."`,
/// `secret-key = "..."`). A secret key file must not be readable or writable by group or
/// others (mode 0600 or stricter), as ssh demands of its private keys.
public enum ZMQCurveKeyFile {
    /// Key files are small; a larger file is not one.
    static let maxBytes = 64 << 10

    /// The public key in `path` (a public key file or certificate).
    public static func readPublicKey(_ path: String) throws(ZMQCurveKeyFileError) -> String {
        let text = try read(path, secret: false)
        return try key(in: text, field: "public-key", path: path, what: "public")
    }

    /// The secret key in `path`, refused unless the file's mode is 0600 or stricter.
    public static func readSecretKey(_ path: String) throws(ZMQCurveKeyFileError) -> String {
        let text = try read(path, secret: true)
        return try key(in: text, field: "secret-key", path: path, what: "secret")
    }

    /// Writes a key pair: the public key to `publicPath` (mode 0644) and the secret key to
    /// `secretPath` (mode 0600 whatever the umask). Never overwrites: an existing file is an error.
    public static func write(_ pair: ZMQCurve.KeyPair, publicPath: String, secretPath: String) throws(ZMQCurveKeyFileError) {
        for p in [publicPath, secretPath] where access(p, F_OK) == 0 {
            throw ZMQCurveKeyFileError(path: p, problem: "exists; not overwritten")
        }
        try create(secretPath, pair.secretKey + "\n", mode: 0o600)
        do { try create(publicPath, pair.publicKey + "\n", mode: 0o644) } catch {
            unlink(secretPath)
            throw error
        }
    }

    // MARK: Reading

    private static func read(_ path: String, secret: Bool) throws(ZMQCurveKeyFileError) -> String {
        func fail(_ problem: String) -> ZMQCurveKeyFileError { ZMQCurveKeyFileError(path: path, problem: problem) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw fail(errno == ENOENT ? "no such file" : "cannot be read: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // The opened file is the one checked: no window between a check and the read.
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw fail("cannot be read: \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw fail("is not a regular file") }
        let mode = st.st_mode & 0o7777
        if secret && mode & 0o077 != 0 {
            throw fail("secret key file has mode \(octal(mode)); it must be 0600 or stricter (chmod 600 \(path))")
        }
        guard Int(st.st_size) <= maxBytes else { throw fail("is \(st.st_size) bytes, too large for a key file") }
        var bytes = [UInt8](repeating: 0, count: maxBytes + 1)
        var total = 0
        while total < bytes.count {
            let n: Int
            do { n = try bytes.withUnsafeMutableBytes { (b) throws(Posix.Failure) in try Posix.read(fd, b.baseAddress! + total, b.count - total) } } catch {
                throw fail("cannot be read: \(error)")
            }
            if n == 0 { break }
            total += n
        }
        guard total <= maxBytes else { throw fail("is too large for a key file") }
        return String(decoding: bytes[..<total], as: UTF8.self)
    }

    /// The bare key, or from a certificate the value of `field` (`public-key` or `secret-key`).
    private static func key(in text: String, field: String, path: String, what: String) throws(ZMQCurveKeyFileError) -> String {
        let bare = text.trimmingBlanks
        if ZMQCurve.isKey(bare) { return bare }
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let parts = line.split(separator: "=", maxSplits: 1).map { String($0).trimmingBlanks }
            guard parts.count == 2, parts[0] == field else { continue }
            var value = parts[1]
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = String(value.dropFirst().dropLast()) }
            if ZMQCurve.isKey(value) { return value }
            throw ZMQCurveKeyFileError(path: path, problem: "\(field) is not a 40-character Z85 CURVE key")
        }
        throw ZMQCurveKeyFileError(path: path, problem: "holds no \(what) CURVE key (40 Z85 characters, or a certificate's \(field) = \"...\")")
    }

    // MARK: Writing

    private static func create(_ path: String, _ text: String, mode: mode_t) throws(ZMQCurveKeyFileError) {
        func fail(_ what: String) -> ZMQCurveKeyFileError {
            ZMQCurveKeyFileError(path: path, problem: "\(what): \(String(cString: strerror(errno)))")
        }
        // O_EXCL: never follows a planted link or replaces a file; fchmod: the mode whatever the umask.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        if fd < 0 { throw fail("cannot create") }
        defer { close(fd) }
        guard fchmod(fd, mode) == 0 else { let e = fail("cannot set mode"); unlink(path); throw e }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
        guard n == bytes.count, fsync(fd) == 0 else { let e = fail("cannot write"); unlink(path); throw e }
    }

    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension String {
    fileprivate var trimmingBlanks: String {
        let blanks: Set<Character> = [" ", "\t", "\n", "\r"]
        guard let start = firstIndex(where: { !blanks.contains($0) }) else { return "" }
        let end = lastIndex(where: { !blanks.contains($0) })!
        return String(self[start...end])
    }
}
