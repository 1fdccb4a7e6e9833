import Yams

/// `catalog:` — the site's fields of each file's DUNE catalog record (the sidecar FILE.h5.json):
/// namespace, run type, application and retention. Defaults are the 2x2's (crs_daq's values),
/// with larpix-rawd as the application.
public struct CatalogConfig: Sendable, Equatable {
    public var namespace = "neardet-2x2-lar-charge"
    public var runType = "neardet-2x2-lar-charge"
    public var applicationFamily = "larpix"
    public var applicationName = "larpix-rawd"
    /// "" = the daemon's version.
    public var applicationVersion = ""
    public var fileType = "detector"
    /// core.data_stream of a file written outside any run.
    public var dataStream = "commissioning"
    public var retentionClass = "rawdata"
    public var retentionStatus = "active"

    public init() {}

    /// The section's keys and the fields they set, in the order the effective config prints them.
    /// (A computed list: key paths are not Sendable, so no stored static.)
    static var fields: [(key: String, path: WritableKeyPath<CatalogConfig, String>)] {
        [("namespace", \.namespace), ("run_type", \.runType), ("application_family", \.applicationFamily),
         ("application_name", \.applicationName), ("application_version", \.applicationVersion),
         ("file_type", \.fileType), ("data_stream", \.dataStream), ("retention_class", \.retentionClass),
         ("retention_status", \.retentionStatus)]
    }

    /// Reads the section: each value a non-empty string (application_version may be empty).
    static func read(_ n: Node, _ r: ConfigReader) throws(ConfigError) -> CatalogConfig {
        let m = try r.mapping(n, "catalog", known: fields.map(\.key))
        var c = CatalogConfig()
        for (key, path) in fields {
            guard let v = m[key] else { continue }
            let s = try r.string(v, "catalog.\(key)")
            if s.isEmpty && key != "application_version" { throw r.error("catalog.\(key)", "is empty") }
            c[keyPath: path] = s
        }
        if let p = RunValues.dataStreamProblem(c.dataStream) { throw r.error("catalog.data_stream", p) }
        return c
    }

    /// The section as the effective configuration prints it.
    func yaml(_ q: (String) -> String) -> String {
        "catalog:\n" + Self.fields.map { "  \($0.key): \(q(self[keyPath: $0.path]))\n" }.joined()
    }
}
