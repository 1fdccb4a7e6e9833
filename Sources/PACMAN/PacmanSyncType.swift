/// The sync_type byte of a sync word ('S' word) in a PACMAN data message, as the boards send it.
public enum PacmanSyncType {
    /// 'S': the once-a-second sync (PPS): the board's 10 MHz timestamp counter restarts at it.
    public static let sync: UInt8 = 0x53
    /// 'H': the heartbeat a board sends alone in a message, about every 10 s, traffic or not.
    public static let heartbeat: UInt8 = 0x48
    /// 'C': the board switched its clock source.
    public static let clockSwitch: UInt8 = 0x43
    /// Ticks of the board's 10 MHz clock between two 'S' syncs (one second).
    public static let ticksPerSecond: UInt32 = 10_000_000
}
