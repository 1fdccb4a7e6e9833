import ZMQ

/// What keeps stored payload bytes in place for the batches that point at them: a slab of
/// copies (MessageSlab), or ZeroMQ's own frames, kept (ZMQFrameBlock). A burst and a batch keep
/// their owners; the bytes are freed when the receiver has moved on and the last batch is gone.
/// Not Sendable: an owner crosses to the writer only inside a Batch (see there).
protocol PayloadOwner: AnyObject {}

extension MessageSlab: PayloadOwner {}
extension ZMQFrameBlock: PayloadOwner {}
