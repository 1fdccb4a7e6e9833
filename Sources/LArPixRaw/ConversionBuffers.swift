import Foundation
import Synchronization

/// The type conversion and background buffers a `RawFileWriter` hands HDF5 for its appends,
/// kept from one file to the next. Allocating them per file cost a rotation a fifth of the
/// writer's CPU: after the first 2 MiB block is freed, glibc serves the next from the heap, and
/// calloc then clears all of it. A file's appends already reuse its buffers without clearing
/// them, so the next file's can too.
enum ConversionBuffers {
    /// Bytes of each of the two buffers: HDF5's default, so a batch is converted in the same strips.
    static let bytes = 1 << 20

    /// Buffers no open writer holds (their addresses: a pointer is not Sendable); a few, for
    /// tools that keep several files open at once.
    private static let spare = Mutex<[UInt]>([])
    private static let maxSpare = 4

    /// How many are kept for the next writers.
    static var spareCount: Int { spare.withLock { $0.count } }

    /// 2 × `bytes`: conversion, then background. Nil when memory is short.
    static func take() -> UnsafeMutableRawPointer? {
        if let b = spare.withLock({ $0.popLast() }) { return UnsafeMutableRawPointer(bitPattern: b) }
        // calloc: zeroed as HDF5's own were, with no page touched before HDF5 uses it (opening
        // the first file, and so READY, costs nothing more).
        return calloc(1, 2 * bytes)
    }

    static func give(_ buffers: UnsafeMutableRawPointer) {
        let address = UInt(bitPattern: buffers)
        let kept = spare.withLock { s -> Bool in
            guard s.count < maxSpare else { return false }
            s.append(address)
            return true
        }
        if !kept { free(buffers) }
    }
}
