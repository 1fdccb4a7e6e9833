import Foundation
import TestSupport
import XCTest
@testable import LArPixIngest

final class FileNamingTests: XCTestCase {
    /// 2023-11-14 22:13:20 UTC.
    let date = Date(timeIntervalSince1970: 1_700_000_000)
    private var savedTZ: String?

    override func setUp() {
        savedTZ = ProcessInfo.processInfo.environment["TZ"]
        setenv("TZ", "UTC", 1)
        tzset()
    }

    override func tearDown() {
        if let savedTZ { setenv("TZ", savedTZ, 1) } else { unsetenv("TZ") }
        tzset()
    }

    func testStrftimeFieldsSeqAndHost() {
        let n = FileNamer(pattern: "raw_%Y_%m_%d_%H_%M_%S_%Z_{seq}_{host}.h5", host: "daq1")
        XCTAssertEqual(n.expand(date: date, seq: 7), "raw_2023_11_14_22_13_20_UTC_0007_daq1.h5")
        XCTAssertEqual(FileNamer(pattern: "r{seq:6}.h5").expand(date: date, seq: 42), "r000042.h5")
        XCTAssertEqual(FileNamer(pattern: "r{seq:1}.h5").expand(date: date, seq: 12345), "r12345.h5", "wider numbers are not cut")
        XCTAssertEqual(FileNamer(pattern: "raw_%Y_%m_%d_%H_%M_%S_%Z.h5").expand(date: date, seq: 0), "raw_2023_11_14_22_13_20_UTC.h5")
        XCTAssertEqual(FileNamer(pattern: "100%%_{seq}.h5").expand(date: date, seq: 3), "100%_0003.h5")
    }

    func testLocalTimeFollowsTZ() {
        // A POSIX TZ string needs no tzdata: zone "DAQ", two hours east of UTC.
        setenv("TZ", "DAQ-2", 1)
        XCTAssertEqual(FileNamer(pattern: "raw_%Y_%m_%d_%H_%M_%S_%Z.h5").expand(date: date, seq: 0), "raw_2023_11_15_00_13_20_DAQ.h5")
    }

