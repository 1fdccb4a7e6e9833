import LArPixRaw

/// The run state as monitoring shows it.
package struct RunStatus: Sendable, Equatable {
    package var tag: RunTag?
    package var paused = false
    package init(tag: RunTag? = nil, paused: Bool = false) {
        self.tag = tag
        self.paused = paused
    }
}
