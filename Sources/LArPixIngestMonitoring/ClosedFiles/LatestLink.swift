import Foundation
import LArPixRaw

/// The symbolic link in the output directory (`output.latest_link`, default `latest`, never *.h5) to the
/// file being written; with several output places it lives in the first. It holds the file's
/// name only (relative) for a file beside it, so it survives moving the directory, and the
/// absolute path of a file in another place. It is replaced atomically: a new link made beside it is renamed over it, so a
/// reader always finds either the old file or the new one.
struct LatestLink: Sendable {
    let directory: String
    let name: String

    var path: String { (directory as NSString).appendingPathComponent(name) }

    /// Points the link at `file` (a file in `directory`).
    func point(at file: String) throws(ClosedFileError) {
        let link = path
        var st = stat()
        if lstat(link, &st) == 0 && (st.st_mode & S_IFMT) != S_IFLNK {
            throw ClosedFileError(path: link, reason: "exists and is not a symbolic link; not replaced")
        }
        let temporary = (directory as NSString).appendingPathComponent(".\(name).\(getpid()).tmp")
        unlink(temporary)
        let target = Self.target(of: file, from: directory)
        guard symlink(target, temporary) == 0 else { throw ClosedFileError(path: temporary, reason: "symlink: \(String(cString: strerror(errno)))") }
        guard rename(temporary, link) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ClosedFileError(path: link, reason: "rename: \(reason)")
        }
        // No directory fsync here (the writer thread calls this): the closed-file worker's
        // fsync of this directory at the next close makes the new link durable.
    }

    /// What the link holds: the file's name when it is in the link's directory (the link then
    /// survives moving the directory), else its absolute path (a file in another output place).
    static func target(of file: String, from directory: String) -> String {
        let dir = (file as NSString).deletingLastPathComponent
        if (dir as NSString).standardizingPath == (directory as NSString).standardizingPath { return (file as NSString).lastPathComponent }
        if file.hasPrefix("/") { return file }
        return (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(file)
    }
}
