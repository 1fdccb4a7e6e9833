import Foundation
import LArPixIngest
import Logging
import NIOCore
import Synchronization

/// The control endpoint: line-delimited JSON requests (`ControlRequest`) answered with one
/// JSON line each (`ControlReply`), on a unix socket (mode 0660) or a TCP port. It runs on its
/// `Listener`'s event-loop thread and makes no HDF5 call: each request goes to `handler` (the
/// pipeline's writer queue), whose reply comes back from the writer thread and is written by the
/// event loop. Bound before the data path starts (a taken address stops start-up, as
/// metrics.listen does); requests before `target` is set are refused.
package final class ControlServer: Sendable {
    package typealias Handler = @Sendable ([UInt8], @escaping @Sendable (ControlReply) -> Void) -> Void

    package let endpoint: ControlEndpoint
    private let listener = Listener(key: "control.listen", maxConnections: ControlServer.maxConnections)
    private let target = Target()
    static let maxConnections = 16
    private let logger: Logger

    package init(endpoint: ControlEndpoint, logger: Logger) {
        self.endpoint = endpoint
        self.logger = logger
    }

    /// The TCP port bound (port 0 picks one).
    package var port: Int? { listener.port }

    /// Where requests go from now on.
    package func route(to handler: @escaping Handler) { target.handler.withLock { $0 = handler } }

    /// Binds; a unix socket's stale file (no daemon behind it) is replaced, a live one refused.
    package func start(createDirectory: Bool) throws(ListenError) {
        let address: Listener.Address
        switch endpoint {
        case .unix(let path):
            do { try prepareSocketPath(path, createDirectory: createDirectory) } catch {
                listener.stop()
                throw error
            }
            address = .unix(path: path)
        case .tcp(let host, let port):
            address = .tcp(host: host, port: port)
        }
        let target = self.target
        try listener.bind(address, shown: "\(endpoint)", backlog: 16) { ops in
            // A client that says nothing is let go; a reply may take a while (a close and fsync).
            try ops.addHandler(IdleStateHandler(readTimeout: .seconds(120)))
            try ops.addHandler(ControlLineHandler(target: target))
        }
        if case .unix(let path) = endpoint { chmod(path, 0o660) }
    }

    package func stop() {
        listener.stop()
        if case .unix(let path) = endpoint, Self.isSocket(path) { unlink(path) }
    }
    private func prepareSocketPath(_ path: String, createDirectory: Bool) throws(ListenError) {
        let dir = (path as NSString).deletingLastPathComponent
        if createDirectory && !FileManager.default.fileExists(atPath: dir) {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        }
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        guard Self.isSocket(path) else {
            throw ListenError(key: "control.listen", address: "\(endpoint)", reason: "\(path) exists and is not a socket")
        }
        if ControlClient(endpoint: endpoint, timeout: 1).isListening() {
            throw ListenError(key: "control.listen", address: "\(endpoint)", reason: "another daemon is listening there")
        }
        logger.info("control: replacing the stale socket \(path)")
        unlink(path)
    }

    /// Where requests go, shared with the connections (set once the data path runs).
    final class Target: Sendable {
        let handler = Mutex<Handler?>(nil)
    }

    static func isSocket(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK
    }
}
