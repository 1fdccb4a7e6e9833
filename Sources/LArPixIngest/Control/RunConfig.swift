/// The `run:` section: the run in effect at start (none: untagged files, as without the
/// section), how a run's files get their subruns, and what follows a stop-run.
public struct RunConfig: Sendable, Equatable {
    public enum SubrunPolicy: String, Sendable, Equatable, CaseIterable {
        /// Each file of a run is a new subrun: the first gets `subrun`, each next one +1.
        case perFile = "per_file"
        /// Every file of a run carries the subrun it was started with.
        case fixed
    }

    public enum AfterStop: String, Sendable, Equatable, CaseIterable {
        /// Go on writing files without a run tag.
        case untagged
        /// Close the run's last file and write nothing until the next start-run (messages are
        /// counted as dropped, reason `paused`).
        case pause
    }

    /// The run at start; nil: untagged until a start-run.
    public var number: Int?
    /// The first file's subrun (start-run may give another).
    public var subrun = 1
    public var dataStream = RunConfig.defaultDataStream
    public var subrunPolicy = SubrunPolicy.perFile
    public var afterStop = AfterStop.untagged

    /// crs_daq's `dump_metadata.py` says "commissioning" when a file has no data_stream.
    public static let defaultDataStream = "commissioning"

    public init() {}
}
