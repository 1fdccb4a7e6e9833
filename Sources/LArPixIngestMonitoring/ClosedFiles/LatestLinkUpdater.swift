import Foundation
import LArPixIngest
import Logging

/// Points the latest link at each new file on a thread of its own: making a symbolic link
/// allocates an inode (1-2 ms measured on ext4), which the writer thread should not wait for.
/// Only the newest request matters, so requests that come faster than links are made collapse
/// into the last one; `finish` makes the last link before it returns. A failure is logged once,
/// until a link is made again.
// @unchecked Sendable: `pending` and `finishing` are under `condition`; the rest is immutable or
// touched by the updater's thread only.
final class LatestLinkUpdater: @unchecked Sendable {
    let link: LatestLink
    private let logger: Logger
    private let condition = NSCondition()
    private var pending: String?
    private var finishing = false
    private var failed = false
    private let done = DispatchSemaphore(value: 0)

    init(link: LatestLink, logger: Logger) {
        self.link = link
        self.logger = logger
    }

    func start() {
        Thread.named("larpix-rawd latest link") { [self] in run(); done.signal() }.start()
    }

    /// Asks for the link to point at `file` (returns at once).
    func point(at file: String) {
        condition.lock()
        pending = file
        condition.signal()
        condition.unlock()
    }

    /// Makes the last requested link, then ends the thread.
    func finish() {
        condition.lock()
        finishing = true
        condition.broadcast()
        condition.unlock()
        done.wait()
    }

    private func run() {
        while true {
            condition.lock()
            while pending == nil && !finishing { condition.wait() }
            let file = pending
            pending = nil
            let last = finishing
            condition.unlock()
            if let file { make(file) }
            if last && file == nil { return }
        }
    }

    private func make(_ file: String) {
        do {
            try link.point(at: file)
            failed = false
        } catch {
            if !failed { logger.error("latest link: \(error)") }
            failed = true
        }
    }
}