    func testHostIsSanitized() {
        XCTAssertEqual(FileNamer.sanitizedHost("daq-1.fnal.gov"), "daq-1.fnal.gov")
        XCTAssertEqual(FileNamer.sanitizedHost("a/b c\u{e9}:d"), "a_b_c__d")
        XCTAssertEqual(FileNamer.sanitizedHost(""), "localhost")
        XCTAssertEqual(FileNamer.sanitizedHost(".."), "localhost")
        XCTAssertEqual(FileNamer(pattern: "{host}.h5", host: "x/y").expand(date: date, seq: 0), "x_y.h5")
        let real = FileNamer.hostName()
        XCTAssertFalse(real.isEmpty)
        XCTAssertTrue(real.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }, real)
    }

    func testSeqIncrementsFromCallToCall() {
        var n = FileNamer(pattern: "run_{seq}.h5")
        let paths = (0..<3).map { _ in n.next(in: "/d", date: date, exists: { _ in false }) }
        XCTAssertEqual(paths, ["/d/run_0000.h5", "/d/run_0001.h5", "/d/run_0002.h5"])
        XCTAssertEqual(n.seq, 3)
        var later = FileNamer(pattern: "run_{seq:2}.h5", firstSeq: 9)
        XCTAssertEqual(later.next(in: "/d", date: date, exists: { _ in false }), "/d/run_09.h5")
        XCTAssertEqual(later.next(in: "/d", date: date, exists: { _ in false }), "/d/run_10.h5")
    }

    func testAClashTakesTheNextSeq() {
        var taken: Set<String> = ["/d/run_0000.h5", "/d/run_0001.h5", "/d/run_0003.h5"]
        var n = FileNamer(pattern: "run_{seq}.h5")
        let first = n.next(in: "/d", date: date, exists: { taken.contains($0) })
        XCTAssertEqual(first, "/d/run_0002.h5")
        taken.insert(first)
        XCTAssertEqual(n.next(in: "/d", date: date, exists: { taken.contains($0) }), "/d/run_0004.h5")
    }

    func testAClashWithoutSeqTakesASuffixBeforeTheExtension() {
        var n = FileNamer(pattern: "raw_%Y.h5")
        var taken: Set<String> = ["/d/raw_2023.h5"]
        let first = n.next(in: "/d", date: date, exists: { taken.contains($0) })
        XCTAssertEqual(first, "/d/raw_2023_1.h5")
        taken.insert(first)
        XCTAssertEqual(n.next(in: "/d", date: date, exists: { taken.contains($0) }), "/d/raw_2023_2.h5")
        XCTAssertEqual(n.next(in: "/d", date: date, exists: { _ in false }), "/d/raw_2023.h5")

        var bare = FileNamer(pattern: "raw")
        XCTAssertEqual(bare.next(in: "/d", date: date, exists: { $0 == "/d/raw" }), "/d/raw_1")
    }

    func testAppendUsesTheExistingFile() {
        var n = FileNamer(pattern: "fixed.h5")
        XCTAssertEqual(n.next(in: "/d", date: date, allowExisting: true, exists: { _ in true }), "/d/fixed.h5")
    }

    func testTheRealFilesystemIsConsulted() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("naming-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertTrue(FileManager.default.createFile(atPath: dir.appendingPathComponent("a.h5").path, contents: Data()))
        var n = FileNamer(pattern: "a.h5")
        XCTAssertEqual(n.next(in: dir.path, date: date), dir.appendingPathComponent("a_1.h5").path)
    }

    func testPatternsThatLeaveTheDirectoryAreRefused() {
        for good in ["raw_%Y_%m_%d_%H_%M_%S_%Z.h5", "run_{seq}_{host}.h5", "r{seq:12}.h5", "a.b.h5", "}odd{host}.h5", "100%%.h5", "run_%Y%m%d_{seq:6}.h5"] {
            XCTAssertNil(FileNamer.patternProblem(good), good)
        }
        let bad: [(String, String)] = [
            ("", "empty"), ("../x.h5", ".."), ("a/b.h5", "/"), ("..", ".."), ("x..h5", ".."),
            ("%D.h5", "expands"),          // 11/14/23.h5
            ("{nope}.h5", "{nope}"), ("{seq.h5", "unclosed"), ("{seq:0}.h5", "{seq:0}"), ("{seq:13}.h5", "{seq:13}"),
            (String(repeating: "y", count: 256), "255"),
            ("raw_{}.h5", "empty field {}"), ("raw_%", "lone '%'"), ("raw_%%%", "lone '%'"),
            ("raw\n.h5", "control character"), ("raw\u{0}.h5", "control character"), ("raw_%n.h5", "control character"),
            ("%F/../x.h5", "/"),
        ]
        for (pattern, word) in bad {
            let problem = FileNamer.patternProblem(pattern)
            XCTAssertNotNil(problem, pattern)
            XCTAssertTrue(problem?.contains(word) == true, "\"\(word)\" in \(problem ?? "nil")")
        }
    }

    func testExpansionIsCheckedNotJustThePattern() {
        XCTAssertEqual(FileNamer.strftime("", date), "")
        XCTAssertFalse(FileNamer.isSafeFileName(""))
        XCTAssertFalse(FileNamer.isSafeFileName("."))
        XCTAssertFalse(FileNamer.isSafeFileName("a/b"))
        XCTAssertFalse(FileNamer.isSafeFileName("a..b"))
        XCTAssertTrue(FileNamer.isSafeFileName("raw_0001.h5"))
        // A namer built without the configuration check still stays in its directory.
        var unchecked = FileNamer(pattern: "%D.h5")
        let path = unchecked.next(in: "/d", date: date, exists: { _ in false })
        XCTAssertEqual((path as NSString).deletingLastPathComponent, "/d")
        XCTAssertTrue(FileNamer.isSafeFileName((path as NSString).lastPathComponent), path)
    }
}

/// The latest link's name is never a data file's, and output.directory's symlink problems are said plainly.
final class ReservedNameTests: XCTestCase {
    func testAFileNameEqualToTheLinksIsRefusedAndTheNamerNeverTakesIt() throws {
        let src = "sources: [{endpoint: \"tcp://127.0.0.1:5556\", io_group: 1}]\n"
        XCTAssertThrowsError(try DaemonConfig.parse(yaml: src + "output: {filename: latest}\n")) { e in
            XCTAssertEqual((e as? ConfigError)?.key, "output.filename")
            XCTAssertTrue("\(e)".contains("output.latest_link"), "\(e)")
        }
        XCTAssertNoThrow(try DaemonConfig.parse(yaml: src + "output: {filename: latest, latest_link: current}\n"))
        XCTAssertNoThrow(try DaemonConfig.parse(yaml: src + "output: {filename: latest, latest_link: \"\"}\n"))
        var n = FileNamer(pattern: "{host}.h5", host: "latest")
        n.reserved = ["latest.h5"]
        XCTAssertEqual((n.next(in: "/d", exists: { _ in false }) as NSString).lastPathComponent, "latest_1.h5")
    }

    func testDanglingAndLoopingSymlinksAsOutputDirectorySayWhatIsWrong() throws {
        let dir = TestSupport.temporaryDirectory("symlinks")
        defer { try? FileManager.default.removeItem(at: dir) }
        let dangling = dir.appendingPathComponent("dangling").path, loop = dir.appendingPathComponent("loop").path
        XCTAssertEqual(symlink(dir.appendingPathComponent("nowhere").path, dangling), 0)
        XCTAssertEqual(symlink(loop, loop), 0)
        for (path, words) in [(dangling, "which does not exist"), (loop, "loops")] {
            var c = DaemonConfig.builtInDefault
            c.output.directory = path
            XCTAssertThrowsError(try c.validateOutputDirectory()) { e in
                XCTAssertEqual((e as? ConfigError)?.key, "output.directory")
                XCTAssertTrue("\(e)".contains(words), "\(e)")
            }
        }
    }
}
