import Foundation

/// A thread that runs one job at a time for the converter: the decoding of block k+1 while the
/// calling thread writes block k through HDF5 (which stays on the calling thread). No HDF5 call
/// is ever made here.
// @unchecked Sendable: `job` and `failure` are handed over and back through the two semaphores,
// so only one thread touches them (and what the job captures) at a time.
final class DecodeWorker: @unchecked Sendable {
    private let go = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private var job: (() throws(PacketConversionError) -> Void)?
    private var failure: PacketConversionError?
    private var stopping = false
    private var thread: Thread?

    init() {
        let t = Thread { [self] in loop() }
        t.name = "packet-decode"
        thread = t
        t.start()
    }

    private func loop() {
        while true {
            go.wait()
            if stopping { finished.signal(); return }
            do { try job?() } catch { failure = error }
            job = nil
            finished.signal()
        }
    }

    /// Starts `body` on the worker; `wait()` must follow before the next `start`.
    func start(_ body: @escaping () throws(PacketConversionError) -> Void) {
        job = body
        failure = nil
        go.signal()
    }

    /// Waits for the job started last; its error, if it threw.
    func wait() -> PacketConversionError? {
        finished.wait()
        return failure
    }

    /// Ends the thread (after the last `wait()`).
    func stop() {
        stopping = true
        go.signal()
        finished.wait()
    }
}
