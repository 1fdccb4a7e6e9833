import Foundation
import Yams
import ZMQ

/// A source's CURVE keys, read from their files when the configuration is loaded. The daemon
/// is the CURVE client: it connects only to a publisher that holds the secret half of
/// `serverPublicKey`, and identifies itself with its own key pair.
public struct CurveClientKeys: Sendable, Equatable {
    public var serverPublicKey: String
    public var publicKey: String
    public var secretKey: String
    /// Where they came from, for --check-config (keys themselves are never printed).
    public var serverPublicKeyFile: String
    public var clientPublicKeyFile: String?
    public var clientSecretKeyFile: String

    public init(serverPublicKeyFile: String, clientSecretKeyFile: String, clientPublicKeyFile: String? = nil) throws(ZMQCurveKeyFileError) {
        self.serverPublicKeyFile = serverPublicKeyFile
        self.clientSecretKeyFile = clientSecretKeyFile
        self.clientPublicKeyFile = clientPublicKeyFile
        serverPublicKey = try ZMQCurveKeyFile.readPublicKey(serverPublicKeyFile)
        secretKey = try ZMQCurveKeyFile.readSecretKey(clientSecretKeyFile)
        guard let derived = ZMQCurve.publicKey(forSecretKey: secretKey) else {
            throw ZMQCurveKeyFileError(path: clientSecretKeyFile, problem: "is not a CURVE secret key")
        }
        publicKey = derived
        if let clientPublicKeyFile, try ZMQCurveKeyFile.readPublicKey(clientPublicKeyFile) != derived {
            throw ZMQCurveKeyFileError(path: clientPublicKeyFile, problem: "is not the public half of \(clientSecretKeyFile)")
        }
    }

    /// Makes `socket` a CURVE client with these keys (before it connects).
    func apply(to socket: ZMQSocket) throws(ZMQError) {
        try socket.setCurveClient(serverPublicKey: serverPublicKey, publicKey: publicKey, secretKey: secretKey)
    }
}

extension ConfigReader {
    /// `curve: {server_public_key: FILE, client_secret_key: FILE, client_public_key: FILE}`; the
    /// client public key is optional (derived from the secret one; when given it must match).
    /// Relative paths are relative to the configuration file.
    func curve(_ n: Node, _ key: String, baseDirectory: String) throws(ConfigError) -> CurveClientKeys {
        let m = try mapping(n, key, known: ["server_public_key", "client_secret_key", "client_public_key"])
        guard ZMQCurve.isAvailable else {
            throw error(key, "this libzmq (\(ZMQContext.libraryVersion)) was built without CURVE (zmq_has(\"curve\") is false); "
                        + "install one with CURVE (Debian's libzmq5 has it) or remove curve")
        }
        func path(_ name: String, required: Bool) throws(ConfigError) -> String? {
            guard let v = m[name] else {
                if required { throw error("\(key).\(name)", "missing (a key file)") }
                return nil
            }
            let p = try string(v, "\(key).\(name)")
            if p.isEmpty { throw error("\(key).\(name)", "is empty (a key file)") }
            return p.hasPrefix("/") || baseDirectory == "." ? p : (baseDirectory as NSString).appendingPathComponent(p)
        }
        let server = try path("server_public_key", required: true)!
        let secret = try path("client_secret_key", required: true)!
        let clientPublic = try path("client_public_key", required: false)
        do {
            return try CurveClientKeys(serverPublicKeyFile: server, clientSecretKeyFile: secret, clientPublicKeyFile: clientPublic)
        } catch let e {
            let field = e.path == server ? "server_public_key" : e.path == secret ? "client_secret_key" : "client_public_key"
            throw error("\(key).\(field)", e.description)
        }
    }

    /// `validate: raw` or `validate: strict`.
    func validation(_ n: Node, _ key: String) throws(ConfigError) -> IntakeValidation {
        let s = try string(n, key)
        guard let v = IntakeValidation(rawValue: s) else {
            throw error(key, "\"\(s)\" is not one of \(IntakeValidation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }
}
