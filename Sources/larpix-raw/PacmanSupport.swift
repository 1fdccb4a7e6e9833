import PACMAN
import LArPixRaw

/// The bits of the PACMAN message the file commands need, on top of `PacmanMessage`.
enum PacmanSupport {
    /// msg_time of a well-formed PACMAN message, nil for anything else.
    static func headerTime(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        if case .wellFormed(let s) = PacmanMessage.validate(bytes) { return s.header.time }
        return nil
    }
}
