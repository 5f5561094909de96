// Presets: per-system settings. `parsing` are the LogHub benchmark settings of logparser's Drain
// (log format, masks as <*>, depth, similarity) that `zl-train parse --preset` uses; for the four
// systems zl-train can learn on, `detection` adds the settings of the reference anomaly-detection
// pipeline (REFERENCE-NOTES.md §1): its masks, Drain depth and threshold, session rule and labels.

import ZLFormat

/// How the labels of a system's sessions are known.
public enum LabelSource: String, Sendable {
  /// A `BlockId,Label` CSV (HDFS, and OpenStack-style `instance: <uuid>` keys).
  case labelFile = "label-file"
  /// The first field of each line: `-` normal, anything else an alert (BGL, Thunderbird).
  case inlineAlert = "inline-alert"
  /// No labels.
  case none
}

public struct LogPreset: Sendable {
  public let name: String
  public let parsing: ParserSettings
  /// Settings for anomaly detection (nil: the system has no labelled sessions in our data).
  public let detection: ParserSettings?
  public let sessionRule: SessionRule?
  public let labels: LabelSource
  /// The field holding the inline label (inlineAlert).
  public let labelField: String?
  /// The field naming the node (node-window sessions).
  public let nodeField: String?
  /// The field holding the line's level (severity), nil when the format has none.
  public var levelField: String? = nil
}

/// Masks of the reference pipeline (REFERENCE-NOTES.md §1.1: MetaLog conf BGL.ini/HDFS.ini, rebuilt
/// from that description in Drain3's bounded style), named as there and written `[NAME]`.
public let referenceMasks: [MaskRule] = {
  let b = "((?<=[^A-Za-z0-9])|^)", e = "((?=[^A-Za-z0-9])|$)"
  let octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
  let ip = "\(octet)(\\.\(octet)){3}"
  return [
    MaskRule(name: "ID", pattern: "blk_(|-)[0-9]+"),
    MaskRule(name: "IPANDPORT", pattern: "\(b)(\(ip):[0-9]{1,5})\(e)"),
    MaskRule(name: "IP", pattern: "\(b)(\(ip))\(e)"),
    MaskRule(name: "SEQ", pattern: "\(b)([0-9a-f]{6,} ?){3,}\(e)"),
    MaskRule(name: "SEQ", pattern: "\(b)([0-9A-F]{4} ?){4,}\(e)"),
    MaskRule(name: "HEX", pattern: "\(b)(0x[a-f0-9A-F]+)\(e)"),
    MaskRule(name: "NUM", pattern: "\(b)([\\-\\+]?\\d+)\(e)"),
    MaskRule(name: "CMD", pattern: "(?<=executed cmd )(\".+?\")"),
  ]
}()

func benchmark(_ format: String, _ regexes: [String], sim: Double, depth: Int) -> ParserSettings {
  ParserSettings(logFormat: format, masks: regexes.map { MaskRule(name: "*", pattern: $0) }, maskPrefix: "<", maskSuffix: ">",
                 drain: DrainConfig(depth: depth, similarityThreshold: sim, maxChildren: 100, maxClusters: 0))
}

func detection(_ format: String, depth: Int, sim: Double) -> ParserSettings {
  ParserSettings(logFormat: format, masks: referenceMasks, maskPrefix: "[", maskSuffix: "]",
                 drain: DrainConfig(depth: depth, similarityThreshold: sim, maxChildren: 100, maxClusters: 0))
}

public enum LogPresets {
  static let hdfsFormat = "<Date> <Time> <Pid> <Level> <Component>: <Content>"
  static let bglFormat = "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>"
  static let tbirdFormat = "<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> <Component>(\\[<PID>\\])?: <Content>"
  static let openstackFormat = "<Logrecord> <Date> <Time> <Pid> <Level> <Component> \\[<ADDR>\\] <Content>"

