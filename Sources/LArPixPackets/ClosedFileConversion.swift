import Foundation

extension PacketConverter {
    /// For the daemon (one call per closed raw file): converts `raw` into `packets`, which
    /// appears under its final name only when complete. It is written under a hidden
    /// temporary name in the same directory, fsynced, renamed into place (refusing to replace
    /// an existing file), and the directory fsynced. On any failure the temporary file is
    /// removed and the raw file is untouched. Malformed messages are skipped and counted
    /// (`ConversionSummary.skipped`), never fatal. Call from one thread (HDF5).
    public static func convertClosedFile(raw: String, to packets: String,
                                         options: Options = Options(fsync: true)) throws(PacketConversionError) -> ConversionSummary {
        if FileManager.default.fileExists(atPath: packets) { throw .exists(path: packets) }
        let dir = URL(fileURLWithPath: packets).deletingLastPathComponent().path
        let temporary = temporaryPath(for: packets, pid: getpid())
        unlink(temporary)
        var o = options
        o.strict = false
        o.fsync = true
        var summary: ConversionSummary
        do throws(PacketConversionError) {
            summary = try convert([raw], to: temporary, mode: .create, options: o)
            // link + unlink: like rename, but never replaces a file that appeared meanwhile.
            if link(temporary, packets) != 0 {
                let err = errno
                throw err == EEXIST ? .exists(path: packets)
                    : .notWritable(path: packets, reason: String(cString: strerror(err)))
            }
            unlink(temporary)
            try PacketFile.fsync(dir)
        } catch {
            unlink(temporary)
            throw error
        }
        summary.output = packets
        return summary
    }

    /// The hidden name a `convertClosedFile` by process `pid` writes under until it is complete
    /// (whoever stops that process early removes it).
    public static func temporaryPath(for packets: String, pid: Int32) -> String {
        let url = URL(fileURLWithPath: packets)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".converting-\(pid)"
    }

    /// `convertClosedFile` into `directory`, named by the 2x2 rule (`PacketFileName`).
    public static func convertClosedFile(raw: String, intoDirectory directory: String) throws(PacketConversionError) -> ConversionSummary {
        try convertClosedFile(raw: raw, to: directory + "/" + PacketFileName.forRaw(raw))
    }
}
