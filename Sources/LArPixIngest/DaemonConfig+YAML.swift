import Foundation

extension DaemonConfig {
    /// The effective configuration, every key present, as YAML (for `--check-config`).
    public func effectiveYAML() -> String {
        func q(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        func num(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d) }
        var y = "# effective configuration (from \(origin))\nsources:\n"
        for s in sources {
            y += "  - endpoint: \(q(s.endpoint))\n"
            switch s.tagging {
            case .ioGroup(let g): y += "    io_group: \(g)\n"
            case .tagged: y += "    tagged: true\n"
            }
            y += "    name: \(q(s.name))\n"
            y += "    rcvhwm: \(s.rcvhwm ?? receive.rcvhwm)\n"
        }
        // The io_config's sources are listed above; naming the file again would list them twice.
        if let io = ioConfig { y += "# io_config: \(q(io))  (its sources are listed above)\n" }
        y += """
        receive:
          rcvhwm: \(receive.rcvhwm)
          rcvbuf: \(receive.rcvbuf)
          max_message_bytes: \(receive.maxMessageBytes)
        output:
          directory: \(q(output.directory))
          filename: \(q(output.filename))
          append: \(output.append)
          io_version: \(q(output.ioVersion))
          min_free_bytes: \(output.minFreeBytes)
          page_size: \(output.pageSize)
          ordered_flush: \(output.orderedFlush)
          exposure_wait: \(num(output.exposureWait))
        flush_interval: \(num(flushInterval))
        batch:
          max_messages: \(batch.maxMessages)
          max_bytes: \(batch.maxBytes)
          max_age: \(num(batch.maxAge))
        buffer:
          max_bytes: \(bufferMaxBytes)
        rotate:
          max_bytes: \(rotate.maxBytes)
          max_messages: \(rotate.maxMessages)
          max_seconds: \(num(rotate.maxSeconds))
        metrics:
          listen: \(q(metricsListen))
        log_level: \(logLevel.rawValue)

        """
        return y
    }
}
