import Foundation

/// A one-line progress bar on stderr, drawn only when stderr is a terminal (and, for commands
/// that stream to stdout, only when stdout is not the same terminal). Redraws at most ~10 times
/// a second; `finish()` erases it.
final class ProgressBar {
    private let label: String
    fileprivate let enabled: Bool
    private var lastDraw: ContinuousClock.Instant?
    fileprivate var drawn = false
    private let started = ContinuousClock.now

    /// `needsQuietStdout`: also require stdout not to be a terminal (the bar would garble output).
    init(_ label: String, needsQuietStdout: Bool = false) {
        self.label = label
        enabled = isTerminal(2) && !(needsQuietStdout && isTerminal(1))
    }

    func update(_ done: Int, of total: Int) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard lastDraw.map({ now - $0 >= .milliseconds(100) }) ?? true || done >= total else { return }
        lastDraw = now
        let width = 30
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let elapsed = (now - started) / .seconds(1)
        var eta = ""
        if fraction > 0.01 && fraction < 1 {
            eta = String(format: " eta %.0fs", elapsed / fraction - elapsed)
        }
        let line = "\r\u{1B}[K\(label) [\(bar)] " + String(format: "%3.0f%%", fraction * 100) + " \(done)/\(total)\(eta)"
        writeAll(2, Array(line.utf8))
        drawn = true
    }

    func finish() {
        guard enabled, drawn else { return }
        writeAll(2, Array("\r\u{1B}[K".utf8))
        drawn = false
    }
}

extension ProgressBar {
    /// A status line for work without a known total (publish), same rules for when it shows.
    func status(_ text: String) {
        guard enabled else { return }
        writeAll(2, Array("\r\u{1B}[K\(label): \(text)".utf8))
        drawn = true
    }
}
