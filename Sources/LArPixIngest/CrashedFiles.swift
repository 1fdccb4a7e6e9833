import Foundation
import LArPixRaw
import Logging

extension IngestDaemon {
    /// Whether `output.append` may reopen `path`: not when its superblock still carries the
    /// SWMR-writer mark. Then a writer died with it open (kill -9, power loss); HDF5 would refuse
    /// it anyway, and after a crash its end of allocation may disagree with its size. The file is
    /// left as it is, readable (`larpix-raw`, `from_rawfile`), for `larpix-raw repair`; the daemon
    /// starts a new file instead.
    static func appendable(_ path: String, logger: Logger) -> Bool {
        guard SuperblockFlags.isMarkedOpenForWriting(path) else { return true }
        logger.warning("\(path) is still marked open by a writer (a crash?): not appending to it, starting a new file; `larpix-raw repair \(path)` makes it appendable again")
        return false
    }
}
