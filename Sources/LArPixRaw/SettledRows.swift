/// How many rows of a live file a follower may deliver. Rows written by larpix-rawd's driver,
/// or in a file no writer has open, are complete once visible. Any other SWMR writer's rows can
/// be visible before their bytes are (HDF5 writes the message heap outside SWMR's flush order,
/// and h5py resizes the datasets before it writes them): such a row counts as complete once a
/// longer extent has been seen, because the writer then has finished the flush that wrote it.
/// A re-read a millisecond later was the only check before; a writer descheduled in the middle
/// of copying a 200 kB message defeated it on a loaded machine.
struct SettledRows {
    /// The longest extent seen, and the longest one seen before it.
    private(set) var newest = 0
    private(set) var settled = 0

    /// Rows `0..<result` are complete, given the rows visible now and the writer the superblock
    /// showed before they were read.
    mutating func complete(visible: Int, writer: SuperblockFlags.Writer) -> Int {
        switch writer {
        case .none, .ordered:
            newest = max(newest, visible)
            settled = max(settled, visible)
        case .other:
            if visible > newest { (settled, newest) = (newest, visible) }
        }
        return min(settled, visible)
    }
}
