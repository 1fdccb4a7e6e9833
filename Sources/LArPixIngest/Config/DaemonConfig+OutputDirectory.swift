import Foundation

extension DaemonConfig {
    /// The config key naming place `i` (output.directory when there is one place).
    func placeKey(_ i: Int) -> String { output.directories.count > 1 ? "output.directories[\(i)]" : "output.directory" }

    /// What is unsafe about the output directories, one line each: files there should be
    /// reachable only through a directory the daemon owns, that no other user can write (and so
    /// replace or remove its files).
    public func outputDirectoryWarnings() -> [String] {
        var out: [String] = []
        let me = geteuid()
        for (i, dir) in output.directories.enumerated() {
            var st = stat()
            guard stat(dir, &st) == 0 else { continue }
            let key = placeKey(i)
            if st.st_uid != me {
                out.append("\(key) \(dir) is owned by uid \(st.st_uid), not by this daemon (uid \(me))")
            }
            if st.st_mode & 0o002 != 0 && st.st_mode & 0o1000 == 0 {
                out.append("\(key) \(dir) is writable by every user: anyone can replace or remove its files")
            } else if st.st_mode & 0o020 != 0 {
                out.append("\(key) \(dir) is writable by its group")
            }
        }
        return out
    }

    /// Creates each output directory if missing and checks that files can be created in it.
    public func validateOutputDirectory() throws(ConfigError) {
        for (i, dir) in output.directories.enumerated() { try validate(directory: dir, key: placeKey(i)) }
    }

    private func validate(directory dir: String, key: String) throws(ConfigError) {
        let fm = FileManager.default
        if let problem = Self.symlinkProblem(dir) { throw ConfigError(file: origin, key: key, problem: problem) }
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue else { throw ConfigError(file: origin, key: key, problem: "\(dir) is not a directory") }
        } else {
            do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750]) } catch {
                throw ConfigError(file: origin, key: key, problem: "cannot create \(dir): \(Self.reason(error))")
            }
        }
        let probe = (dir as NSString).appendingPathComponent(".larpix-rawd-write-test-\(getpid())")
        guard fm.createFile(atPath: probe, contents: Data()) else {
            throw ConfigError(file: origin, key: key, problem: "\(dir) is not writable")
        }
        try? fm.removeItem(atPath: probe)
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let u = ns.userInfo[NSUnderlyingErrorKey] as? NSError { return u.localizedDescription }
        return ns.localizedDescription
    }

    /// A symbolic link as output.directory that leads nowhere: say so (creating the directory
    /// would fail with "a file with the same name already exists", which misleads).
    static func symlinkProblem(_ path: String) -> String? {
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFLNK else { return nil }
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
        guard stat(path, &st) != 0 else { return nil }
        switch errno {
        case ENOENT: return "\(path) is a symbolic link to \(target), which does not exist"
        case ELOOP: return "\(path) is a symbolic link that loops (through \(target))"
        default: return "\(path) is a symbolic link to \(target), which cannot be reached: \(String(cString: strerror(errno)))"
        }
    }
}
