import Foundation

extension DaemonConfig {
    /// The effective configuration, every key present, as YAML (for `--check-config`). Long
    /// because it is one template: the document reads top to bottom as the file does.
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
            y += "    validate: \((s.validate ?? receive.validate).rawValue)\n"
            if let k = s.curve {
                y += "    curve:\n      server_public_key: \(q(k.serverPublicKeyFile))\n      client_secret_key: \(q(k.clientSecretKeyFile))\n"
                if let p = k.clientPublicKeyFile { y += "      client_public_key: \(q(p))\n" }
            }
        }
        // The io_config's sources are listed above; naming the file again would list them twice.
        if let io = ioConfig { y += "# io_config: \(q(io))  (its sources are listed above)\n" }
        y += """
        receive:
          rcvhwm: \(receive.rcvhwm)
          rcvbuf: \(receive.rcvbuf)
          max_message_bytes: \(receive.maxMessageBytes)
          validate: \(receive.validate.rawValue)
          threads: \(receive.threads)
        output:
          \(output.directories.count > 1 ? "directories: [\(output.directories.map(q).joined(separator: ", "))]" : "directory: \(q(output.directory))")
          return_to_first: \(output.returnToFirst)
          filename: \(q(output.filename))
          append: \(output.append)
          io_version: \(q(output.ioVersion))
          min_free_bytes: \(output.minFreeBytes)
          page_size: \(output.pageSize)
          ordered_flush: \(output.orderedFlush)
          exposure_wait: \(num(output.exposureWait))
          sidecar: \(output.sidecar)
          latest_link: \(q(output.latestLink))
          on_close: [\(output.onClose.map(q).joined(separator: ", "))]
          embed_configs: \(q(output.embedConfigs))
        packets:
          enabled: \(packets.enabled)
          directory: \(q(packets.directory))
          converter: \(q(packets.converter))
        flush_interval: \(num(flushInterval))
        idle_flush: \(num(idleFlush))
        stop_timeout: \(num(stopTimeout))
        writer_priority: \(writerPriority)
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
        tap:
          listen: \(q(tap.listen))
          sndhwm: \(tap.sendHighWaterMark)
        quality:
          enabled: \(quality.enabled)
          time_jump_seconds: \(quality.timeJumpSeconds)
          heartbeat_timeout: \(num(quality.heartbeatTimeout))
        log_level: \(logLevel.rawValue)

        """
        y += "run:\n"
        if let n = run.number { y += "  number: \(n)\n" } else { y += "  # number: none (untagged files until a start-run)\n" }
        y += "  subrun: \(run.subrun)\n  data_stream: \(q(run.dataStream))\n"
        y += "  subrun_policy: \(run.subrunPolicy.rawValue)\n  after_stop: \(run.afterStop.rawValue)\n"
        y += "control:\n"
        if let l = control.listen { y += "  listen: \(q(l))\n" } else {
            y += "  # listen: built-in default, here \(q(controlEndpoint.map { "\($0)" } ?? ""))\n"
        }
        y += "  token_file: \(q(control.tokenFile))\n"
        y += catalog.yaml(q)
        return y
    }
}
