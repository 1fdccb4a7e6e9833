import ArgumentParser
import Foundation
import LArPixRaw

struct ClearCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear",
        abstract: "Clear the SWMR-writer mark a crashed writer left in a file's superblock.",
        discussion: """
        A SWMR writer marks the superblock (version 2 or 3) as open for writing and clears the \
        mark when it closes the file. A writer that was killed leaves the mark set, and HDF5 then \
        refuses to open the file for appending (exit 20). This clears the flags and rewrites the \
        superblock checksum, like `h5clear -s`, then checks that the file reads as a raw file. \
        It refuses a file that a running process still has open (found through /proc; --force \
        skips that check) and a file without a version 2/3 superblock (exit 13). A file without \
        the mark is left alone.
        """
    )

    @Argument(help: "The raw file.") var file: String
    @Flag(help: "Clear even if a process seems to have the file open.") var force = false

    func run() throws {
        try reportingErrors {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDir) else { throw RawFileError.notFound(path: file) }
            if isDir.boolValue { throw RawFileError.isDirectory(path: file) }
            guard let head = FileHandle(forReadingAtPath: file).flatMap({ h in defer { try? h.close() }; return try? h.read(upToCount: 12) }) else {
                throw RawFileError.notWritable(path: file, reason: "not readable")
            }
            let bytes = [UInt8](head)
            let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
            guard bytes.count >= 12, Array(bytes[0..<8]) == signature else { throw RawFileError.notHDF5(path: file) }
            guard bytes[8] == 2 || bytes[8] == 3 else {
                throw RawFileError.notRawLayout(path: file, reason: "superblock version \(bytes[8]) has no SWMR writer mark to clear (only versions 2 and 3 do)")
            }
            let flags = bytes[11]
            guard SuperblockFlags.isMarkedOpenForWriting(file) else {
                print("\(file): no SWMR writer mark set (superblock flags 0x\(String(flags, radix: 16))); nothing to do")
                return
            }
            if !force, let holder = processHolding(file) {
                throw CLIError(subject: file, reason: "process \(holder) has the file open (a live writer?); not clearing its mark (--force clears anyway)",
                               exitCode: RawFileError.openForWriting(path: file).exitCode)
            }
            let cleared: Bool
            do { cleared = try SuperblockFlags.clear(file) } catch let e as RawFileError { throw e } catch {
                throw RawFileError.notWritable(path: file, reason: "\(error)")
            }
            guard cleared else {
                throw RawFileError.notRawLayout(path: file, reason: "superblock could not be read back to clear it")
            }
            var line = "\(file): cleared the SWMR writer mark (superblock flags 0x\(String(flags, radix: 16)) -> 0x0)"
            do {
                line += "; \(try RawFile.count(file)) messages readable"
                print(line)
            } catch {
                print(line)
                throw error
            }
        }
    }
}
