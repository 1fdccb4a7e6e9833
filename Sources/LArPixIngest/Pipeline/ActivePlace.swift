/// The output place (one of output.directories) the writer writes to now, and why: "start", or
/// the reason of the move that made it the active one (OutputPlaces.MoveReason's raw value).
package struct ActivePlace: Sendable, Equatable {
    /// 0-based, in the order of output.directories.
    package var index: Int
    package var path: String
    package var reason: String
}
