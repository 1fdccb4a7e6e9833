import CZMQ

/// CURVE keys (libzmq's CurveZMQ: Curve25519 key pairs, written as 40-character Z85 text).
public enum ZMQCurve {
    /// Whether the linked libzmq was built with CURVE (zmq_has("curve")); Debian's is.
    public static var isAvailable: Bool { zmq_has("curve") != 0 }

    public struct KeyPair: Sendable, Equatable {
        public var publicKey: String
        public var secretKey: String
    }

    /// A new random key pair (zmq_curve_keypair).
    public static func generateKeyPair() throws(ZMQError) -> KeyPair {
        var pub = [CChar](repeating: 0, count: 41), sec = [CChar](repeating: 0, count: 41)
        if zmq_curve_keypair(&pub, &sec) != 0 { throw ZMQError.last("curve keypair") }
        return KeyPair(publicKey: string(pub), secretKey: string(sec))
    }

    /// The public key that belongs to a secret key (zmq_curve_public); nil when `secretKey`
    /// is not a Z85 key.
    public static func publicKey(forSecretKey secretKey: String) -> String? {
        guard isKey(secretKey) else { return nil }
        var pub = [CChar](repeating: 0, count: 41)
        let rc = secretKey.withCString { zmq_curve_public(&pub, $0) }
        return rc == 0 ? string(pub) : nil
    }

    /// True for 40 characters of the Z85 alphabet (32 key bytes).
    public static func isKey(_ text: String) -> Bool {
        guard text.utf8.count == 40, text.utf8.allSatisfy({ z85Alphabet.contains($0) }) else { return false }
        var bytes = [UInt8](repeating: 0, count: 32)
        return text.withCString { zmq_z85_decode(&bytes, $0) } != nil
    }

    private static let z85Alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    private static func string(_ chars: [CChar]) -> String {
        chars.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
