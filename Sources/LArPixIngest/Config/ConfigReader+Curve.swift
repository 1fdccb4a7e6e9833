import Foundation
import Yams
import ZMQ

extension ConfigReader {
    /// `curve: {server_public_key: FILE, client_secret_key: FILE, client_public_key: FILE}`; the
    /// client public key is optional (derived from the secret one; when given it must match).
    /// Relative paths are relative to the configuration file.
    func curve(_ n: Node, _ key: String) throws(ConfigError) -> CurveClientKeys {
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
            return resolve(p)
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
}
