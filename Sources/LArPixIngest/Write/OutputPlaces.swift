/// Where files go: `output.directories`, in order of preference, and which of them is written
/// now. A place has room while its filesystem has at least `min_free_bytes` free (and, for a
/// write that did not fit, room for that write too). When the active place runs short the writer
/// closes its file there and continues in the next place with room; with `return_to_first` it
/// comes back to an earlier place once that has room again by a margin (so that it does not
/// move back and forth on the edge). When no place has room it stays where it is, and the
/// full-disk hold (DiskSpace) applies. Pure: free space comes from an injected function.
package struct OutputPlaces: Sendable {
    /// Why the writer moved to another place (the metric's `reason` label, the log's words).
    package enum MoveReason: String, Sendable, CaseIterable, CustomStringConvertible {
        /// The active place fell below min_free_bytes.
        case lowSpace = "low_space"
        /// A write did not fit in the active place.
        case noSpace = "no_space"
        /// An earlier place has room again (return_to_first).
        case spaceBack = "space_back"

        package var description: String {
            switch self {
            case .lowSpace: return "below min_free_bytes"
            case .noSpace: return "a write did not fit"
            case .spaceBack: return "space is back in an earlier place"
            }
        }
    }

    package struct Move: Sendable, Equatable {
        package var from: Int
        package var to: Int
        package var reason: MoveReason
    }

    package let directories: [String]
    let minFreeBytes: Int
    let returnToFirst: Bool
    /// Bytes free to this process in a directory (nil: cannot be asked, taken as room).
    let free: @Sendable (String) -> Int?
    package private(set) var active = 0

    init(directories: [String], minFreeBytes: Int, returnToFirst: Bool,
         free: @escaping @Sendable (String) -> Int? = DiskSpace.freeBytes(in:)) {
        precondition(!directories.isEmpty, "at least one output directory")
        self.directories = directories
        self.minFreeBytes = minFreeBytes
        self.returnToFirst = returnToFirst
        self.free = free
    }

    package var activeDirectory: String { directories[active] }

    /// What an earlier place needs beyond min_free_bytes before the writer goes back to it.
    var returnMargin: Int { max(minFreeBytes / 2, 1 << 20) }

    /// Whether place `i` has `needed` bytes beyond min_free_bytes (and `margin` more).
    func hasRoom(_ i: Int, needed: Int = 0, margin: Int = 0) -> Bool {
        guard let f = free(directories[i]) else { return true }
        return f >= minFreeBytes + needed + margin
    }

    /// The periodic check (at each flush and before each new file): leave the active place when
    /// it is below min_free_bytes, or come back to an earlier one that has room again. nil: stay.
    func check() -> Move? {
        guard directories.count > 1 else { return nil }
        if minFreeBytes > 0 && !hasRoom(active) {
            return next(needed: 0).map { Move(from: active, to: $0, reason: .lowSpace) }
        }
        if returnToFirst, let back = (0..<active).first(where: { hasRoom($0, margin: returnMargin) }) {
            return Move(from: active, to: back, reason: .spaceBack)
        }
        return nil
    }

    /// A write of `needed` bytes did not fit in the active place: the next place it fits in.
    func afterShortage(needed: Int) -> Move? {
        guard directories.count > 1 else { return nil }
        return next(needed: needed).map { Move(from: active, to: $0, reason: .noSpace) }
    }

    /// The first place after the active one (wrapping around) with room for `needed`.
    private func next(needed: Int) -> Int? {
        (1..<directories.count).lazy.map { (active + $0) % directories.count }.first { hasRoom($0, needed: needed) }
    }

    mutating func take(_ move: Move) { active = move.to }
}