  /// Every preset, by lower-case name.
  public static let all: [LogPreset] = [
    LogPreset(name: "hdfs", parsing: benchmark(hdfsFormat, ["blk_-?\\d+", "(\\d+\\.){3}\\d+(:\\d+)?"], sim: 0.5, depth: 4),
              detection: detection(hdfsFormat, depth: 4, sim: 0.5), sessionRule: .block, labels: .labelFile,
              labelField: nil, nodeField: nil, levelField: "Level"),
    LogPreset(name: "bgl", parsing: benchmark(bglFormat, ["core\\.\\d+"], sim: 0.5, depth: 4),
              detection: detection(bglFormat, depth: 3, sim: 0.1), sessionRule: .window(20), labels: .inlineAlert,
              labelField: "Label", nodeField: "Node", levelField: "Level"),
    LogPreset(name: "thunderbird", parsing: benchmark(tbirdFormat, ["(\\d+\\.){3}\\d+"], sim: 0.5, depth: 4),
              detection: detection(tbirdFormat, depth: 3, sim: 0.1), sessionRule: .window(20), labels: .inlineAlert,
              labelField: "Label", nodeField: "User"),
    LogPreset(name: "openstack", parsing: benchmark(openstackFormat, ["((\\d+\\.){3}\\d+,?)+", "/.+?\\s", "\\d+"], sim: 0.5, depth: 5),
              detection: detection(openstackFormat, depth: 4, sim: 0.4), sessionRule: .instance, labels: .labelFile,
              labelField: nil, nodeField: nil, levelField: "Level"),
    other("hadoop", "<Date> <Time> <Level> \\[<Process>\\] <Component>: <Content>", ["(\\d+\\.){3}\\d+"], 0.5, 4),
    other("spark", "<Date> <Time> <Level> <Component>: <Content>", ["(\\d+\\.){3}\\d+", "\\b[KGTM]?B\\b", "([\\w-]+\\.){2,}[\\w-]+"], 0.5, 4),
    other("zookeeper", "<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>", ["(/|)(\\d+\\.){3}\\d+(:\\d+)?"], 0.5, 4),
    other("hpc", "<LogId> <Node> <Component> <State> <Time> <Flag> <Content>", ["=\\d+"], 0.5, 4),
    other("windows", "<Date> <Time>, <Level>                  <Component>    <Content>", ["0x.*?\\s"], 0.7, 5),
    other("linux", "<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>", ["(\\d+\\.){3}\\d+", "\\d{2}:\\d{2}:\\d{2}"], 0.39, 6),
    other("android", "<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>",
          ["(/[\\w-]+)+", "([\\w-]+\\.){2,}[\\w-]+", "\\b(\\-?\\+?\\d+)\\b|\\b0[Xx][a-fA-F\\d]+\\b|\\b[a-fA-F\\d]{4,}\\b"], 0.2, 6),
    other("healthapp", "<Time>\\|<Component>\\|<Pid>\\|<Content>", [], 0.2, 4),
    other("apache", "\\[<Time>\\] \\[<Level>\\] <Content>", ["(\\d+\\.){3}\\d+"], 0.5, 4),
    other("proxifier", "\\[<Time>\\] <Program> - <Content>", ["<\\d+\\ssec", "([\\w-]+\\.)+[\\w-]+(:\\d+)?", "\\d{2}:\\d{2}(:\\d{2})*", "[KGTM]B"], 0.6, 3),
    other("openssh", "<Date> <Day> <Time> <Component> sshd\\[<Pid>\\]: <Content>", ["(\\d+\\.){3}\\d+", "([\\w-]+\\.){2,}[\\w-]+"], 0.6, 5),
    other("mac", "<Month>  <Date> <Time> <User> <Component>\\[<PID>\\]( \\(<Address>\\))?: <Content>", ["([\\w-]+\\.){2,}[\\w-]+"], 0.7, 6),
  ]

  /// A preset for parsing only. Its `<Level>` field is the level field, except where LogHub's format
  /// names something else so (Linux: the host name).
  static func other(_ name: String, _ format: String, _ regexes: [String], _ sim: Double, _ depth: Int) -> LogPreset {
    LogPreset(name: name, parsing: benchmark(format, regexes, sim: sim, depth: depth), detection: nil, sessionRule: nil,
              labels: .none, labelField: nil, nodeField: nil,
              levelField: format.contains("<Level>") && name != "linux" ? "Level" : nil)
  }

  /// The preset named `name` (case-insensitive), or nil.
  public static func named(_ name: String) -> LogPreset? {
    let n = name.lowercased()
    return all.first { $0.name == n }
  }

  public static var names: [String] { all.map { $0.name } }
}
