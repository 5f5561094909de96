// Corpus: one system's logs (plain or gzip files) streamed, never held: each file's SHA-256 and line
// count, and the passes over them that training needs, each reading the files again: sessions by
// line (format only, no Drain), Drain learning on chosen lines, and the shared front end's sessions
// with events and labels. Memory follows the sessions kept, not the size of the logs.

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
public struct TrainingError: CodedError, Equatable {
  public enum Code: String, CaseIterable, Sendable {
    /// Settings that do not go together (metalog without target labels or a label fraction, ...).
    case badSettings
    /// A system's log files hold no line.
    case noLines
    /// More lines than one run numbers (2^32 - 1).
    case tooManyLines
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
    /// A file given to `zl-train report` that is not a fit report (or a member of one of the wrong kind).
    case badReport
  }

  public let code: Code
  public let detail: String
  public let hint: String?

  public init(_ code: Code, _ detail: String, hint: String? = nil) {
    self.code = code
    self.detail = detail
    self.hint = hint
  }

}

/// One system's logs as files read again on every pass (plain or gzip), never held in memory: the
/// first look records each file's SHA-256, identity and line count, and every later pass checks
/// that the file is still the one first read. Lines are numbered from 0 across the files.
public final class Corpus {
  public let spec: SystemSpec
  public private(set) var digests: [(path: String, sha256: String, lines: Int)] = []
  public private(set) var truncatedLines = 0
  /// Lines in all files.
  public private(set) var lineCount = 0
  let maxLineLength: Int
  private var identities: [FileIdentity] = []
  /// Show each pass's progress in place on a terminal (lines read of all).
  public var showProgress = false

  /// Looks at every file of `spec` once (digest, identity, lines; lines longer than `maxLineLength`
  /// are cut and counted on every pass).
  public init(_ spec: SystemSpec, maxLineLength: Int = 1 << 20) throws {
    self.spec = spec
    self.maxLineLength = maxLineLength
    for path in spec.files {
      let identity = try FileIdentity(path: path)
      let digest = try fileSHA256(path)
      let reader = try LineReader(path: path, maxLineLength: maxLineLength)
      var n = 0
      while try reader.next({ _ in () }) != nil { n += 1 }
      truncatedLines += reader.truncatedLines
      digests.append((path, digest, n))
      identities.append(identity)
      try checkUnchanged(digests.count - 1)
      lineCount += n
    }
    if lineCount == 0 { throw TrainingError(.noLines, "\(spec.role) logs \(spec.files.joined(separator: ", ")): no lines") }
    if lineCount >= Int(UInt32.max) {
      throw TrainingError(.tooManyLines, "\(spec.role) logs: \(lineCount) lines, more than one run indexes (\(UInt32.max - 1))",
                          hint: "train on fewer files; --max-sessions N bounds the sessions, not the lines read")
    }
  }

  private func checkUnchanged(_ k: Int) throws {
    let path = digests[k].path
    if try FileIdentity(path: path) != identities[k] {
      throw IOFailure.corruptData(path: path, detail: "the file changed while zl-train was reading it (training reads its logs several times); train on a copy that does not change")
    }
  }

  /// Streams every line of every file with its 0-based number, in bounded memory (each line is
  /// valid only during the call), checking that no file changed since it was first read.
  /// - Parameter pass: what the pass is for (its progress line says it).
  public func forEachLine(pass: String = "read", _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
    let progress = Progress("zl-train: \(spec.role) logs", interval: 0.25, enabled: showProgress && standardErrorIsTerminal())
    defer { progress.finish() }
    let total = lineCount
    var i = 0
    for k in digests.indices {
      try checkUnchanged(k)
      let reader = try LineReader(path: digests[k].path, maxLineLength: maxLineLength)
      var n = 0
      while try reader.next({ try body(i, $0) }) != nil {
        i += 1
        n += 1
        if i & 0x3FFF == 0 { progress.update("\(pass): \(grouped(i)) of \(grouped(total)) lines (\(i * 100 / max(total, 1)) %)") }
      }
      try checkUnchanged(k)
      if n != digests[k].lines {
        throw IOFailure.corruptData(path: digests[k].path, detail: "\(n) lines now, \(digests[k].lines) when first read: the file changed while zl-train was reading it")
      }
    }
  }

