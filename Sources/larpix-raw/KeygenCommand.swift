import ArgumentParser
import Foundation
import LArPixRaw
import ZMQ

/// `larpix-raw keygen PREFIX`: a CURVE key pair for the daemon or a board, as two files.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a new CURVE key pair: PREFIX.key (secret, mode 0600) and PREFIX.pub (public, 0644).",
        discussion: """
        Each file holds one 40-character Z85 key (as zmq_curve_keypair makes it). The secret file \
        is created with mode 0600 whatever the umask; an existing file is never overwritten \
        (exit 18). Give the daemon its own PREFIX.key as a source's curve.client_secret_key and a \
        board's PREFIX.pub as curve.server_public_key; `publish --curve-secret-key` takes a board's \
        PREFIX.key.
        """
    )

    @Argument(help: ArgumentHelp("Path prefix of the two files.", valueName: "prefix")) var prefix: String

    func run() throws {
        try reportingErrors {
            guard ZMQCurve.isAvailable else {
                throw CLIError(subject: prefix, reason: "this libzmq (\(ZMQContext.libraryVersion)) was built without CURVE", exitCode: ExitCodes.io)
            }
            let pair = try ZMQCurve.generateKeyPair()
            do { try ZMQCurveKeyFile.write(pair, publicPath: prefix + ".pub", secretPath: prefix + ".key") } catch let error as ZMQCurveKeyFileError {
                if access(error.path, F_OK) == 0 && error.problem.hasPrefix("exists") { throw RawFileError.exists(path: error.path) }
                throw RawFileError.notWritable(path: error.path, reason: error.problem)
            }
            print("\(prefix).key: secret key (mode 0600)\n\(prefix).pub: public key \(pair.publicKey)")
        }
    }
}
