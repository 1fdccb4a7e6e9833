import CChecksums
import Foundation
import Posix

/// adler32 (zlib) and SHA-256 (libcrypto) of a whole file, read once in large blocks.
public struct FileChecksums: Sendable, Equatable {
    public var adler32: UInt32
    public var sha256: [UInt8]
    public var bytes: Int

    public var adler32Hex: String {
        Self.hex((0..<4).map { UInt8(truncatingIfNeeded: adler32 >> (24 - 8 * $0)) })
    }
    public var sha256Hex: String { Self.hex(sha256) }

    /// Lowercase hex, two digits a byte (String(format:) per byte was a twentieth of the
    /// closed-file worker's CPU at hundreds of files a second).
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(2 * bytes.count)
        for b in bytes { out += [digits[Int(b >> 4)], digits[Int(b & 0xf)]] }
        return String(decoding: out, as: UTF8.self)
    }

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
