import Foundation
import Logging

/// The daemon's configuration: what `config/larpix-rawd.yaml` documents, key for key.
public struct DaemonConfig: Sendable, Equatable {
    public struct Source: Sendable, Equatable {
        public enum Tagging: Sendable, Equatable {
            /// Every message of this source belongs to this io_group.
            case ioGroup(UInt8)
            /// Two frames per message: a one-byte io_group, then the payload (a forwarder).
            case tagged
        }
        public var endpoint: String
        public var tagging: Tagging
        public var name: String
        /// Overrides receive.rcvhwm for this source.
        public var rcvhwm: Int?
        /// Overrides receive.validate for this source.
        public var validate: IntakeValidation? = nil
        /// CURVE keys: connect only to a publisher holding the server key (nil: no CURVE).
        public var curve: CurveClientKeys? = nil
    }

    public struct Receive: Sendable, Equatable {
        /// Messages ZeroMQ queues per source before it stops reading the TCP connection.
        public var rcvhwm = 1000
        /// SO_RCVBUF bytes; 0 = the OS default.
        public var rcvbuf = 4 << 20
        /// Larger frames are refused and counted.
        public var maxMessageBytes = 16 << 20
        /// raw: store every non-empty message; strict: only well-formed PACMAN messages.
        public var validate = IntakeValidation.raw
        /// Threads that read the sources' sockets, each serving every `threads`-th source (at
        /// most one per source). One thread serves a host's boards with CPU to spare, and costs
        /// less per message than one per board (BENCHMARKS.md, "Receiver threads").
        public var threads = 1
    }

    public struct Output: Sendable, Equatable {
        /// The places to write, in order of preference (output.directories; output.directory
        /// is the one-place form): see OutputPlaces.
        public var directories = ["./data"]
        /// The first (preferred) place; setting it makes it the only one.
        public var directory: String {
            get { directories[0] }
            set { directories = [newValue] }
        }
        /// Come back to an earlier place once it has room again.
        public var returnToFirst = true
        public var filename = "raw_%Y_%m_%d_%H_%M_%S_%Z.h5"
        public var append = false
        public var ioVersion = "0.0"
        public var minFreeBytes = 1 << 30
        /// > 0: paged file-space strategy with this page size (see FORMAT.md section 3).
        public var pageSize = 0
        /// Ordered flush for live readers, see RawFileWriter.Options.orderedFlush.
        public var orderedFlush = true
        /// Longest wait at the end of a flush for live readers to close the file.
        public var exposureWait = 0.05
        /// Write FILE.json (counts, times, checksums) beside each closed FILE.
        public var sidecar = true
        /// Name of the symbolic link to the file being written; "" = none. Never *.h5 or *.hdf5:
        /// watchers that glob those (the 2x2 nearline, larpix-monitor, `for f in data/*.h5`) must
        /// see each data file once.
        public var latestLink = "latest"
        /// Program and arguments run with a closed file's path appended; empty = none.
        public var onClose: [String] = []
        /// A directory stored in each new file as /daq_configs (an xz tarball, as crs_daq
        /// does); "" = none.
        public var embedConfigs = ""
    }

    /// Packet files (larpix-control's hdf5format 2.4) made from each closed raw file.
    public struct Packets: Sendable, Equatable {
        public var enabled = false
        /// Where packet files go; "" = beside the raw files (output.directory).
        public var directory = ""
        /// The converter: `larpix-raw` (the one installed beside larpix-rawd, else on PATH).
        public var converter = ""
    }

    public struct BatchLimits: Sendable, Equatable {
        public var maxMessages = 4096
        public var maxBytes = 16 << 20
        public var maxAge = 0.1
    }

    public struct Rotate: Sendable, Equatable {
        public var maxBytes = 0
        public var maxMessages = 0
        public var maxSeconds = 0.0
    }

    public var sources: [Source] = []
    /// The io_groups of the untagged sources (their metrics show from the start).
    public var configuredIOGroups: [UInt8] {
        sources.compactMap { if case .ioGroup(let g) = $0.tagging { return g } else { return nil } }
    }
    public var ioConfig: String? = nil
    public var receive = Receive()
    public var output = Output()
    public var packets = Packets()
    public var flushInterval = 1.0
    /// Flush at once when nothing has been received for this long (0 = off): a burst's tail is
    /// visible this long after it arrived, not up to a flush interval later.
    public var idleFlush = 0.1
    /// From SIGTERM to exit, at most this long (seconds): what cannot be written by then is
    /// counted as write_failed. Under the unit's TimeoutStopSec (120 s), so systemd never kills a stop.
    public var stopTimeout = 60.0
    /// Nice levels the writer thread runs above the daemon's other threads (0 = none): the writer
    /// is the one serial stage, so when the cores are shared it gets one first (ThreadPriority).
    public var writerPriority = 5
    public var batch = BatchLimits()
    public var bufferMaxBytes = 1 << 30
    public var rotate = Rotate()
    public var metricsListen = "127.0.0.1:9127"
    public var tap = Tap()
    /// The run at start and the subrun policy (no section: untagged files).
    public var run = RunConfig()
    /// The control endpoint (start-run, stop-run, rotate, status).
    public var control = ControlConfig()
    /// The site's fields of the sidecars' catalog records.
    public var catalog = CatalogConfig()
    public var quality = Quality()
    public var logLevel: Logger.Level = .info
    /// The file it came from, for messages ("built-in default" otherwise).
    public var origin = "built-in default"

    public init() {}

    /// What runs with no --config: one emulator or board on this host as io_group 1, files in ./data.
    public static var builtInDefault: DaemonConfig {
        var c = DaemonConfig()
        c.sources = [Source(endpoint: "tcp://127.0.0.1:5556", tagging: .ioGroup(1), name: "io_group1", rcvhwm: nil)]
        return c
    }
}

extension DaemonConfig {
    /// The live data tap: a ZeroMQ PUB socket republishing every written message.
    public struct Tap: Sendable, Equatable {
        /// Endpoint to bind, e.g. "tcp://127.0.0.1:5600"; "" = no tap.
        public var listen = ""
        /// Messages queued per subscriber; beyond it messages are skipped and counted (0 = no limit).
        public var sendHighWaterMark = 10_000
    }
}
