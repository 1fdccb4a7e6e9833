/// The Prometheus names of the daemon's metrics, defined once: the daemon renders them and
/// `larpix-raw status` reads them back. Each is used without `prefix` here; the exposition text
/// carries `prefix + name`.
public enum MetricNames {
    public static let prefix = "larpix_rawd_"

    // Per io_group (label io_group).
    public static let messagesReceived = "messages_received_total"
    public static let bytesReceived = "bytes_received_total"
    public static let messagesWritten = "messages_written_total"
    public static let bytesWritten = "bytes_written_total"
    public static let secondsSinceLastMessage = "seconds_since_last_message"
    /// The per-io_group counters, in the order they are made.
    public static let perIOGroupCounters = [messagesReceived, bytesReceived, messagesWritten, bytesWritten]

    // Data quality per io_group (label io_group), counted as messages arrive (QualityCounter).
    public static let dataWords = "data_words_total"
    public static let triggerWords = "trigger_words_total"
    /// Also label sync_type: H (heartbeat), S (sync), C (clock switch), other.
    public static let syncWords = "sync_words_total"
    public static let secondsSinceLastHeartbeat = "seconds_since_last_heartbeat"
    public static let secondsSinceLastSync = "seconds_since_last_sync"
    /// Also label direction: backward, forward.
    public static let timeJumps = "time_jumps_total"
    public static let timestampResets = "timestamp_resets_total"
    public static let unparsedMessages = "unparsed_messages_total"

    // Refusals (label reason) and the buffer.
    public static let messagesDropped = "messages_dropped_total"
    public static let bufferBytes = "buffer_bytes"
    public static let bufferMaxBytes = "buffer_max_bytes"
    public static let bufferBlockedSeconds = "buffer_blocked_seconds_total"
    /// 1 while the buffer has stayed above 80 % for 5 s (the writer is falling behind).
    public static let writerBehind = "writer_behind"
    /// The writer thread's nice value: writer_priority levels below the daemon's other threads
    /// when the service allows it (LimitNICE=), the daemon's own when not.
    public static let writerNice = "writer_nice"

    // The writer.
    public static let batchesWritten = "batches_written_total"
    public static let flushes = "flushes_total"
    public static let flushDuration = "flush_duration_seconds"
    public static let rotations = "file_rotations_total"
    public static let writeErrors = "write_errors_total"
    public static let fileInfo = "file_info"
    public static let fileBytes = "file_bytes"
    public static let fileMessages = "file_messages"
    public static let writeMessagesPerSecond = "write_messages_per_second"
    public static let writeBytesPerSecond = "write_bytes_per_second"
    /// Free bytes where the writer writes now (the active output place).
    public static let diskFree = "disk_free_bytes"
    /// 1 for the output place written now (labels index, 1-based in output.directories; path;
    /// reason: start, or why the writer moved there).
    public static let outputPlaceInfo = "output_place_info"
    /// Moves between output places (label reason: low_space, no_space, space_back).
    public static let outputPlaceMoves = "output_place_moves_total"

    // Runs and control.
    /// The run of the file being written; 0 when untagged or paused.
    public static let runNumber = "run_number"
    /// Its subrun (0 when untagged or paused).
    public static let subrunNumber = "run_subrun"
    /// 1 while paused after a stop-run (`run.after_stop: pause`).
    public static let runPaused = "run_paused"
    /// Control commands answered (labels command, result: ok or the refusal code).
    public static let controlCommands = "control_commands_total"

    // Sources (labels source, endpoint; source_state also state).
    public static let sourceState = "source_state"
    public static let sourceConnected = "source_connected"
    public static let sourceDisconnects = "source_disconnects_total"
    public static let sourceHandshakeFailures = "source_handshake_failures_total"

    // Monitoring's own.
    public static let tapMessages = "tap_messages_total"
    public static let tapDropped = "tap_dropped_total"
    public static let sidecarsWritten = "sidecars_written_total"
    public static let sidecarFailures = "sidecar_failures_total"
    public static let onCloseFailures = "on_close_failures_total"
    /// Closed files whose sidecar, packet file or on_close is not done yet: the conversion lag.
    public static let closedFilesPending = "closed_files_pending"
    public static let packetFiles = "packet_files_total"
    public static let packetsWritten = "packets_written_total"
    public static let packetConversionFailures = "packet_conversion_failures_total"
    public static let info = "info"
    public static let startTime = "start_time_seconds"
}
