// ReportRun: a `zl-train fit --report` JSON file read back for `zl-train report` — every member the
// HTML needs, checked as it is read (a report is a file a user hands us: a wrong one gets one line
// naming the file and the member). Reports without curves (written before they were added, or of a
// target without labels) still give their tables and training curves.

import ZLBase

public struct ReportMetrics: Sendable {
  public var f1, precision, recall: Double
  public var rocAUC, prAUC: Double?
  public var tp, fp, tn, fn: Int
}

public struct ReportSplit: Sendable {
  public var seed: Int64
  public var threshold: Double
  public var thresholdMethod: String
  /// Per epoch: the series by name (classification_loss, domain_loss, query_loss, source_validation_f1, ...).
  public var epochs: [[String: Double]]
  public var model: ReportMetrics?
  /// Each baseline: its metrics, or why it is missing.
  public var baselines: [(name: String, metrics: ReportMetrics?, missing: String?)]
  public var curves: HeldOutCurves?
  public var heldOut: Int
  public var adaptation: Int
  public var notes: [String]
}

public struct ReportRun: Sendable {
  public var path: String
  public var tool: String
  public var method: String
  public var source: String?
  public var target: String
  public var seed: Int64
  public var model: String
  public var splits: [ReportSplit]
  public var settings: [(String, String)]

  /// Runs that differ only in seeds or splits pool into one group.
  public var group: String { "\(method) \(source.map { $0 + " → " } ?? "")\(target)" }

  /// Reads and checks a report file.
  /// - Throws: `TrainingError(.badReport)` naming the file and the member; I/O and JSON errors named by the file.
  public init(path: String) throws {
    let bytes = try naming(path) { try readWholeFile(path, limit: 256 << 20) }
    let json = try naming(path) { try JSONParser().parse(bytes) }
    try self.init(json: json, path: path)
  }

