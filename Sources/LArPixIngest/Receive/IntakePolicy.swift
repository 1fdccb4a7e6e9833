import PACMAN
import LArPixRaw

/// What a source stores of what it receives. `raw` (default): every non-empty message as
/// received, since the file is raw; `strict`: only well-formed PACMAN messages.
public enum IntakeValidation: String, Sendable, CaseIterable {
    case raw
    case strict
}

/// A source's intake policy: which received messages are stored, and why the others are not.
/// Always refused: empty and oversized payloads, multipart messages on an untagged source, and
/// on a tagged source anything but (one-byte io_group, payload). `strict` also refuses
/// payloads that are not well-formed PACMAN messages, by the defect found.
struct IntakePolicy: Sendable {
    /// nil: tagged source (two frames, the first a one-byte io_group).
    var ioGroup: UInt8?
    var maxMessageBytes: Int
    var validation: IntakeValidation

    /// ZMQ_MAXMSGSIZE for the socket: a memory guard, well above `maxMessageBytes` so that
    /// ordinary oversized frames arrive and are counted. A frame beyond it is never buffered:
    /// libzmq drops the connection (and reconnects), which the source's monitor logs.
    var connectionLimitBytes: Int { max(2 * maxMessageBytes, maxMessageBytes + (64 << 10)) }

    enum Verdict {
        case store(UnsafeRawBufferPointer, ioGroup: UInt8)
        case refuse(DropReason)
    }

    /// All frames of a multipart message (or of a single frame on a tagged source).
    func judge(_ frames: [UnsafeRawBufferPointer]) -> Verdict {
        if let g = ioGroup {
            guard frames.count == 1 else { return .refuse(frames.isEmpty ? .empty : .multipart) }
            return judge(payload: frames[0], ioGroup: g)
        }
        guard frames.count == 2, frames[0].count == 1 else { return .refuse(.badTag) }
        return judge(payload: frames[1], ioGroup: frames[0][0])
    }

    /// A single-frame message (the receiver's fast path on an untagged source).
    @inline(__always)
    func judge(single frame: UnsafeRawBufferPointer) -> Verdict {
        guard let g = ioGroup else { return judge([frame]) }
        return judge(payload: frame, ioGroup: g)
    }

    @inline(__always)
    private func judge(payload: UnsafeRawBufferPointer, ioGroup group: UInt8) -> Verdict {
        let n = payload.count
        if n == 0 { return .refuse(.empty) }
        if n > maxMessageBytes { return .refuse(.oversized) }
        if validation == .strict, case .failure(let defect) = PacmanMessage.check(payload) {
            return .refuse(Self.reason(defect))
        }
        return .store(payload, ioGroup: group)
    }

    static func reason(_ defect: PacmanDefect) -> DropReason {
        switch defect {
        case .empty: .empty
        case .tooShort: .tooShort
        case .unknownType: .unknownType
        case .lengthMismatch: .lengthMismatch
        case .unknownWordType, .wordNotAllowed: .badWord
        }
    }
}
