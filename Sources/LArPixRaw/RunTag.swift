/// The run a file belongs to: `/meta` attributes `run` and `subrun` (scalar int64, as h5py
/// writes a Python int and as crs_daq's `dump_metadata.py` reads them) and `data_stream`
/// (variable-length UTF-8 string, as h5py writes a `str`). larpix-control ignores attributes it
/// does not know, so tagged files read and append as any other.
public struct RunTag: Sendable, Equatable, Hashable {
    public var run: Int
    public var subrun: Int
    public var dataStream: String

    public init(run: Int, subrun: Int, dataStream: String) {
        self.run = run
        self.subrun = subrun
        self.dataStream = dataStream
    }

    /// The attribute names in /meta.
    public static let runAttribute = "run"
    public static let subrunAttribute = "subrun"
    public static let dataStreamAttribute = "data_stream"
}
