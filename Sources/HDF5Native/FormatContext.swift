/// What every structure of one file is read with: the file, the sizes of offsets and lengths
/// from its superblock, and the base address all addresses are relative to.
public struct FormatContext: Sendable {
    public let file: FileBytes
    public let sizeOfOffsets: Int
    public let sizeOfLengths: Int
    public let baseAddress: UInt64

    public init(file: FileBytes, sizeOfOffsets: Int, sizeOfLengths: Int, baseAddress: UInt64) {
        self.file = file
        self.sizeOfOffsets = sizeOfOffsets
        self.sizeOfLengths = sizeOfLengths
        self.baseAddress = baseAddress
    }

    public var path: String { file.path }

    /// The "undefined address" of this file: all bits set in `sizeOfOffsets` bytes.
    public var undefinedAddress: UInt64 {
        sizeOfOffsets == 8 ? .max : (UInt64(1) << (8 * UInt64(sizeOfOffsets))) - 1
    }

    public func error(_ kind: NativeHDF5Error.Kind, _ structure: String, _ reason: String) -> NativeHDF5Error {
        NativeHDF5Error(kind, path: file.path, structure: structure, reason: reason)
    }

    /// The absolute file offset of `address`, or an error when it overflows.
    @inline(__always)
    public func absolute(_ address: UInt64, _ what: @autoclosure () -> String) throws(NativeHDF5Error) -> UInt64 {
        let (a, overflow) = address.addingReportingOverflow(baseAddress)
        guard !overflow, address != undefinedAddress else {
            throw error(.malformed, what(), "address \(address) is undefined or out of range")
        }
        return a
    }

    /// Reads `count` bytes at `address` (relative to the base address).
    public func read(_ count: Int, at address: UInt64, what: @autoclosure () -> String) throws(NativeHDF5Error) -> [UInt8] {
        try file.read(count, at: try absolute(address, what()), what: what())
    }

    /// A reader over `count` bytes at `address`.
    public func reader(_ count: Int, at address: UInt64, what: @autoclosure () -> String) throws(NativeHDF5Error) -> ByteReader {
        let w = what()
        return ByteReader(try read(count, at: address, what: w), context: self, structure: w)
    }

    /// Checks the 4-byte signature and the Jenkins lookup3 checksum stored in the last 4 bytes
    /// of `bytes[0..<end+4]` over `bytes[0..<end]`.
    public func checkSignature(_ bytes: [UInt8], _ signature: String, _ what: String) throws(NativeHDF5Error) {
        guard bytes.count >= 4, bytes[0..<4].elementsEqual(signature.utf8) else {
            throw error(.malformed, what, "no \(signature) signature")
        }
    }

    private func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }

    public func checkChecksum(_ bytes: [UInt8], end: Int, _ what: String) throws(NativeHDF5Error) {
        guard end >= 0, end + 4 <= bytes.count else { throw error(.malformed, what, "too short for its checksum") }
        let stored = UInt32(bytes[end]) | UInt32(bytes[end + 1]) << 8 | UInt32(bytes[end + 2]) << 16 | UInt32(bytes[end + 3]) << 24
        let computed = bytes.withUnsafeBytes { Lookup3.hash(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
        guard stored == computed else {
            throw error(.incomplete, what, "checksum mismatch (stored \(hex(stored)), computed \(hex(computed)))")
        }
    }
}
