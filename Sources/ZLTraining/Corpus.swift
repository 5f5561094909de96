// Corpus: one system's raw lines in memory (plain or gzip files), with each file's SHA-256, and the
// passes over them that training needs: sessions by line (format only, no Drain), Drain learning
// on chosen lines, and the shared front end's sessions with events and labels.

import ZLBase
import ZLDrain
import ZLEmbedding
import ZLFormat
import ZLScoring

/// How one system's logs are read, grouped and labelled.
public struct SystemSpec: Sendable {
  public var role: String
  public var files: [String]
  public var presetName: String
  public var settings: ParserSettings
  public var session: SessionSection
  public var labelFile: String?
  /// Inline alert labels from this field (BGL, Thunderbird).
  public var inlineLabelField: String?
  public var nodeField: String?
  /// The field holding each line's level (nil: the format has none; severity unknown).
  public var levelField: String?

  public init(role: String, files: [String], presetName: String, settings: ParserSettings, session: SessionSection,
              labelFile: String?, inlineLabelField: String?, nodeField: String?, levelField: String? = nil) {
    self.levelField = levelField
    self.role = role
    self.files = files
    self.presetName = presetName
    self.settings = settings
    self.session = session
    self.labelFile = labelFile
    self.inlineLabelField = inlineLabelField
    self.nodeField = nodeField
  }

  public var hasLabels: Bool { labelFile != nil || inlineLabelField != nil }
}

/// Training inputs that cannot train a model (exit 65): one code per check. Settings are checked by
/// the command line first (usage errors); `badSettings` is what a library caller gets instead.
public struct TrainingError: ToolError, Equatable {
  public enum Code: String, CaseIterable, Sendable {
    /// Settings that do not go together (metalog without target labels or a label fraction, ...).
    case badSettings
    /// A system's log files hold no line.
    case noLines
    /// The session rule makes no session of a system's logs.
    case noSessions
    /// Labels that match no session, or label sets with no anomaly or nothing but anomalies.
    case unusableLabels
    /// Too few sessions left for a part of training (source training, target adaptation, metalog).
    case tooFewSessions
    /// A resume file that is not one, or belongs to another run.
    case badResumeFile
    /// Training diverged: a loss or a weight is not a finite number (nothing is written).
    case nonFiniteTraining
    /// The trained model fails the checks a scorer makes (nothing is written).
    case unusableModel
  }

  public let code: Code
  public let detail: String
  public let hint: String?

  public init(_ code: Code, _ detail: String, hint: String? = nil) {
    self.code = code
    self.detail = detail
    self.hint = hint
  }

  public var exitStatus: ExitStatus { .dataError }
  public var message: String { "\(detail) [\(code.rawValue)]" }
}

public final class Corpus {
  public let spec: SystemSpec
  public private(set) var lines: [[UInt8]] = []
  public private(set) var digests: [(path: String, sha256: String, lines: Int)] = []
  public private(set) var truncatedLines = 0

  /// Reads every file of `spec` (lines longer than `maxLineLength` are cut and counted).
  public init(_ spec: SystemSpec, maxLineLength: Int = 1 << 20) throws {
    self.spec = spec
    for path in spec.files {
      let digest = try fileSHA256(path)
      let reader = try LineReader(path: path, maxLineLength: maxLineLength)
      var n = 0
      while let l = try reader.next({ Array($0) }) {
        lines.append(l)
        n += 1
      }
      truncatedLines += reader.truncatedLines
      digests.append((path, digest, n))
    }
    if lines.isEmpty { throw TrainingError(.noLines, "\(spec.role) logs \(spec.files.joined(separator: ", ")): no lines") }
  }

  /// Sessions with the 0-based indices of their lines (the format splits fields; no Drain). The
  /// sessions and keys are those the front end makes from the same lines.
  public func sessionLines() throws -> [(session: Session, lines: [Int])] {
    let parser = try LogParser(settings: spec.settings)
    let s = try makeSessionizer(format: parser.format)
    let labelField = spec.inlineLabelField.flatMap { parser.format.fields.firstIndex(of: $0) }
    var out: [(Session, [Int])] = []
    func take(_ closed: [Session]) { for c in closed { out.append((c, c.events.map { Int($0) })) } }
    for (i, l) in lines.enumerated() {
      take(l.withUnsafeBufferPointer { raw in
        parser.withValidLine(raw) { v in
          let f = parser.fields(v)
          var alert = false
          if let k = labelField, f.matchedFormat {
            let r = f.fields[k]
            alert = !(r.count == 1 && v[r.lowerBound] == 0x2D)
          }
          return s.add(line: v, fields: f, event: UInt32(i), inlineAnomaly: alert)
        }
      })
    }
    take(s.finish())
    return out
  }

  func makeSessionizer(format: LogFormat) throws -> Sessionizer {
    try naming("\(spec.role) sessions") {
      try Sessionizer(rule: spec.session.rule, maxEvents: spec.session.maxEvents, idleLines: spec.session.idleLines,
                      maxOpen: spec.session.maxOpen, format: format, nodeField: spec.nodeField)
    }
  }

  /// Learns Drain on the lines at `indices` (ascending), returning the plain-data state.
  public func learnDrain(indices: [Int]) throws -> DrainSection {
    let parser = try LogParser(settings: spec.settings)
    for i in indices { _ = lines[i].withUnsafeBufferPointer { parser.learn(line: $0) } }
    return parser.section
  }

  /// Every line through the shared front end (match mode on `drain`): sessions with events.
  /// - Parameter severity: sessions keep their events' levels and vectors carry the severity features.
  public func sessions(drain: DrainSection, embedding: EmbeddingModel?, severity: Bool = false) throws -> (FrontEnd, [Session]) {
    let fe = try naming("\(spec.role) sessions") {
      try FrontEnd(drain: drain, embedding: embedding, session: spec.session, levels: spec.levelField.map { LevelSection(field: $0) },
                   severityFeatures: severity, inlineLabelField: spec.inlineLabelField,
                   nodeField: spec.nodeField)
    }
    var out: [Session] = []
    for l in lines { out += l.withUnsafeBufferPointer { fe.process(line: $0).1 } }
    out += fe.finish()
    return (fe, out)
  }
}

/// Session labels from a label file or inline alerts, with the count of sessions no label covers.
public struct SessionLabels {
  public var labels: [Bool?]
  public var unlabelled: Int { labels.filter { $0 == nil }.count }
  public var anomalies: Int { labels.filter { $0 == true }.count }
  /// Keys in the label file that no session has.
  public var unusedLabelKeys = 0

  public init(sessions: [Session], spec: SystemSpec, file: LabelFile?) {
    if spec.inlineLabelField != nil {
      labels = sessions.map { $0.inlineAnomaly }
    } else if let f = file {
      labels = sessions.map { f[$0.labelKey] }
      unusedLabelKeys = f.unmatchedKeys(seen: Set(sessions.map { LabelFile.normalize($0.labelKey) }))
    } else {
      labels = sessions.map { _ in nil }
    }
  }
}

@inline(__always) func hex2(_ b: UInt8) -> String {
  let d = Array("0123456789abcdef".utf8)
  return String(decoding: [d[Int(b >> 4)], d[Int(b & 15)]], as: UTF8.self)
}
