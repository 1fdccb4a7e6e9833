import LArPixRaw

/// Where the writer is between runs, and the tag each next file gets. A pure state machine,
/// owned by the writer thread: `untagged` (no run), `running` (a run; its files are tagged and
/// numbered by the subrun policy), `paused` (after a stop-run with `after_stop: pause`: no file).
package struct RunState: Sendable, Equatable {
    package enum Mode: Sendable, Equatable {
        case untagged
        case running(run: Int, dataStream: String, nextSubrun: Int)
        case paused
    }

    package private(set) var mode: Mode
    let policy: RunConfig.SubrunPolicy
    let afterStop: RunConfig.AfterStop
    let defaultDataStream: String

    package init(config: RunConfig) {
        policy = config.subrunPolicy
        afterStop = config.afterStop
        defaultDataStream = config.dataStream
        if let n = config.number {
            mode = .running(run: n, dataStream: config.dataStream, nextSubrun: config.subrun)
        } else {
            mode = .untagged
        }
    }

    package var isPaused: Bool { mode == .paused }

    /// The run in effect, if any.
    package var run: Int? {
        if case .running(let n, _, _) = mode { return n }
        return nil
    }

    /// The tag the next file gets (nil: untagged).
    package var nextTag: RunTag? {
        guard case .running(let n, let stream, let sub) = mode else { return nil }
        return RunTag(run: n, subrun: sub, dataStream: stream)
    }

    /// A file was opened with `nextTag`: the subrun advances per the policy. Called once per file
    /// the writer opens, whatever made it open one (start, any rotation); a failed open is not
    /// a subrun.
    package mutating func fileOpened() {
        guard case .running(let n, let stream, let sub) = mode, policy == .perFile else { return }
        mode = .running(run: n, dataStream: stream, nextSubrun: sub + 1)
    }

    /// `nextTag`, then `fileOpened()`.
    package mutating func tagForNextFile() -> RunTag? {
        defer { fileOpened() }
        return nextTag
    }

    /// start-run: refused while a run is in effect (stop it first) or with bad values.
    package mutating func start(run: Int, subrun: Int?, dataStream: String?) -> ControlRefusal? {
        if case .running(let current, _, _) = mode { return .runAlreadyStarted(current) }
        if let p = RunValues.runProblem(run) { return .badRun(p) }
        if let s = subrun, let p = RunValues.subrunProblem(s) { return .badRun(p) }
        if let d = dataStream, let p = RunValues.dataStreamProblem(d) { return .badRun(p) }
        mode = .running(run: run, dataStream: dataStream ?? defaultDataStream, nextSubrun: subrun ?? 1)
        return nil
    }

    /// stop-run: the run stopped, or a refusal when there is none.
    package mutating func stop() -> Result<Int, ControlRefusal> {
        guard case .running(let n, _, _) = mode else { return .failure(.noRun) }
        mode = afterStop == .pause ? .paused : .untagged
        return .success(n)
    }
}
