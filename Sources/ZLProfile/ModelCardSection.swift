// ModelCard: the CARD section (zlck-v1.md §8.12) — a short account of a model that travels with it:
// what it is and how it decides, the systems and the files it was trained on (by digest), its
// sessions and settings, its held-out figures with their intervals beside the label-free baselines,
// and its known limits. Ancillary and safe to copy: scorers never read it, rewriting tools keep it.
// Three forms, each checked when read: the record (§7.1), JSON (`zl-pack card --json`, the same
// facts as nested members; reading it back gives the same record) and Markdown with front matter in
// the style of Hugging Face model cards (`zl-pack card`).

import ZLBase
import ZLFormat

public struct ModelCard: Equatable, Sendable {
  public struct DataFile: Equatable, Sendable {
    /// source, target, source.labels or target.labels (a role may hold several files).
    public var role: String
    /// The file's base name (no directory: a card is shared).
    public var file: String
    public var sha256: String
    public var lines: UInt64
    public init(role: String, file: String, sha256: String, lines: UInt64) {
      self.role = role; self.file = file; self.sha256 = sha256; self.lines = lines
    }
  }

  /// A figure over the held-out splits: mean, sd and the 95 % interval of the mean.
  public struct Figure: Equatable, Sendable {
    public var name: String
    public var mean, sd, low, high: Double
    public init(name: String, mean: Double, sd: Double, low: Double, high: Double) {
      self.name = name; self.mean = mean; self.sd = sd; self.low = low; self.high = high
    }
  }

  public struct Baseline: Equatable, Sendable {
    public var name: String
    public var f1Mean, f1SD: Double
    /// nil when the held-out sessions did not allow it (one label only).
    public var rocAUCMean: Double?
    public init(name: String, f1Mean: Double, f1SD: Double, rocAUCMean: Double?) {
      self.name = name; self.f1Mean = f1Mean; self.f1SD = f1SD; self.rocAUCMean = rocAUCMean
    }
  }

  public var name: String
  public var method: String
  public var methodSummary: String
  public var architecture: String
  public var intendedUse: String
  public var threshold: Double
  public var thresholdMethod: String
  public var sourceSystem: String?
  public var targetSystem: String
  public var data: [DataFile]
  public var targetSessions: UInt64
  public var targetSessionsUsed: UInt64
  public var heldOutSessions: UInt64
  public var adaptationSessions: UInt64
  /// Present when a source system was used.
  public var sourceSessions: UInt64?
  public var sourceSessionsUsed: UInt64?
  public var settings: [(key: String, value: String)]
  /// Splits behind the figures (0: none measured, the target had no labels).
  public var splits: UInt64
  public var figures: [Figure]
  public var baselines: [Baseline]
  /// Baselines that could not be scored, with the reason.
  public var missingBaselines: [(name: String, reason: String)]
  public var limits: [String]
  public var toolName: String
  public var toolVersion: String
  public var toolCommit: String?

  public init(name: String, method: String, methodSummary: String, architecture: String, intendedUse: String,
              threshold: Double, thresholdMethod: String, sourceSystem: String?, targetSystem: String, data: [DataFile],
              targetSessions: UInt64, targetSessionsUsed: UInt64, heldOutSessions: UInt64, adaptationSessions: UInt64,
              sourceSessions: UInt64?, sourceSessionsUsed: UInt64?, settings: [(key: String, value: String)],
              splits: UInt64, figures: [Figure], baselines: [Baseline], missingBaselines: [(name: String, reason: String)],
              limits: [String], toolName: String, toolVersion: String, toolCommit: String?) {
    self.name = name; self.method = method; self.methodSummary = methodSummary; self.architecture = architecture
    self.intendedUse = intendedUse; self.threshold = threshold; self.thresholdMethod = thresholdMethod
    self.sourceSystem = sourceSystem; self.targetSystem = targetSystem; self.data = data
    self.targetSessions = targetSessions; self.targetSessionsUsed = targetSessionsUsed; self.heldOutSessions = heldOutSessions
    self.adaptationSessions = adaptationSessions; self.sourceSessions = sourceSessions; self.sourceSessionsUsed = sourceSessionsUsed
    self.settings = settings; self.splits = splits; self.figures = figures; self.baselines = baselines
    self.missingBaselines = missingBaselines; self.limits = limits
    self.toolName = toolName; self.toolVersion = toolVersion; self.toolCommit = toolCommit
  }

