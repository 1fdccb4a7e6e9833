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
