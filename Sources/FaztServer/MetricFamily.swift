import Foundation

/// One metric family of the Prometheus text exposition (version 0.0.4): a name, its type, help
/// text, and its samples.
///
/// Sources build families at scrape time; `PrometheusText` serializes them. Names follow the
/// Prometheus conventions: the `fazt_` prefix, base units as a suffix, `_total` on counters.
public struct MetricFamily: Sendable {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram, summary
    }

    /// One line of the family: `name<suffix>{labels} value`.
    public struct Sample: Sendable {
        /// Appended to the family name (`_bucket`, `_sum`, `_count`, or nothing).
        public var suffix: String
        public var labels: [(String, String)]
        public var value: Double

        public init(suffix: String = "", labels: [(String, String)] = [], value: Double) {
            self.suffix = suffix
            self.labels = labels
            self.value = value
        }
    }

    public let name: String
    public let kind: Kind
    public let help: String
    public var samples: [Sample]

    public init(_ name: String, _ kind: Kind, help: String, samples: [Sample] = []) {
        self.name = name
        self.kind = kind
        self.help = help
        self.samples = samples
    }

    /// A family with one unlabelled sample.
    public static func single(_ name: String, _ kind: Kind, help: String, value: Double) -> MetricFamily {
        MetricFamily(name, kind, help: help, samples: [Sample(value: value)])
    }

    /// A gauge or counter with one sample per label value.
    public static func labelled(
        _ name: String,
        _ kind: Kind,
        help: String,
        label: String,
        values: [(String, Double)]
    ) -> MetricFamily {
        MetricFamily(name, kind, help: help, samples: values.map { Sample(labels: [(label, $0.0)], value: $0.1) })
    }
}

/// Writes families in the Prometheus text format.
enum PrometheusText {
    /// The `Content-Type` of the text format.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func render(_ families: [MetricFamily]) -> String {
        String(decoding: renderBytes(families), as: UTF8.self)
    }

    /// The exposition as UTF-8 bytes (appended byte runs: ~10× faster than `String` appends for
    /// the 20,000 lines of 1,000 apps).
    static func renderBytes(_ families: [MetricFamily]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(families.reduce(0) { $0 + 128 + $1.samples.count * 64 })
        for family in families {
            append("# HELP ", to: &out)
            append(family.name, to: &out)
            out.append(space)
            append(escapeHelp(family.help), to: &out)
            append("\n# TYPE ", to: &out)
            append(family.name, to: &out)
            out.append(space)
            append(family.kind.rawValue, to: &out)
            out.append(newline)
            for sample in family.samples {
                append(family.name, to: &out)
                append(sample.suffix, to: &out)
                if !sample.labels.isEmpty {
                    out.append(UInt8(ascii: "{"))
                    var first = true
                    for (name, value) in sample.labels {
                        if !first { out.append(UInt8(ascii: ",")) }
                        first = false
                        append(name, to: &out)
                        append("=\"", to: &out)
                        append(escapeLabel(value), to: &out)
                        out.append(UInt8(ascii: "\""))
                    }
                    out.append(UInt8(ascii: "}"))
                }
                out.append(space)
                appendValue(sample.value, to: &out)
                out.append(newline)
            }
        }
        return out
    }

    /// Appends a string's UTF-8 bytes in one copy.
    @inline(__always)
    private static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    private static let space = UInt8(ascii: " ")
    private static let newline = UInt8(ascii: "\n")

    /// Whole numbers (counts, the common case) in decimal digits without a detour through `String`.
    private static func appendValue(_ value: Double, to out: inout [UInt8]) {
        guard value >= 0, value < 1e15, value == value.rounded(.towardZero) else {
            out.append(contentsOf: format(value).utf8)
            return
        }
        var number = UInt64(value)
        let start = out.count
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(number % 10))
            number /= 10
        } while number > 0
        out[start...].reverse()
    }

    /// A sample value: integers without a fraction, `+Inf`/`-Inf`/`NaN` as the format spells them.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// Label values escape backslash, double quote and line feed.
    static func escapeLabel(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return value }
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// Help text escapes backslash and line feed.
    static func escapeHelp(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
