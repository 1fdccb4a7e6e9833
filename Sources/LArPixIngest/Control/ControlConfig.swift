/// The `control:` section: where the control server listens and what a request must carry.
public struct ControlConfig: Sendable, Equatable {
    /// nil: the built-in default (`ControlEndpoint.builtInDefault`); "" turns the server off.
    public var listen: String?
    /// A file holding a shared secret that every request must carry as "token"; required for a
    /// non-loopback tcp endpoint.
    public var tokenFile = ""

    public init() {}
}
