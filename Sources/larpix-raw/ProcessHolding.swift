import Foundation

/// The pid of another process with `path` open, from /proc/*/fd (only processes we may
/// inspect are seen).
func processHolding(_ path: String) -> Int32? {
    var target = stat()
    guard stat(path, &target) == 0 else { return nil }
    let me = getpid()
    guard let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
    for name in pids {
        guard let pid = Int32(name), pid != me else { continue }
        let fdDir = "/proc/\(name)/fd"
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: fdDir) else { continue }
        for fd in fds {
            var st = stat()
            if stat("\(fdDir)/\(fd)", &st) == 0, st.st_dev == target.st_dev, st.st_ino == target.st_ino { return pid }
        }
    }
    return nil
}
