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
        var out = ""
        out.reserveCapacity(families.count * 256)
        for family in families {
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                out += family.name
                out += sample.suffix
                if !sample.labels.isEmpty {
                    out += "{"
                    for (index, (name, value)) in sample.labels.enumerated() {
                        if index > 0 { out += "," }
                        out += name
                        out += "=\""
                        out += escapeLabel(value)
                        out += "\""
                    }
                    out += "}"
                }
                out += " "
                out += format(sample.value)
                out += "\n"
            }
        }
        return out
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
