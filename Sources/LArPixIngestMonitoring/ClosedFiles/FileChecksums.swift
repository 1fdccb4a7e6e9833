import CChecksums
import Foundation
import Posix

/// adler32 (zlib) and SHA-256 (libcrypto) of a whole file, read once in large blocks.
public struct FileChecksums: Sendable, Equatable {
    public var adler32: UInt32
    public var sha256: [UInt8]
    public var bytes: Int

    public var adler32Hex: String { String(format: "%08x", adler32) }
    public var sha256Hex: String { sha256.map { String(format: "%02x", $0) }.joined() }

    /// Reads `path` to its end. Both sums see the same bytes, so they always describe one file.
    public static func compute(path: String, blockBytes: Int = 4 << 20) throws(ClosedFileError) -> FileChecksums {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ClosedFileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard let ctx = EVP_MD_CTX_new() else { throw ClosedFileError(path: path, reason: "libcrypto: cannot allocate a digest") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestInit_ex(ctx, EVP_sha256(), nil) == 1 else { throw ClosedFileError(path: path, reason: "libcrypto: SHA-256 unavailable") }
        var adler = UInt(CChecksums.adler32(0, nil, 0))
        var total = 0
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: blockBytes, alignment: 4096)
        defer { buffer.deallocate() }
        while true {
            let n: Int
            do { n = try Posix.read(fd, buffer, blockBytes) } catch { throw ClosedFileError(path: path, reason: "read: \(error)") }
            if n == 0 { break }
            adler = CChecksums.adler32_z(adler, buffer.assumingMemoryBound(to: UInt8.self), n)
            guard EVP_DigestUpdate(ctx, buffer, n) == 1 else { throw ClosedFileError(path: path, reason: "libcrypto: digest update failed") }
            total += n
        }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(ctx, &digest, &length) == 1 else { throw ClosedFileError(path: path, reason: "libcrypto: digest final failed") }
        return FileChecksums(adler32: UInt32(truncatingIfNeeded: adler), sha256: Array(digest.prefix(Int(length))), bytes: total)
    }
}
