import Foundation

extension DaemonConfig {
    /// What is unsafe about output.directory, one line each: files there should be reachable only
    /// through a directory the daemon owns, that no other user can write (and so replace or
    /// remove its files).
    public func outputDirectoryWarnings() -> [String] {
        var st = stat()
        guard stat(output.directory, &st) == 0 else { return [] }
        var out: [String] = []
        let me = geteuid()
        if st.st_uid != me {
            out.append("output.directory \(output.directory) is owned by uid \(st.st_uid), not by this daemon (uid \(me))")
        }
        if st.st_mode & 0o002 != 0 && st.st_mode & 0o1000 == 0 {
            out.append("output.directory \(output.directory) is writable by every user: anyone can replace or remove its files")
        } else if st.st_mode & 0o020 != 0 {
            out.append("output.directory \(output.directory) is writable by its group")
        }
        return out
    }
}
