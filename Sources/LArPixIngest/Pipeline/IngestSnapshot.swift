/// The data path's state at one moment, as a value: what monitoring renders (metrics, STATUS=,
/// `larpix-raw status` through the metrics) without reaching into the data path's types.
package struct IngestSnapshot: Sendable {
    package var messagesReceived: Int
    package var bytesReceived: Int
    package var messagesWritten: Int
    package var bytesWritten: Int
    package var batchesWritten: Int
    package var flushes: Int
    package var rotations: Int
    package var writeErrors: Int
    package var handshakeFailures: Int
    package var blockedNanoseconds: Int
    package var drops: [DropReason: Int]
    package var ioGroups: IOGroupTable
    package var bufferBytes: Int
    package var bufferMaxBytes: Int
    package var rates: WriteRates
    package var file: CurrentFile?
    package var sources: [ConnectionMonitor.State]
    /// The buffer has been above 80 % for 5 s: the writer cannot keep up.
    package var writerBehind = false
    /// The writer thread's nice value (writer_priority levels below the daemon's, if allowed).
    package var writerNice = 0
    /// The run of the file being written (nil tag: untagged), and whether writing is paused.
    package var run = RunStatus()
    /// Control commands answered, by command and result.
    package var controlCommands: [ControlCount: Int] = [:]
    /// The output place written now, and the moves between places so far by reason.
    package var place: ActivePlace? = nil
    package var placeMoves: [String: Int] = [:]
    /// Bytes free in the active output place, as the writer last saw them (nil: unknown).
    package var diskFree: Int? = nil

    package var droppedTotal: Int { drops.values.reduce(0, +) }
}

/// The file being written: its path, rows and message bytes so far, and its size (as HDF5 has it).
package struct CurrentFile: Sendable, Equatable {
    package var path: String
    package var messages: Int
    package var bytes: Int
    package var fileBytes: Int
}

