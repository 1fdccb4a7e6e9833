import ZMQ

/// Where a receiver puts each stored payload. Small ones are copied into slabs (MessageSlab):
/// libzmq hands them out of its shared 8 KiB receive buffers, which a kept frame would pin.
/// From `holdFrom` bytes on, a frame (which has an allocation of its own) is kept as it is
/// (ZMQFrameBlock): no copy, HDF5's `hvl_t` points at ZeroMQ's buffer.
struct PayloadStore {
    /// The size from which frames are kept instead of copied. It must be above libzmq's receive
    /// buffer (`in_batch_size`, 8 KiB). Keeping a frame saves the receiver its copy but costs
    /// ZeroMQ's I/O thread more: the next frame lands in fresh memory, not in the buffer just
    /// freed. Daemon CPU per message, keep vs copy: 8 KiB +26 %, 16 KiB +6 %, 64 KiB -7 %
    /// (receiver -52 %), 256 KiB +2 % (BENCHMARKS.md, "Large messages without the slab copy").
    static let holdFrom = 64 << 10
    /// Frames per block: one allocation per this many kept frames.
    static let blockFrames = 64
    /// A block is not added to once it holds this much: what it keeps after its first batches
    /// were flushed (no longer in the budget) is bounded as a slab's unused part is.
    static let blockBytes = MessageSlab.sharedCapacity

    /// Where the payload's frame is: the receive frame (single-frame path) or a message of its own.
    enum Origin {
        case frame(ZMQReceiveFrame)
        case message(ZMQMessage)
    }

    private var slabs = SlabAllocator()
    private var block: ZMQFrameBlock?

    /// The payload where it is stored; what keeps it there is added to `burst`'s owners when
    /// the burst does not keep it yet (for a slab: only when the copy went to another slab than
    /// the burst last saw, so no reference is taken per message).
    @inline(__always)
    mutating func store(_ payload: UnsafeRawBufferPointer, from origin: Origin, for burst: inout ReceivedBurst) -> UnsafeRawBufferPointer {
        guard payload.count >= Self.holdFrom else {
            let copy = slabs.copy(payload)
            if _slowPath(burst.slabGeneration != slabs.generation) {
                burst.keep(slabs.last)
                burst.slabGeneration = slabs.generation
            }
            return copy
        }
        let (kept, owner) = hold(payload, from: origin)
        burst.keep(owner)
        return kept
    }

    /// Keeps a large payload's frame in a block.
    private mutating func hold(_ payload: UnsafeRawBufferPointer, from origin: Origin) -> (UnsafeRawBufferPointer, ZMQFrameBlock) {
        let b = block ?? ZMQFrameBlock.make(capacity: Self.blockFrames)
        let kept: UnsafeRawBufferPointer?
        switch origin {
        case .frame(let f): kept = b.hold(f)
        case .message(let m): kept = b.hold(m)
        }
        // The block is never full here: a full one is let go below.
        assert(kept?.baseAddress == payload.baseAddress && kept?.count == payload.count, "kept a frame that is not the payload's")
        block = b.isFull || b.bytes >= Self.blockBytes ? nil : b
        return (kept!, b)
    }
}
