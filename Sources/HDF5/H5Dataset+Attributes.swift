extension H5Dataset {
    /// The dataset's attributes (larpix-control's `packets@packet_types`); they keep it open.
    public var attributes: H5Attributes { H5Attributes(objectID: id, path: path, owner: self) }
}
