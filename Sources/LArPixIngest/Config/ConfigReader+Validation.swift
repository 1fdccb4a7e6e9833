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
}
