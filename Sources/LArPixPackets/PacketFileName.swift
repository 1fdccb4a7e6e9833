/// The 2x2 naming rule for a raw file's packet file: `binary-…h5` becomes `packet-…h5`; any
/// other name gets `packet-` in front. Pure: names only, no directories.
public enum PacketFileName {
    public static func forRaw(_ rawName: String) -> String {
        let name = rawName.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? rawName
        if name.hasPrefix("binary-") { return "packet-" + name.dropFirst("binary-".count) }
        return "packet-" + name
    }
}
