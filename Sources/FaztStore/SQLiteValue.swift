/// A value that can be bound to a statement parameter or read from a column.
public enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLiteValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension SQLiteValue {
    /// An integer value from any `BinaryInteger`.
    public static func int(_ value: some BinaryInteger) -> SQLiteValue { .integer(Int64(value)) }

    /// A text value, or NULL when `value` is nil.
    public static func optionalText(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }

    /// An integer value, or NULL when `value` is nil.
    public static func optionalInt(_ value: Int?) -> SQLiteValue { value.map { .integer(Int64($0)) } ?? .null }
}

extension Row {
    /// Column `index` as the value it holds, whatever its storage class.
    public func value(_ index: Int32) -> SQLiteValue {
        switch type(index) {
        case .null: return .null
        case .integer: return .integer(int64(index))
        case .real: return .real(double(index))
        case .text: return .text(string(index))
        case .blob: return .blob(bytes(index))
        }
    }
}
