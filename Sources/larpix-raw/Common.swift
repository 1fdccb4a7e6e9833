import ArgumentParser
import Foundation
import LArPixRaw
import Posix

/// Exit statuses of failures that are not a `RawFileError` (those carry their own `exitCode`).
enum ExitCodes {
    static let malformed: Int32 = 1
    static let usage: Int32 = 2
    static let badInput: Int32 = 3
    static let io: Int32 = 4
    static let endpoint: Int32 = 22
    static let daemonUnreachable: Int32 = 23
    static let notDaemon: Int32 = 24
    // Run control (run, rotate).
    static let noDaemon: Int32 = 26
    static let runAlreadyStarted: Int32 = 27
    static let noRun: Int32 = 28
    static let badRun: Int32 = 29
    static let controlFailed: Int32 = 30
}

/// A failure outside the raw-file library: what it concerns (a file, "file:line", an endpoint),
/// why, and the exit status.
struct CLIError: Error, CustomStringConvertible {
    var subject: String
    var reason: String
    var exitCode: Int32
    var description: String { "\(subject): \(reason)" }
}

/// Prints one line on stderr, `larpix-raw: <message>`.
func printError(_ message: String) {
    let line = "larpix-raw: " + message.replacingOccurrences(of: "\r", with: " ")
        .replacingOccurrences(of: "\n", with: " ") + "\n"
    writeAll(2, Array(line.utf8))
}

/// Prints a note on stderr (not an error).
func printNote(_ message: String) {
    writeAll(2, Array(("larpix-raw: " + message + "\n").utf8))
}

/// Runs a command body; turns every error into its one-line message and exit status, so that no
/// error reaches ArgumentParser's generic handler (which would print a dump and exit 1).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as RawFileError {
        printError(e.description)
        throw ExitCode(e.exitCode)
    } catch let e as CLIError {
        printError(e.description)
        throw ExitCode(e.exitCode)
    } catch let e as ExitCode {
        throw e
    } catch let e as CleanExit {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        printError("\(error)")
        throw ExitCode(ExitCodes.io)
    }
}

/// write(2) until everything is written (or the descriptor fails); false on failure.
@discardableResult
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { writeAll(fd, $0) }
}

@discardableResult
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    do { try Posix.writeAll(fd, bytes) } catch {
        errno = error.errno  // callers report strerror(errno)
        return false
    }
    return true
}

/// Whether a file descriptor is a terminal.
func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

// MARK: - Byte sizes

/// A byte count with an optional suffix: k/K, M, G (powers of 1000, an optional trailing B),
/// KiB, MiB, GiB (powers of 1024). "1.5MiB" and "64k" are fine.
struct ByteSize: ExpressibleByArgument, CustomStringConvertible {
    var bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces)
        let split = text.firstIndex(where: { !($0.isNumber || $0 == ".") }) ?? text.endIndex
        let number = String(text[..<split])
        let suffix = String(text[split...]).trimmingCharacters(in: .whitespaces)
        let multipliers: [String: Double] = [
            "": 1, "b": 1,
            "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
            "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824, "tib": 1_099_511_627_776,
        ]
        guard !number.isEmpty, let value = Double(number), value >= 0,
              let mult = multipliers[suffix.lowercased()] else { return nil }
        // "m" is mega, not milli: sizes are never fractions of a byte.
        let total = (value * mult).rounded()
        guard total < 9e18 else { return nil }
        bytes = Int(total)
    }

    var description: String { "\(bytes)" }
}

/// "12345 bytes (12.1 KiB)".
func humanBytes(_ n: Int) -> String {
    n < 1024 ? "\(n) bytes" : "\(n) bytes (\(shortBytes(n)))"
}

/// "12.1 KiB" ("12 bytes" below 1 KiB).
func shortBytes(_ n: Int) -> String {
    let units = ["KiB", "MiB", "GiB", "TiB"]
    var v = Double(n)
    var unit = ""
    for u in units where v >= 1024 {
        v /= 1024
        unit = u
    }
    return unit.isEmpty ? "\(n) bytes" : "\(String(format: "%.1f", v)) \(unit)"
}

// MARK: - Times

/// ISO-8601 UTC with microseconds, e.g. "2024-05-01T12:34:56.789012Z".
func isoTime(_ seconds: Double) -> String {
    guard seconds.isFinite, abs(seconds) < 1e15 else { return "invalid" }
    var whole = seconds.rounded(.down)
    var micros = Int(((seconds - whole) * 1_000_000).rounded())
    if micros >= 1_000_000 { whole += 1; micros -= 1_000_000 }
    var t = time_t(whole)
    var tm = tm()
    guard gmtime_r(&t, &tm) != nil else { return "invalid" }
    return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1,
                  Int(tm.tm_mday), Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec), micros)
}

// MARK: - Files

/// Size in bytes of a file on disk (st_size), or nil.
func fileSize(_ path: String) -> Int? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return Int(st.st_size)
}