  public init(json: JSON, path: String) throws {
    func bad(_ what: String) -> TrainingError {
      TrainingError(.badReport, "\(path): \(what)", hint: "zl-train report reads the JSON files that zl-train fit --report writes")
    }
    guard json.objectValue != nil else { throw bad("not a JSON object") }
    if json["stopped_after_epoch"] != nil { throw bad("a run stopped after an epoch (resume it to finish): nothing to report") }
    guard let tool = json["tool"]?.stringValue, tool.hasPrefix("zl-train") else { throw bad("not a zl-train fit report (member 'tool' is not 'zl-train …')") }
    func string(_ j: JSON, _ key: String, _ ctx: String) throws -> String {
      guard let s = j[key]?.stringValue else { throw bad("\(ctx)member '\(key)' is missing or not a string") }
      return s
    }
    func number(_ j: JSON, _ key: String, _ ctx: String) throws -> Double {
      guard let d = j[key]?.doubleValue, d.isFinite else { throw bad("\(ctx)member '\(key)' is missing or not a finite number") }
      return d
    }
    func integer(_ j: JSON, _ key: String, _ ctx: String) throws -> Int64 {
      guard let d = j[key]?.integerValue else { throw bad("\(ctx)member '\(key)' is missing or not an integer") }
      return d
    }
    func metrics(_ j: JSON?, _ ctx: String) throws -> ReportMetrics? {
      guard let j, j != .null else { return nil }
      guard j.objectValue != nil else { throw bad("\(ctx)is not an object") }
      func opt(_ k: String) throws -> Double? {
        guard let v = j[k], v != .null else { return nil }
        guard let d = v.doubleValue, d.isFinite else { throw bad("\(ctx)member '\(k)' is not a finite number") }
        return d
      }
      return ReportMetrics(f1: try number(j, "f1", ctx), precision: try number(j, "precision", ctx), recall: try number(j, "recall", ctx),
                           rocAUC: try opt("roc_auc"), prAUC: try opt("pr_auc"),
                           tp: Int(try integer(j, "tp", ctx)), fp: Int(try integer(j, "fp", ctx)),
                           tn: Int(try integer(j, "tn", ctx)), fn: Int(try integer(j, "fn", ctx)))
    }
    func points(_ j: JSON?, _ ctx: String) throws -> [(Double, Double)] {
      guard let a = j?.arrayValue else { throw bad("\(ctx)is missing or not an array") }
      guard a.count <= 100_000 else { throw bad("\(ctx)holds \(a.count) points (at most 100,000)") }
      return try a.map { p in
        guard let xy = p.arrayValue, xy.count == 2, let x = xy[0].doubleValue, let y = xy[1].doubleValue, x.isFinite, y.isFinite else {
          throw bad("\(ctx)holds a point that is not [x, y]")
        }
        return (x, y)
      }
    }
    func counts(_ j: JSON?, _ ctx: String) throws -> [Int] {
      guard let a = j?.arrayValue, a.count <= 10_000 else { throw bad("\(ctx)is missing or not an array of at most 10,000 counts") }
      return try a.map { guard let n = $0.integerValue, n >= 0 else { throw bad("\(ctx)holds a count that is not a whole number ≥ 0") }; return Int(n) }
    }
    func split(_ j: JSON, _ ctx: String) throws -> ReportSplit {
      guard j.objectValue != nil else { throw bad("\(ctx)is not an object") }
      let test = j["test"]
      var curves: HeldOutCurves? = nil
      if let c = j["held_out_curves"], c != .null {
        let op = c["operating_point"] ?? .null
        let h = c["histogram"] ?? .null
        let a = try counts(h["anomalous"], ctx + "held_out_curves.histogram.anomalous "), n = try counts(h["normal"], ctx + "held_out_curves.histogram.normal ")
        if a.count != n.count || a.isEmpty { throw bad("\(ctx)held_out_curves.histogram: the two labels' bins differ in count or are empty") }
        // The scores themselves are not drawn (the histogram is): not read back.
        curves = HeldOutCurves(roc: try points(c["roc"], ctx + "held_out_curves.roc "), pr: try points(c["pr"], ctx + "held_out_curves.pr "),
                               threshold: try number(op, "threshold", ctx + "held_out_curves.operating_point: "),
                               operating: (try number(op, "fpr", ctx), try number(op, "tpr", ctx), try number(op, "precision", ctx), try number(op, "recall", ctx)),
                               anomalousHistogram: a, normalHistogram: n, anomalousScores: (0, []), normalScores: (0, []))
      }
      var epochs: [[String: Double]] = []
      if let e = j["epochs"], e != .null {
        guard let list = e.arrayValue else { throw bad("\(ctx)member 'epochs' is not an array") }
        for (k, rec) in list.enumerated() {
          guard let members = rec.objectValue else { throw bad("\(ctx)epochs[\(k)] is not an object") }
          var values: [String: Double] = [:]
          for (name, v) in members { if let d = v.doubleValue, d.isFinite { values[name] = d } }
          epochs.append(values)
        }
      }
      var baselines: [(String, ReportMetrics?, String?)] = []
      if let b = j["baselines"]?.objectValue {
        for (name, v) in b {
          if let why = v["missing"]?.stringValue { baselines.append((name, nil, why)) } else { baselines.append((name, try metrics(v, "\(ctx)baselines.\(name): "), nil)) }
        }
      }
      return ReportSplit(seed: try integer(j, "seed", ctx), threshold: try number(j, "threshold", ctx),
                         thresholdMethod: j["threshold_method"]?.stringValue ?? "",
                         epochs: epochs, model: try metrics(test?["inductive"], ctx + "test.inductive: "),
                         baselines: baselines, curves: curves,
                         heldOut: Int(test?["held_out_sessions"]?.integerValue ?? 0), adaptation: Int(test?["adaptation_sessions"]?.integerValue ?? 0),
                         notes: j["notes"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }
    self.path = path
    self.tool = tool
    if json["kind"]?.stringValue == "eval" {
      // A `zl-train eval` report: the model on labelled logs, one part, no training.
      let modelPath = try string(json, "model", "")
      method = "eval " + baseName(modelPath)
      source = nil
      target = try string(json, "target", "")
      seed = 0
      model = modelPath
      var split = try split(.object([("seed", .integer(0)), ("threshold", json["threshold"] ?? .null),
                                     ("threshold_method", .string("the model's")),
                                     ("test", .object([("inductive", json["metrics"] ?? .null), ("held_out_sessions", json["sessions"] ?? .null)])),
                                     ("held_out_curves", json["held_out_curves"] ?? .null), ("baselines", json["baselines"] ?? .object([]))]), "")
      split.notes = ["evaluated on \(json["logs"]?.arrayValue?.compactMap(\.stringValue).map(baseName).joined(separator: ", ") ?? "the logs given") (every labelled session; nothing held out by a split)"]
      splits = [split]
      settings = []
      return
    }
    method = try string(json, "method", "")
    source = json["source"]?.stringValue
    target = try string(json, "target", "")
    seed = try integer(json, "seed", "")
    model = json["model"]?.stringValue ?? ""
    if let list = json["splits"]?.arrayValue {
      guard !list.isEmpty, list.count <= 10_000 else { throw bad("member 'splits' holds \(list.count) splits (1 to 10,000)") }
      splits = try list.enumerated().map { try split($0.element, "splits[\($0.offset)]: ") }
    } else {
      splits = [try split(json, "")]
    }
    settings = (json["settings"]?.objectValue ?? []).map { ($0.0, $0.1.serialized()) }
  }
}
