/// A step of a closed file's work that failed (its fsync, checksums, sidecar, packet file, the
/// latest link): the file it concerns and why. The data file itself is never changed by it;
/// the step is counted and logged, and the worker goes on with the next file.
public struct ClosedFileError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}