  public static func == (a: ModelCard, b: ModelCard) -> Bool { a.record == b.record }

  // MARK: - The record (§8.12)

  public var record: Record {
    var p: [(String, Value)] = [
      ("model.name", .string(name)), ("model.method", .string(method)), ("model.method_summary", .string(methodSummary)),
      ("model.architecture", .string(architecture)), ("model.intended_use", .string(intendedUse)),
      ("model.threshold", .double(threshold)), ("model.threshold_method", .string(thresholdMethod)),
      ("systems.target", .string(targetSystem)),
      ("data.roles", .strings(data.map(\.role))), ("data.files", .strings(data.map(\.file))),
      ("data.sha256", .strings(data.map(\.sha256))), ("data.lines", .uints(data.map(\.lines))),
      ("sessions.target_total", .uint(targetSessions)), ("sessions.target_used", .uint(targetSessionsUsed)),
      ("sessions.held_out", .uint(heldOutSessions)), ("sessions.adaptation", .uint(adaptationSessions)),
      ("settings.keys", .strings(settings.map(\.key))), ("settings.values", .strings(settings.map(\.value))),
      ("metrics.splits", .uint(splits)),
      ("limits", .strings(limits)), ("tool.name", .string(toolName)), ("tool.version", .string(toolVersion)),
    ]
    if let s = sourceSystem { p.append(("systems.source", .string(s))) }
    if let s = sourceSessions { p.append(("sessions.source_total", .uint(s))) }
    if let s = sourceSessionsUsed { p.append(("sessions.source_used", .uint(s))) }
    if let c = toolCommit { p.append(("tool.commit", .string(c))) }
    if splits > 0 {
      p += [("metrics.names", .strings(figures.map(\.name))), ("metrics.mean", .doubles(figures.map(\.mean))),
            ("metrics.sd", .doubles(figures.map(\.sd))), ("metrics.ci95_low", .doubles(figures.map(\.low))),
            ("metrics.ci95_high", .doubles(figures.map(\.high))),
            ("baselines.names", .strings(baselines.map(\.name))), ("baselines.f1_mean", .doubles(baselines.map(\.f1Mean))),
            ("baselines.f1_sd", .doubles(baselines.map(\.f1SD))),
            ("baselines.roc_auc_mean", .doubles(baselines.map { $0.rocAUCMean ?? -1 })),
            ("baselines.missing_names", .strings(missingBaselines.map(\.name))),
            ("baselines.missing_reasons", .strings(missingBaselines.map(\.reason)))]
    }
    return Record(p)
  }

