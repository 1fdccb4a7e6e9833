import Foundation
import HDF5Native

/// The file-consistency flags of a version 2/3 superblock (HDF5 file format spec, "Superblock"):
/// byte 11, bit 0 = open for writing, bit 2 = open for SWMR writing. A SWMR writer sets them on
/// start and clears them on close; a killed writer leaves them set, and HDF5 then refuses to
/// open the file for writing (what `h5clear -s` fixes). The superblock ends in a Jenkins
/// lookup3 checksum, recomputed when the flags are cleared.
public enum SuperblockFlags {
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]

    /// Reads the superblock (only at offset 0; user blocks are not used by raw files).
    static func readSuperblock(_ path: String) -> [UInt8]? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        guard let d = try? h.read(upToCount: 48), d.count >= 12 else { return nil }
        let b = [UInt8](d)
        guard Array(b[0..<8]) == signature, b[8] == 2 || b[8] == 3 else { return nil }
        return b
    }

    /// Who is writing the file, as its superblock says.
    public enum Writer: Equatable, Sendable {
        /// No writer has it open: every row in it is complete.
        case none
        /// larpix-rawd's file driver (it claims the reader headroom while open): its flushes make
        /// rows visible only after their bytes are written.
        case ordered
        /// Any other writer (h5py, larpix-control, a plain HDF5 SWMR writer): HDF5 writes the
        /// message heap outside SWMR's flush ordering, so rows can be visible before their bytes.
        case other
    }

    /// The writer the superblock shows now (`.none` also for a file with no v2/v3 superblock).
    public static func writer(_ path: String) -> Writer {
        guard let b = readSuperblock(path), b[11] & 0x05 != 0 else { return .none }
        guard let eoa = endOfAllocation(b), let stored = writtenEndOfAllocation(b, fileSize: fileSize(path)) else { return .other }
        return stored != eoa ? .ordered : .other
    }

    /// True when the superblock says a writer still has the file open (or died with it open).
    public static func isMarkedOpenForWriting(_ path: String) -> Bool {
        guard let b = readSuperblock(path) else { return false }
        return b[11] & 0x05 != 0
    }

    /// Clears the flags (like `h5clear -s`) and rewrites the checksum, with the writer's own
    /// end of allocation (`writtenEndOfAllocation`). Only for a file no process is writing.
    /// Returns false when the file has no v2/v3 superblock.
    public static func clear(_ path: String) throws -> Bool {
        guard let b = readSuperblock(path), let eoa = writtenEndOfAllocation(b, fileSize: fileSize(path)) else { return false }
        try rewrite(path, flags: 0, endOfAllocation: eoa)
        return true
    }

    /// What larpix-rawd's file driver adds to the stored end of allocation while a file is open
    /// for SWMR writing, so that readers that keep the file open reach rows appended after they
    /// opened it (COrderedVFD, `LRP_READER_HEADROOM`): 1 TiB.
    public static let readerHeadroom = 1 << 40

    /// The end of allocation the writer itself had: the stored one, less the reader headroom when
    /// the file is still marked for SWMR writing (a writer was killed) and the stored value lies
    /// at least half the headroom past the file's end, which no file without it does.
    static func writtenEndOfAllocation(_ b: [UInt8], fileSize: Int) -> Int? {
        guard let eoa = endOfAllocation(b) else { return nil }
        let claimsHeadroom = b[11] & 0x04 != 0 && eoa >= readerHeadroom && eoa > fileSize + readerHeadroom / 2
        return claimsHeadroom ? eoa - readerHeadroom : eoa
    }

    static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    /// The superblock's "end of file address": HDF5's end of allocation (EOA) when it was
    /// last written. nil when the superblock is too short or its offsets are not 4 or 8 bytes.
    static func endOfAllocation(_ b: [UInt8]) -> Int? {
        let o = Int(b[9])
        guard o == 4 || o == 8, b.count >= 12 + 4 * o + 4 else { return nil }
        // base address, superblock extension address, end of file address, root group header
        return b[(12 + 2 * o)..<(12 + 3 * o)].reversed().reduce(0) { $0 << 8 | Int($1) }
    }

    /// Writes the superblock back with these flags and end of allocation, and a new checksum.
    static func rewrite(_ path: String, flags: UInt8, endOfAllocation eoa: Int) throws {
        guard var b = readSuperblock(path), endOfAllocation(b) != nil else {
            throw RawFileError.notRawLayout(path: path, reason: "no version 2/3 superblock")
        }
        let o = Int(b[9])
        let length = 12 + 4 * o
        b[11] = flags
        for k in 0..<o { b[12 + 2 * o + k] = UInt8(truncatingIfNeeded: eoa >> (8 * k)) }
        let sum = lookup3(Array(b[0..<length]))
        let out = Array(b[0..<length]) + withUnsafeBytes(of: sum.littleEndian) { Array($0) }
        guard let h = FileHandle(forUpdatingAtPath: path) else {
            throw RawFileError.notWritable(path: path, reason: "cannot open for update")
        }
        defer { try? h.close() }
        try h.seek(toOffset: 0)
        try h.write(contentsOf: Data(out))
        try h.synchronize()
    }

    /// Bob Jenkins' lookup3 hashlittle with initval 0, which HDF5 uses for metadata checksums.
    static func lookup3(_ key: [UInt8]) -> UInt32 { Lookup3.hash(key) }
}
