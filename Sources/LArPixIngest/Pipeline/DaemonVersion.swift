/// The daemon's version, written into status and sidecar files.
public enum DaemonVersion {
    public static let string = "0.1.0"
}
