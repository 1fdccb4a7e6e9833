/// The run a file belongs to: `/meta` attributes `run` and `subrun` (scalar int64, as h5py
/// writes a Python int and as crs_daq's `dump_metadata.py` reads them) and `data_stream`
/// (variable-length UTF-8 string, as h5py writes a `str`). larpix-control ignores attributes it
/// does not know, so tagged files read and append as any other.
///
/// `/meta@subrun` holds DUNE's catalog number of the subrun, run × 100000 + subrun, so that
/// the file, its catalog record (`core.runs_subruns`) and what crs_daq's `dump_metadata.py`
/// derives from the file (it copies the attribute) all agree; `subrun` here and `{subrun}` in
/// file names are the plain number (1, 2, …).
public struct RunTag: Sendable, Equatable, Hashable {
    public var run: Int
    public var subrun: Int
    public var dataStream: String

    public init(run: Int, subrun: Int, dataStream: String) {
        self.run = run
        self.subrun = subrun
        self.dataStream = dataStream
    }

    /// DUNE numbers subruns run × 100000 + subrun.
    public static let subrunsPerRun = 100_000

    /// The subrun as /meta and the catalog hold it.
    public var catalogSubrun: Int { run * Self.subrunsPerRun + subrun }

    /// The plain subrun of a stored /meta@subrun: the catalog form, or a plain number that
    /// another writer stored.
    public static func subrun(stored: Int, run: Int) -> Int {
        stored >= run * subrunsPerRun && stored < (run + 1) * subrunsPerRun ? stored - run * subrunsPerRun : stored
    }

    /// The attribute names in /meta.
    public static let runAttribute = "run"
    public static let subrunAttribute = "subrun"
    public static let dataStreamAttribute = "data_stream"
}
