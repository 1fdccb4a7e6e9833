/// What one received message says about its board, counted once on the receive path: its
/// words by type and the timing faults it showed. Compact (18 bytes), since bursts and batches
/// carry one per message beside the payload: the per-file counts of the sidecar are summed from
/// these, so no message is parsed twice. msg_words is a uint16, so every count fits.
package struct MessageQuality: Sendable, Equatable {
    package var dataWords: UInt16 = 0
    package var triggerWords: UInt16 = 0
    package var heartbeats: UInt16 = 0
    package var syncs: UInt16 = 0
    package var clockSwitches: UInt16 = 0
    /// Sync words of any other sync_type.
    package var otherSyncs: UInt16 = 0
    /// Data-word receipt timestamps that went backwards with no 'S' sync since the previous one.
    package var timestampResets: UInt16 = 0
    /// The header's unix seconds went back more than the gap since the io_group's previous message.
    package var timeJumpsBackward: UInt8 = 0
    /// ... or ahead of the time that passed here by more than the gap.
    package var timeJumpsForward: UInt8 = 0
    /// 1 when the payload is not a well-formed PACMAN data message (nothing else counted).
    package var unparsed: UInt8 = 0

    package init() {}
}
