import Foundation

/// systemd's STATUS= line, from a snapshot: the file, write rates, the buffer (once), the file's
/// size, sources connected and drops.
enum StatusLine {
    static func render(_ s: IngestSnapshot) -> String {
        var parts = [String(format: "%@: %.0f msg/s, %.2f MB/s", s.file?.path ?? "no file",
                            s.rates.messagesPerSecond, s.rates.bytesPerSecond / 1e6)]
        if let file = s.file { parts.append("\(file.messages) msgs, \(String(format: "%.1f", Double(file.bytes) / 1e6)) MB in file") }
        parts.append(String(format: "buffer %.1f of %.0f MB (%.1f%%)", Double(s.bufferBytes) / 1e6, Double(s.bufferMaxBytes) / 1e6,
                            100 * Double(s.bufferBytes) / Double(max(s.bufferMaxBytes, 1))))
        if !s.sources.isEmpty { parts.append("sources \(s.sources.filter(\.connected).count)/\(s.sources.count) connected") }
        parts.append("\(s.droppedTotal) dropped")
        return parts.joined(separator: "; ")
    }
}
