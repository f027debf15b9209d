/// A PostgreSQL type, by its OID, as a result column reports it or a parameter declares it.
public struct PostgresDataType: Sendable, Hashable, CustomStringConvertible {
    public let oid: UInt32

    public init(_ oid: UInt32) { self.oid = oid }

    /// Lets the server infer the type from where the parameter stands (text, varchar, enum columns).
    public static let unspecified = PostgresDataType(0)
    public static let bool = PostgresDataType(16)
    public static let name = PostgresDataType(19)
    public static let int8 = PostgresDataType(20)
    public static let int2 = PostgresDataType(21)
    public static let int4 = PostgresDataType(23)
    public static let text = PostgresDataType(25)
    public static let oidType = PostgresDataType(26)
    public static let json = PostgresDataType(114)
    public static let float4 = PostgresDataType(700)
    public static let float8 = PostgresDataType(701)
    public static let unknown = PostgresDataType(705)
    public static let bpchar = PostgresDataType(1042)
    public static let varchar = PostgresDataType(1043)
    public static let date = PostgresDataType(1082)
    public static let time = PostgresDataType(1083)
    public static let timestamp = PostgresDataType(1114)
    public static let timestamptz = PostgresDataType(1184)
    public static let numeric = PostgresDataType(1700)
    public static let uuid = PostgresDataType(2950)
    public static let jsonb = PostgresDataType(3802)
    public static let textArray = PostgresDataType(1009)
    public static let varcharArray = PostgresDataType(1015)
    public static let bpcharArray = PostgresDataType(1014)
    public static let nameArray = PostgresDataType(1003)

    /// Types created in the database itself (enums, domains, composites) get OIDs from here on.
    static let firstUserDefinedOID: UInt32 = 16384

    /// Whether the database defined this type itself, as it does for enum types.
    public var isUserDefined: Bool { oid >= PostgresDataType.firstUserDefinedOID }

    static let names: [UInt32: String] = [
        0: "unspecified", 16: "boolean", 18: "char", 19: "name", 20: "bigint", 21: "smallint", 23: "integer",
        25: "text", 26: "oid", 114: "json", 700: "real", 701: "double precision", 705: "unknown",
        1042: "character", 1043: "character varying", 1082: "date", 1083: "time",
        1114: "timestamp without time zone", 1184: "timestamp with time zone", 1700: "numeric", 2950: "uuid",
        3802: "jsonb", 1009: "text[]", 1015: "character varying[]", 1014: "character[]", 1003: "name[]",
        17: "bytea", 1186: "interval", 1000: "boolean[]", 1007: "integer[]", 1016: "bigint[]", 2951: "uuid[]",
    ]

    public var description: String {
        if let name = PostgresDataType.names[oid] { return name }
        return isUserDefined ? "a user-defined type (oid \(oid))" : "type oid \(oid)"
    }
}
