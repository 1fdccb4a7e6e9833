import Foundation
import Yams
import ZMQ

extension ConfigReader {
    /// `validate: raw` or `validate: strict`.
    func validation(_ n: Node, _ key: String) throws(ConfigError) -> IntakeValidation {
        let s = try string(n, key)
        guard let v = IntakeValidation(rawValue: s) else {
            throw error(key, "\"\(s)\" is not one of \(IntakeValidation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }

    /// `output.directories: [A, B, ...]`: at least one, none empty, none given twice.
    func directories(_ n: Node, _ key: String) throws(ConfigError) -> [String] {
        guard case .sequence(let seq) = n else { throw error(key, "expected a list of directories, got \(describe(n))") }
        var out: [String] = []
        for (i, item) in seq.enumerated() {
            let d = try string(item, "\(key)[\(i)]")
            if d.isEmpty { throw error("\(key)[\(i)]", "is empty") }
            let same = (d as NSString).standardizingPath
            if let j = out.firstIndex(where: { ($0 as NSString).standardizingPath == same }) {
                throw error("\(key)[\(i)]", "\(d) is also \(key)[\(j)]")
            }
            out.append(d)
        }
        if out.isEmpty { throw error(key, "is empty (give at least one directory)") }
        return out
    }
}
