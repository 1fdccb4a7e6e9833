/// The daemon's one clock is `ContinuousClock`: instants and spans never come from the wall
/// clock, so a clock step moves no flush, rotation, rate or stop. Where a time has to live in
/// an atomic or be summed (the last burst's arrival, a batch's age, time blocked), it is that
/// clock's reading as integer nanoseconds since the process first asked.
public enum ProcessClock {
    private static let epoch = ContinuousClock.now

    /// Nanoseconds of `ContinuousClock` since the first call in this process.
    public static var nanoseconds: UInt64 { UInt64(max(0, (ContinuousClock.now - epoch).nanoseconds)) }
}

extension Duration {
    /// This span in seconds (the unit the config states spans in).
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// This span in whole nanoseconds (saturating, for counters kept in atomics).
    public var nanoseconds: Int64 {
        let c = components
        let (s, overflow) = c.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return c.seconds < 0 ? .min : .max }
        return s &+ c.attoseconds / 1_000_000_000
    }
}