  /// Sessions whose events are the 0-based numbers of their lines (the format splits fields; no
  /// Drain), each given to `sink` as it closes. The sessions and keys are those the front end makes
  /// from the same lines.
  public func sessionLines(_ sink: (Session) -> Void) throws {
    let parser = try LogParser(settings: spec.settings)
    let s = try makeSessionizer(format: parser.format)
    let labelField = spec.inlineLabelField.flatMap { parser.format.fields.firstIndex(of: $0) }
    try forEachLine(pass: "sessions by line") { i, raw in
      for c in parser.withValidLine(raw, { v in
        let f = parser.fields(v)
        var alert = false
        if let k = labelField, f.matchedFormat {
          let r = f.fields[k]
          alert = !(r.count == 1 && v[r.lowerBound] == 0x2D)
        }
        return s.add(line: v, fields: f, event: UInt32(i), inlineAnomaly: alert)
      }) { sink(c) }
    }
    while case let batch = s.finish(max: 1024), !batch.isEmpty { for c in batch { sink(c) } }
  }

  func makeSessionizer(format: LogFormat) throws -> Sessionizer {
    try naming("\(spec.role) sessions") {
      try Sessionizer(rule: spec.session.rule, maxEvents: spec.session.maxEvents, idleLines: spec.session.idleLines,
                      maxOpen: spec.session.maxOpen, format: format, nodeField: spec.nodeField)
    }
  }

  /// Learns Drain on the lines in `lines` (nil: every line), returning the plain-data state.
  public func learnDrain(lines: LineSet?) throws -> DrainSection {
    let parser = try LogParser(settings: spec.settings)
    try forEachLine(pass: "templates") { i, raw in
      if lines?.contains(i) ?? true { _ = parser.learn(line: raw) }
    }
    return parser.section
  }

  /// Every line through the shared front end (match mode on `drain`): each session, with its
  /// events, given to `sink` as it closes; returns the front end (its counts and vectors).
  /// - Parameter severity: sessions keep their events' levels and vectors carry the severity features.
  public func sessions(drain: DrainSection, embedding: EmbeddingModel?, severity: Bool = false,
                       _ sink: (Session) -> Void) throws -> FrontEnd {
    let fe = try naming("\(spec.role) sessions") {
      try FrontEnd(drain: drain, embedding: embedding, session: spec.session, levels: spec.levelField.map { LevelSection(field: $0) },
                   severityFeatures: severity, inlineLabelField: spec.inlineLabelField,
                   nodeField: spec.nodeField)
    }
    try forEachLine(pass: "sessions") { _, raw in for s in fe.process(line: raw).1 { sink(s) } }
    while case let batch = fe.finish(max: 1024), !batch.isEmpty { for s in batch { sink(s) } }
    return fe
  }

  /// Every session through the shared front end, kept in the order they close.
  public func sessions(drain: DrainSection, embedding: EmbeddingModel?, severity: Bool = false) throws -> (FrontEnd, [Session]) {
    var out: [Session] = []
    let fe = try sessions(drain: drain, embedding: embedding, severity: severity) { out.append($0) }
    return (fe, out)
  }
}

/// A session of the by-line pass as training keeps it: its key and its lines' numbers (exact capacity).
public struct LineSession: Sendable {
  public var key: String
  public var lines: [UInt32]

  public init(_ s: Session) {
    key = s.key
    let e = s.events
    lines = [UInt32](unsafeUninitializedCapacity: e.count) { b, n in
      _ = b.initialize(from: e)
      n = e.count
    }
  }
}

/// A set of line numbers in 0..<capacity, one bit each.
public struct LineSet: Sendable {
  private var words: [UInt64]
  public private(set) var count = 0

  public init(capacity: Int) { words = [UInt64](repeating: 0, count: (max(0, capacity) + 63) / 64) }

  public mutating func insert(_ i: Int) {
    let (w, b) = (i >> 6, UInt64(1) << UInt64(i & 63))
    if words[w] & b == 0 {
      words[w] |= b
      count += 1
    }
  }

  @inline(__always) public func contains(_ i: Int) -> Bool {
    let w = i >> 6
    return w < words.count && words[w] & (UInt64(1) << UInt64(i & 63)) != 0
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
