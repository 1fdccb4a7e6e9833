import Foundation
import TestSupport
import XCTest

/// `output.embed_configs`: the DAQ configuration directory in each new file as an xz tarball in
/// /daq_configs (attribute dirname), as crs_daq stores it; a change to the directory reaches the
/// next file; larpix-control reads the files unchanged.
final class EmbedConfigsTests: DaemonProcessCase {
    func testTheConfigDirectoryIsInEachFileAndFollowsChanges() throws {
        let oracle = try Oracle.debian()
        let configs = dir.appendingPathComponent("daq-config")
        try FileManager.default.createDirectory(at: configs.appendingPathComponent("pacman"), withIntermediateDirectories: true)
        try #"{"io_group": [[1, "10.0.1.9"]]}"#.write(to: configs.appendingPathComponent("io.json"), atomically: true, encoding: .utf8)
        try "chip 1-1-11\n".write(to: configs.appendingPathComponent("pacman/asic.cfg"), atomically: true, encoding: .utf8)
        let a = try emulator(ioGroup: 1, count: 500)
        let config = try writeConfig(sources: [(a.publisher.endpoint, 1)])
        let yaml = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(of: "  filename: \"run_{seq}.h5\"\n", with: "  filename: \"run_{seq}.h5\"\n  embed_configs: \"\(configs.path)\"\n")
            .replacingOccurrences(of: "log_level: warning", with: "log_level: info")
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)

        let daemon = try startDaemon(config: config)
        XCTAssertEqual(Self.runPublishers([a]).map(\.messages), [500])
        waitUntilVisible(500)
        // A new file in the directory: the watcher remakes the tarball, the next file has it.
        try "run 42\n".write(to: configs.appendingPathComponent("run.txt"), atomically: true, encoding: .utf8)
        TestSupport.wait("the tarball remade", seconds: 20) {
            daemonLog.components(separatedBy: "output.embed_configs: \(configs.path)").count - 1 >= 2
        }
        kill(daemon.processIdentifier, SIGHUP)
        TestSupport.wait("the second file", seconds: 20) { dataFiles.count == 2 }
        stop(daemon)

        let files = dataFiles
        XCTAssertEqual(files.count, 2)
        let list = """
        import sys, io, tarfile, h5py
        with h5py.File(sys.argv[1], 'r') as f:
            d = f['daq_configs']
            assert d.dtype == 'uint8' and d.ndim == 1, d
            print(d.attrs['dirname'])
            names = tarfile.open(fileobj=io.BytesIO(d[()].tobytes()), mode='r:xz').getnames()
        print(' '.join(sorted(names)))
        """
        let want = [["daq-config", "daq-config/io.json", "daq-config/pacman", "daq-config/pacman/asic.cfg"],
                    ["daq-config", "daq-config/io.json", "daq-config/pacman", "daq-config/pacman/asic.cfg", "daq-config/run.txt"]]
        for (f, names) in zip(files, want) {
            let r = try oracle.python(list, [f])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, configs.path + "\n" + names.joined(separator: " ") + "\n", f)
        }
        // larpix-control reads the messages as from any raw file.
        let theirs = try files.flatMap { try oracle.read($0).messages }
        assertSame(theirs, expected(a), "from_rawfile over files with daq_configs")
    }
}
