/// Why a run value was refused.
public struct RunValueProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}
