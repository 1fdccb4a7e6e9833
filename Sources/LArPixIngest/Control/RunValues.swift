import LArPixRaw

/// What a run number, subrun and data stream may be: checked the same way in the config, in
/// start-run, and in `larpix-raw run start` before it connects.
public enum RunValues {
    /// Run numbers 1...2^31-1: 0 is what `{run}` shows in the name of an untagged file.
    public static let runs = 1...Int(Int32.max)
    /// Below 100000: the file's /meta@subrun is DUNE's run × 100000 + subrun (RunTag).
    public static let subruns = 0...(RunTag.subrunsPerRun - 1)
    /// A data stream is a catalog key (DUNE's core.data_stream: physics, cosmics, calibration,
    /// commissioning, test): letters, digits, '.', '_', '-', at most 64.
    public static let maxDataStreamLength = 64

    public static func runProblem(_ n: Int) -> String? {
        runs.contains(n) ? nil : "run number \(n) is not in 1-\(runs.upperBound)"
    }

    public static func subrunProblem(_ n: Int) -> String? {
        subruns.contains(n) ? nil : "subrun \(n) is not in 0-\(subruns.upperBound)"
    }

    public static func dataStreamProblem(_ s: String) -> String? {
        if s.isEmpty { return "data_stream is empty" }
        if s.utf8.count > maxDataStreamLength { return "data_stream \"\(s.prefix(80))\" is longer than \(maxDataStreamLength) characters" }
        let ok = s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }
        return ok ? nil : "data_stream \"\(s)\" has characters other than letters, digits, '.', '_', '-'"
    }

    /// A run number as text (`larpix-raw run start --run`), or the reason it is not one.
    public static func parseRun(_ text: String) -> Result<Int, RunValueProblem> {
        guard let n = Int(text.trimmingCharacters(in: .whitespaces)) else {
            return .failure(RunValueProblem(description: "run number \"\(text)\" is not an integer"))
        }
        if let p = runProblem(n) { return .failure(RunValueProblem(description: p)) }
        return .success(n)
    }
}