  /// Validates a decoded CARD record (§8.12, keys in the listed order).
  public init(record: Record) throws {
    let f = RecordFields(record: record, section: "section CARD")
    func text(_ key: String) throws -> String {
      let s = try f.string(key)
      if s.isEmpty { throw f.bad(key, "is empty (a card has no empty field)") }
      return s
    }
    func optionalText(_ key: String) throws -> String? { record[key] == nil ? nil : try text(key) }
    func finite(_ key: String, _ v: [Double], _ range: ClosedRange<Double>) throws {
      if let bad = v.first(where: { !$0.isFinite || !range.contains($0) }) { throw f.bad(key, "holds \(bad), outside \(range.lowerBound)…\(range.upperBound)") }
    }
    name = try text("model.name")
    method = try text("model.method")
    methodSummary = try text("model.method_summary")
    architecture = try text("model.architecture")
    intendedUse = try text("model.intended_use")
    threshold = try f.double("model.threshold")
    if !threshold.isFinite { throw f.bad("model.threshold", "is not a finite number") }
    thresholdMethod = try text("model.threshold_method")
    sourceSystem = try optionalText("systems.source")
    targetSystem = try text("systems.target")
    let roles = try f.strings("data.roles"), files = try f.strings("data.files"), digests = try f.strings("data.sha256"), lines = try f.uints("data.lines")
    try f.sameLength("data.files", files.count, as: "data.roles", roles.count)
    try f.sameLength("data.sha256", digests.count, as: "data.roles", roles.count)
    try f.sameLength("data.lines", lines.count, as: "data.roles", roles.count)
    if roles.isEmpty { throw f.bad("data.roles", "is empty (a card names the files the model was trained on)") }
    if let d = digests.first(where: { $0.utf8.count != 64 || !$0.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) } }) {
      throw f.bad("data.sha256", "holds '\(d.prefix(80))', not 64 lower-case hex digits")
    }
    if roles.contains(where: \.isEmpty) || files.contains(where: \.isEmpty) { throw f.bad("data.files", "holds an empty role or file name") }
    data = (0..<roles.count).map { DataFile(role: roles[$0], file: files[$0], sha256: digests[$0], lines: lines[$0]) }
    targetSessions = try f.uint("sessions.target_total")
    targetSessionsUsed = try f.uint("sessions.target_used")
    heldOutSessions = try f.uint("sessions.held_out")
    adaptationSessions = try f.uint("sessions.adaptation")
    sourceSessions = record["sessions.source_total"] == nil ? nil : try f.uint("sessions.source_total")
    sourceSessionsUsed = record["sessions.source_used"] == nil ? nil : try f.uint("sessions.source_used")
    let keys = try f.strings("settings.keys"), values = try f.strings("settings.values")
    try f.sameLength("settings.values", values.count, as: "settings.keys", keys.count)
    if keys.contains(where: \.isEmpty) || values.contains(where: \.isEmpty) { throw f.bad("settings.keys", "holds an empty key or value") }
    settings = zip(keys, values).map { ($0, $1) }
    splits = try f.uint("metrics.splits")
    figures = []; baselines = []; missingBaselines = []
    if splits > 0 {
      let names = try f.strings("metrics.names"), mean = try f.doubles("metrics.mean"), sd = try f.doubles("metrics.sd")
      let low = try f.doubles("metrics.ci95_low"), high = try f.doubles("metrics.ci95_high")
      for (k, c) in [("metrics.mean", mean.count), ("metrics.sd", sd.count), ("metrics.ci95_low", low.count), ("metrics.ci95_high", high.count)] {
        try f.sameLength(k, c, as: "metrics.names", names.count)
      }
      try finite("metrics.mean", mean, 0...100); try finite("metrics.sd", sd, 0...100)
      try finite("metrics.ci95_low", low, 0...100); try finite("metrics.ci95_high", high, 0...100)
      figures = (0..<names.count).map { Figure(name: names[$0], mean: mean[$0], sd: sd[$0], low: low[$0], high: high[$0]) }
      let bn = try f.strings("baselines.names"), bf = try f.doubles("baselines.f1_mean"), bs = try f.doubles("baselines.f1_sd")
      let ba = try f.doubles("baselines.roc_auc_mean")
      try f.sameLength("baselines.f1_mean", bf.count, as: "baselines.names", bn.count)
      try f.sameLength("baselines.f1_sd", bs.count, as: "baselines.names", bn.count)
      try f.sameLength("baselines.roc_auc_mean", ba.count, as: "baselines.names", bn.count)
      try finite("baselines.f1_mean", bf, 0...100); try finite("baselines.f1_sd", bs, 0...100); try finite("baselines.roc_auc_mean", ba, -1...1)
      baselines = (0..<bn.count).map { Baseline(name: bn[$0], f1Mean: bf[$0], f1SD: bs[$0], rocAUCMean: ba[$0] < 0 ? nil : ba[$0]) }
      let mn = try f.strings("baselines.missing_names"), mr = try f.strings("baselines.missing_reasons")
      try f.sameLength("baselines.missing_reasons", mr.count, as: "baselines.missing_names", mn.count)
      missingBaselines = zip(mn, mr).map { ($0, $1) }
    }
    limits = try f.strings("limits")
    if limits.isEmpty || limits.contains(where: \.isEmpty) { throw f.bad("limits", "is empty or holds an empty line (every card states its limits)") }
    toolName = try text("tool.name")
    toolVersion = try text("tool.version")
    toolCommit = try optionalText("tool.commit")
  }

  // MARK: - JSON (zl-pack card --json)

  public static let schema = "zl-card/1"

  public var json: JSON {
    func n(_ x: Double) -> JSON { .number(x) }
    var metrics: JSON = .null
    if splits > 0 {
      metrics = .object([
        ("splits", .integer(Int64(splits))),
        ("held_out", .object(figures.map { ($0.name, .object([("mean", n($0.mean)), ("sd", n($0.sd)), ("ci95", .array([n($0.low), n($0.high)]))])) })),
        ("baselines", .object(baselines.map {
          ($0.name, .object([("f1_mean", n($0.f1Mean)), ("f1_sd", n($0.f1SD)), ("roc_auc_mean", $0.rocAUCMean.map(n) ?? .null)]))
        } + missingBaselines.map { ($0.name, .object([("missing", .string($0.reason))])) })),
      ])
    }
    var sessions: [(String, JSON)] = [("target_total", .integer(Int64(targetSessions))), ("target_used", .integer(Int64(targetSessionsUsed))),
                                      ("held_out", .integer(Int64(heldOutSessions))), ("adaptation", .integer(Int64(adaptationSessions)))]
    if let s = sourceSessions { sessions.append(("source_total", .integer(Int64(s)))) }
    if let s = sourceSessionsUsed { sessions.append(("source_used", .integer(Int64(s)))) }
    return .object([
      ("schema", .string(Self.schema)),
      ("name", .string(name)), ("method", .string(method)), ("method_summary", .string(methodSummary)),
      ("architecture", .string(architecture)), ("intended_use", .string(intendedUse)),
      ("threshold", .object([("value", n(threshold)), ("method", .string(thresholdMethod))])),
      ("systems", .object([("source", sourceSystem.map { .string($0) } ?? .null), ("target", .string(targetSystem))])),
      ("data", .array(data.map { .object([("role", .string($0.role)), ("file", .string($0.file)), ("sha256", .string($0.sha256)),
                                          ("lines", .integer(Int64($0.lines)))]) })),
      ("sessions", .object(sessions)),
      ("settings", .object(settings.map { ($0.key, .string($0.value)) })),
      ("metrics", metrics),
      ("limits", .array(limits.map { .string($0) })),
      ("tool", .object([("name", .string(toolName)), ("version", .string(toolVersion)), ("commit", toolCommit.map { .string($0) } ?? .null)])),
    ])
  }

  /// Reads the JSON form back (a card edited by hand, then stored with `zl-pack card --set`); the
  /// result passes the record's checks too.
  /// - Throws: `CardError` naming the member.
  public init(json j: JSON) throws {
    func bad(_ what: String) -> CardError { CardError(what) }
    guard j.objectValue != nil else { throw bad("the card is not a JSON object") }
    guard j["schema"]?.stringValue == Self.schema else { throw bad("member 'schema' is not '\(Self.schema)'") }
    func str(_ v: JSON?, _ name: String) throws -> String {
      guard let s = v?.stringValue else { throw bad("member '\(name)' is missing or not a string") }
      return s
    }
    func optStr(_ v: JSON?, _ name: String) throws -> String? { v == nil || v == .null ? nil : try str(v, name) }
    func num(_ v: JSON?, _ name: String) throws -> Double {
      guard let d = v?.doubleValue, d.isFinite else { throw bad("member '\(name)' is missing or not a finite number") }
      return d
    }
    func count(_ v: JSON?, _ name: String) throws -> UInt64 {
      guard let i = v?.integerValue, i >= 0 else { throw bad("member '\(name)' is missing or not a whole number ≥ 0") }
      return UInt64(i)
    }
    func optCount(_ v: JSON?, _ name: String) throws -> UInt64? { v == nil || v == .null ? nil : try count(v, name) }
    guard let data = j["data"]?.arrayValue else { throw bad("member 'data' is missing or not an array") }
    guard let settings = j["settings"]?.objectValue else { throw bad("member 'settings' is missing or not an object") }
    guard let limits = j["limits"]?.arrayValue else { throw bad("member 'limits' is missing or not an array") }
    let s = j["sessions"], m = j["metrics"]
    var figures: [Figure] = [], baselines: [Baseline] = [], missing: [(String, String)] = []
    var splits: UInt64 = 0
    if let m, m != .null {
      splits = try count(m["splits"], "metrics.splits")
      guard let held = m["held_out"]?.objectValue else { throw bad("member 'metrics.held_out' is missing or not an object") }
      figures = try held.map { name, v in
        guard let ci = v["ci95"]?.arrayValue, ci.count == 2 else { throw bad("member 'metrics.held_out.\(name).ci95' is not [low, high]") }
        return Figure(name: name, mean: try num(v["mean"], "metrics.held_out.\(name).mean"), sd: try num(v["sd"], "metrics.held_out.\(name).sd"),
                      low: try num(ci[0], "metrics.held_out.\(name).ci95"), high: try num(ci[1], "metrics.held_out.\(name).ci95"))
      }
      for (name, v) in m["baselines"]?.objectValue ?? [] {
        if let why = v["missing"] { missing.append((name, try str(why, "metrics.baselines.\(name).missing"))); continue }
        let auc = v["roc_auc_mean"]
        baselines.append(Baseline(name: name, f1Mean: try num(v["f1_mean"], "metrics.baselines.\(name).f1_mean"),
                                  f1SD: try num(v["f1_sd"], "metrics.baselines.\(name).f1_sd"),
                                  rocAUCMean: auc == nil || auc == .null ? nil : try num(auc, "metrics.baselines.\(name).roc_auc_mean")))
      }
    }
    self.init(
      name: try str(j["name"], "name"), method: try str(j["method"], "method"), methodSummary: try str(j["method_summary"], "method_summary"),
      architecture: try str(j["architecture"], "architecture"), intendedUse: try str(j["intended_use"], "intended_use"),
      threshold: try num(j["threshold"]?["value"], "threshold.value"), thresholdMethod: try str(j["threshold"]?["method"], "threshold.method"),
      sourceSystem: try optStr(j["systems"]?["source"], "systems.source"), targetSystem: try str(j["systems"]?["target"], "systems.target"),
      data: try data.enumerated().map { k, d in
        DataFile(role: try str(d["role"], "data[\(k)].role"), file: try str(d["file"], "data[\(k)].file"),
                 sha256: try str(d["sha256"], "data[\(k)].sha256"), lines: try count(d["lines"], "data[\(k)].lines"))
      },
      targetSessions: try count(s?["target_total"], "sessions.target_total"), targetSessionsUsed: try count(s?["target_used"], "sessions.target_used"),
      heldOutSessions: try count(s?["held_out"], "sessions.held_out"), adaptationSessions: try count(s?["adaptation"], "sessions.adaptation"),
      sourceSessions: try optCount(s?["source_total"], "sessions.source_total"), sourceSessionsUsed: try optCount(s?["source_used"], "sessions.source_used"),
      settings: try settings.map { ($0.0, try str($0.1, "settings.\($0.0)")) },
      splits: splits, figures: figures, baselines: baselines, missingBaselines: missing,
      limits: try limits.enumerated().map { try str($0.element, "limits[\($0.offset)]") },
      toolName: try str(j["tool"]?["name"], "tool.name"), toolVersion: try str(j["tool"]?["version"], "tool.version"),
      toolCommit: try optStr(j["tool"]?["commit"], "tool.commit"))
    // The record's rules (no empty field, digests, ranges) hold for a card read from JSON too.
    do { _ = try ModelCard(record: record) } catch let e as CheckpointError { throw bad(e.message) }
  }

  // MARK: - Markdown (zl-pack card)

  static let figureTitles = ["f1": "F1 (%)", "precision": "precision (%)", "recall": "recall (%)", "roc_auc": "ROC-AUC", "pr_auc": "PR-AUC"]
  public static let baselineTitles = ["flag_all": "flag every session", "level_at_least_error": "highest level ≥ error",
                               "level_at_least_fatal": "highest level ≥ fatal", "pca": "PCA on the target's event counts (Q statistic)"]

  public var markdown: String {
    func yaml(_ s: String) -> String { JSON.string(s).serialized() }  // a JSON string is a valid YAML scalar
    var m = "---\n"
    m += "library_name: zl\n"
    m += "tags:\n- log-anomaly-detection\n- \(yaml(architecture))\n- \(yaml(method))\n"
    m += "model_name: \(yaml(name))\n"
    m += "source_system: \(sourceSystem.map(yaml) ?? "null")\n"
    m += "target_system: \(yaml(targetSystem))\n"
    if splits > 0 {
      m += "model-index:\n- name: \(yaml(name))\n  results:\n  - task:\n      type: anomaly-detection\n      name: log anomaly detection\n"
      m += "    dataset:\n      type: \(yaml(targetSystem))\n      name: \(yaml("\(targetSystem) logs, held-out sessions"))\n"
      m += "    metrics:\n"
      for f in figures {
        m += "    - type: \(yaml(f.name))\n      value: \(JSON.formatNumber(round3(f.mean)))\n      name: \(yaml("held-out \(Self.figureTitles[f.name] ?? f.name), mean over \(splits) split\(splits == 1 ? "" : "s")"))\n"
      }
    }
    m += "---\n\n# \(name)\n\n"
    m += "\(intendedUse.prefix(1).uppercased() + intendedUse.dropFirst()).\n\n"
    m += "## What it is\n\n"
    m += "- **Method**: `\(method)` — \(methodSummary)\n"
    m += "- **Architecture**: `\(architecture)`\n"
    m += "- **Decision**: a session is anomalous when its score is at least \(JSON.formatNumber(threshold)) (threshold method: \(thresholdMethod))\n"
    m += "- **Systems**: \(sourceSystem.map { "source `\($0)` (labelled), " } ?? "")target `\(targetSystem)`\n\n"
    m += "## Training data\n\n| role | file | lines | SHA-256 |\n|---|---|---|---|\n"
    for d in data { m += "| \(cell(d.role)) | \(cell(d.file)) | \(grouped(Int(clamping: d.lines))) | `\(d.sha256)` |\n" }
    m += "\nSessions: \(grouped(Int(clamping: targetSessions))) target sessions"
    if targetSessionsUsed != targetSessions { m += " (\(grouped(Int(clamping: targetSessionsUsed))) used)" }
    m += "; \(grouped(Int(clamping: adaptationSessions))) for adaptation, \(grouped(Int(clamping: heldOutSessions))) held out"
    if let s = sourceSessions { m += "; \(grouped(Int(clamping: s))) source sessions (\(grouped(Int(clamping: sourceSessionsUsed ?? s))) used)" }
    m += ".\n\n## Held-out results\n\n"
    if splits == 0 {
      m += "Not measured: the target had no labels.\n\n"
    } else {
      if splits == 1 {
        m += "On target sessions no training step saw, one seeded split (no interval: `zl-train fit --splits N` gives one).\n\n"
        m += "| figure | value |\n|---|---|\n"
        for f in figures { m += "| \(cell(Self.figureTitles[f.name] ?? f.name)) | \(fixed(f.mean, f.name.hasSuffix("auc") ? 3 : 1)) |\n" }
      } else {
        m += "On target sessions no training step saw, over \(splits) seeded splits (mean ± sd; 95 % interval of the mean).\n\n"
        m += "| figure | mean | sd | 95 % interval |\n|---|---|---|---|\n"
        for f in figures {
          let dg = f.name.hasSuffix("auc") ? 3 : 1
          m += "| \(cell(Self.figureTitles[f.name] ?? f.name)) | \(fixed(f.mean, dg)) | \(fixed(f.sd, dg)) | \(fixed(f.low, dg))–\(fixed(f.high, dg)) |\n"
        }
      }
      m += "\n### Label-free baselines on the same sessions\n\n| rule | F1 (%) | ROC-AUC |\n|---|---|---|\n"
      for b in baselines {
        let f1 = splits == 1 ? fixed(b.f1Mean, 1) : "\(fixed(b.f1Mean, 1)) ± \(fixed(b.f1SD, 1))"
        m += "| \(cell(Self.baselineTitles[b.name] ?? b.name)) | \(f1) | \(b.rocAUCMean.map { fixed($0, 3) } ?? "n/a (one label held out)") |\n"
      }
      for b in missingBaselines { m += "| \(cell(Self.baselineTitles[b.name] ?? b.name)) | n/a: \(cell(b.reason)) | n/a |\n" }
      m += "\n"
    }
    m += "## Known limits\n\n" + limits.map { "- \($0)\n" }.joined() + "\n"
    m += "## Settings\n\n" + settings.map { "- `\($0.key)`: `\($0.value.replacingBackticks())`\n" }.joined() + "\n"
    m += "## Use\n\n```sh\nzl-score MODEL.zlck \(targetSystem).log\n```\n\n"
    m += "Written by \(toolName) \(toolVersion)\(toolCommit.map { " (source \($0))" } ?? ""); the reproducibility record (`zl-pack inspect --json`, section REPR) holds every setting and input digest.\n"
    return m
  }

  func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
  func cell(_ s: String) -> String {
    var out = ""
    for c in s { out += c == "|" ? "\\|" : c == "\n" || c == "\r" ? " " : String(c) }
    return out
  }
}

extension String {
  /// Backticks as apostrophes, so a value fits in a Markdown code span.
  func replacingBackticks() -> String { String(map { $0 == "`" ? "'" : $0 }) }
}

/// A card's JSON form that does not hold a valid card (exit 65).
public struct CardError: ToolError, Equatable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var exitStatus: ExitStatus { .dataError }
}
