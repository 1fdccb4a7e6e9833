/// A key of the control-command counter.
package struct ControlCount: Sendable, Hashable {
    package var command: String
    package var result: String
}
