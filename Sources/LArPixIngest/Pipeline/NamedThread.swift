import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Thread {
    /// A thread named `name` for Foundation and for the kernel, whose name (comm: `top -H`, perf,
    /// /proc/PID/task/*/comm, what bench/suite.py splits the daemon's CPU by) is `name` cut to
    /// 15 bytes. Foundation hands the whole name to pthread_setname_np, which refuses a longer one
    /// (ERANGE), so each thread kept the name of the dispatch worker that started it.
    public static func named(_ name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) -> Thread {
        let t = Thread {
            setKernelThreadName(name)
            body()
        }
        t.name = name
        if let stackSize { t.stackSize = stackSize }
        return t
    }
}

/// Sets the calling thread's kernel name, which the kernel cuts to 15 bytes. Through /proc:
/// Swift's Glibc module has no pthread_setname_np (a GNU extension) and prctl is variadic.
func setKernelThreadName(_ name: String) {
    #if canImport(Glibc)
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    _ = name.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
    close(fd)
    #endif
}
