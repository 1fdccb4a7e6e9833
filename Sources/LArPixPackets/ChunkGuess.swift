import Foundation

/// h5py's chunk guess (`h5py._hl.filters.guess_chunk`), which to_file gets because it creates
/// `packets` with an unlimited maximum and no chunk shape: rank 1 only. The chunk depends on the
/// dataset's length at creation, i.e. on the packets of the first block to_file is called with.
public enum ChunkGuess {
    static let base = 16.0 * 1024, minimum = 8.0 * 1024, maximum = 1024.0 * 1024

    /// The chunk length h5py picks for a new rank-1 dataset of `rows` rows of `rowBytes` bytes
    /// (0 rows counts as 1024, as in h5py).
    public static func rows(forInitialRows rows: Int, rowBytes: Int) -> Int {
        var chunk = Double(rows == 0 ? 1024 : rows)
        let size = Double(rowBytes)
        var target = base * pow(2, log10(chunk * size / (1024 * 1024)))
        target = min(max(target, minimum), maximum)
        while true {
            let bytes = chunk * size
            if (bytes < target || abs(bytes - target) / target < 0.5) && bytes < maximum { break }
            if chunk == 1 { break }
            chunk = (chunk / 2).rounded(.up)
        }
        return Int(chunk)
    }
}
