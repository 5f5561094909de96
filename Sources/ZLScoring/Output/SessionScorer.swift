// SessionScorer: zl-score's engine — raw lines in, the records of the sessions they close out, with
// the running statistics. Records collect in one reused buffer (with where each ends) that the
// caller drains, so a stream writes them with one call per batch and nothing is formatted twice.

import ZLBase
import ZLDrain

public final class SessionScorer {
  public let pipeline: ScoringPipeline
  public var writer: SessionRecordWriter
  public let onlyAnomalies: Bool
  public private(set) var sessions = 0
  public private(set) var anomalies = 0
  /// Record bytes not yet drained, and the offset after each record in them.
  public private(set) var pending: [UInt8] = []
  public private(set) var recordEnds: [Int] = []

  /// - Parameter explainTop: events per explanation (0: none; the pipeline must then not explain).
  public init(pipeline: ScoringPipeline, format: RecordFormat, explainTop: Int = 0, onlyAnomalies: Bool = false) {
    self.pipeline = pipeline
    writer = SessionRecordWriter(format: format, explainTop: explainTop)
    self.onlyAnomalies = onlyAnomalies
    // Explanations rescore sessions (leave one template out); attention weights are not used.
    pipeline.explain = false
    pipeline.keepTemplateTexts = explainTop > 0
    pending.reserveCapacity(1 << 16)
  }

  /// Feeds one raw line; records of sessions it closed are appended to `pending` (sessions may wait
  /// for a batch; `flush` scores them).
  @inline(__always)
  public func feed(line: UnsafeBufferPointer<UInt8>) {
    let scored = pipeline.process(line: line)
    if !scored.isEmpty { add(scored) }
  }

  /// Scores every session waiting for a batch.
  public func flush() { add(pipeline.flush()) }

  /// A stream's timer: closes and scores the sessions idle at `now`.
  public func tick(now: Double) { add(pipeline.tick(now: now)) }

  /// Closes every open session (end of input), handing records over a batch at a time.
  public func finish(reason: CloseReason = .end, _ body: (SessionScorer) throws -> Void) rethrows {
    add(pipeline.flush())
    try body(self)
    try pipeline.finish(reason: reason) { batch in
      add(batch)
      try body(self)
    }
  }

  /// Hands the pending record bytes to `body` and empties the buffer.
  public func drain(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
    if pending.isEmpty { return }
    try pending.withUnsafeBufferPointer { try body($0) }
    pending.removeAll(keepingCapacity: true)
    recordEnds.removeAll(keepingCapacity: true)
  }

  /// The first session whose score was not a finite number (never written: a record with a null
  /// score would hide an anomaly). ScoringModel's value checks make this unreachable; the caller
  /// stops with an internal error if it happens.
  public private(set) var nonFiniteSession: String?

  /// Score only the sessions of one shard (`--shard K/N`): those whose label key hashes to K
  /// (Formats/scoring-v1.md §9: FNV-1a 64 of the key's UTF-8, mod N). Every copy still reads every
  /// line (keys, windows and new templates depend on all of them), so N copies give exactly the
  /// single run's records between them.
  public var shard: (index: UInt64, count: UInt64)? = nil

  /// The shard of a label key.
  public static func shard(of key: String, count: UInt64) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in key.utf8 {
      h ^= UInt64(b)
      h = h &* 0x0000_0100_0000_01B3
    }
    return h % count
  }

  private func add(_ scored: [ScoredSession]) {
    let th = pipeline.threshold
    for s in scored {
      if let sh = shard, SessionScorer.shard(of: s.session.labelKey, count: sh.count) != sh.index { continue }
      if !s.score.isFinite {
        if nonFiniteSession == nil { nonFiniteSession = s.session.key }
        continue
      }
      sessions += 1
      let anomalous = Double(s.score) >= th
      if anomalous { anomalies += 1 }
      if onlyAnomalies && !anomalous { continue }
      writer.append(s, anomalous: anomalous, explained: writer.explainTop > 0 ? explanation(s) : [], to: &pending)
      recordEnds.append(pending.count)
    }
  }

  /// What drives the session's score, by leaving one template out at a time: each distinct template
  /// of the session, weighed by how much the model's own output drops when all its events are
  /// removed — a network's score, or the sum of a hybrid's pieces of evidence (severity, structure,
  /// rarity, network), so that two templates that would each decide alone both show. The strongest
  /// first (ties: earlier first), each with the line of its first event.
  public func explanation(_ s: ScoredSession) -> [ExplainedEvent] {
    let (templates, variants) = SessionScorer.leaveOneTemplateOut(s.session)
    let totals = pipeline.explanationTotals([s.session] + variants)
    let drops = totals.dropFirst().map { Float(totals[0] - $0) }
    let order = templates.indices.sorted { drops[$0] != drops[$1] ? drops[$0] > drops[$1] : $0 < $1 }
    return order.prefix(writer.explainTop).map { k in
      let first = s.session.events.firstIndex(of: templates[k]) ?? 0
      let line = first < s.session.lineNumbers.count ? s.session.lineNumbers[first] : 0
      return ExplainedEvent(line: line, weight: drops[k], template: s.overlayTemplateTexts[templates[k]] ?? pipeline.templateText(templates[k]))
    }
  }

  /// The session's distinct templates (in order of first appearance) and, for each, the session
  /// without its events.
  public static func leaveOneTemplateOut(_ s: Session) -> ([UInt32], [Session]) {
    var templates: [UInt32] = []
    var seen = Set<UInt32>()
    for e in s.events where seen.insert(e).inserted { templates.append(e) }
    return (templates, templates.map { removing([$0], from: s) })
  }

  /// The session without the events of `templates` (levels, highest level and line numbers kept in step).
  public static func removing(_ templates: Set<UInt32>, from s: Session) -> Session {
    var v = s
    v.events = []
    v.levels = []
    v.lineNumbers = []
    // Without per-line levels (not kept) the highest level cannot be recomputed: it stays.
    if !s.levels.isEmpty { v.maxLevel = .unknown }
    for (k, e) in s.events.enumerated() where !templates.contains(e) {
      v.events.append(e)
      if k < s.levels.count {
        v.levels.append(s.levels[k])
        if s.levels[k].isKnown && (!v.maxLevel.isKnown || s.levels[k] > v.maxLevel) { v.maxLevel = s.levels[k] }
      }
      if k < s.lineNumbers.count { v.lineNumbers.append(s.lineNumbers[k]) }
    }
    return v
  }

  /// The run's figures so far.
  public func statistics(truncatedLines: Int, seconds: Double) -> ScoreStatistics {
    var s = statisticsCore(truncatedLines: truncatedLines, seconds: seconds)
    s.openSessions = pipeline.frontEnd.sessionizer.openCount
    s.unmatchedFormatLines = pipeline.frontEnd.parser.unmatchedFormatLines
    return s
  }

  private func statisticsCore(truncatedLines: Int, seconds: Double) -> ScoreStatistics {
    ScoreStatistics(lines: pipeline.frontEnd.lines, sessions: sessions, anomalies: anomalies,
                    newTemplateLines: pipeline.frontEnd.newTemplateLines, truncatedLines: truncatedLines,
                    patternCutShortLines: pipeline.frontEnd.patternCutShortLines,
                    cachedScores: pipeline.cacheHits, cachedFirstLayerSteps: pipeline.model?.reusedFirstLayerSteps ?? 0,
                    cachedSecondLayerParts: pipeline.model?.reusedSecondLayerParts ?? 0, seconds: seconds)
  }
}

/// What a scoring run did, for the summary on stderr.
public struct ScoreStatistics: Sendable {
  public var lines: Int
  public var sessions: Int
  public var anomalies: Int
  public var newTemplateLines: Int
  public var truncatedLines: Int
  /// Lines on which a pattern gave up at its work budget (masking incomplete, header or key not read).
  public var patternCutShortLines: Int
  public var cachedScores: Int
  public var cachedFirstLayerSteps: Int
  public var cachedSecondLayerParts: Int
  public var seconds: Double
  /// The signal that stopped the run early (its open sessions were closed and scored), if any.
  public var stoppedBy: String? = nil
  /// Sessions open now, and lines whose header did not match the log format.
  public var openSessions = 0
  public var unmatchedFormatLines = 0

  /// The figures in Prometheus text format (node_exporter's textfile collector).
  public func prometheus(model: String) -> String {
    // Label value escaping: backslash, double quote, line feed.
    var escaped = ""
    for c in model {
      switch c {
      case "\\": escaped += "\\\\"
      case "\"": escaped += "\\\""
      case "\n": escaped += "\\n"
      default: escaped.append(c)
      }
    }
    let label = "{model=\"" + escaped + "\"}"
    var out = ""
    func metric(_ name: String, _ type: String, _ help: String, _ value: String) {
      out += "# HELP zl_score_\(name) \(help)\n# TYPE zl_score_\(name) \(type)\nzl_score_\(name)\(label) \(value)\n"
    }
    metric("lines_total", "counter", "Log lines read.", String(lines))
    metric("sessions_total", "counter", "Sessions scored (and written).", String(sessions))
    metric("anomalies_total", "counter", "Sessions found anomalous.", String(anomalies))
    metric("new_template_lines_total", "counter", "Lines that matched no trained template.", String(newTemplateLines))
    metric("unmatched_format_lines_total", "counter", "Lines whose header did not match the model's log format.", String(unmatchedFormatLines))
    metric("truncated_lines_total", "counter", "Lines cut at the maximum line length.", String(truncatedLines))
    metric("open_sessions", "gauge", "Sessions open now.", String(openSessions))
    metric("lines_per_second", "gauge", "Lines read per second since the start.", JSON.formatNumber(Double(lines) / max(seconds, 1e-9)))
    return out
  }

  /// One JSON line (`--json`); `peakRSSMiB` is the process's, measured by the caller.
  public func json(peakRSSMiB: Double) -> JSON {
    .object([
      ("lines", .integer(Int64(lines))), ("sessions", .integer(Int64(sessions))), ("anomalies", .integer(Int64(anomalies))),
      ("new_template_lines", .integer(Int64(newTemplateLines))), ("truncated_lines", .integer(Int64(truncatedLines))),
      ("pattern_cut_short_lines", .integer(Int64(patternCutShortLines))),
      ("cached_scores", .integer(Int64(cachedScores))), ("cached_first_layer_steps", .integer(Int64(cachedFirstLayerSteps))),
      ("cached_second_layer_parts", .integer(Int64(cachedSecondLayerParts))),
      ("seconds", .number(seconds)), ("lines_per_s", .number(Double(lines) / max(seconds, 1e-9))),
      ("peak_rss_mib", .number(peakRSSMiB)),
      ("stopped_by", stoppedBy.map { .string($0) } ?? .null),
      ("open_sessions", .integer(Int64(openSessions))), ("unmatched_format_lines", .integer(Int64(unmatchedFormatLines))),
    ])
  }

  /// The one-line summary for people; `maxLineLength` names the cut applied to long lines.
  public func text(tool: String, maxLineLength: Int) -> String {
    var s = "\(tool): \(grouped(lines)) lines, \(grouped(sessions)) sessions, \(grouped(anomalies)) anomalous"
    if sessions > 0 { s += " (\(fixed(100 * Double(anomalies) / Double(sessions), 1))%)" }
    s += " in \(fixed(seconds)) s (\(grouped(Int(Double(lines) / max(seconds, 1e-9)))) lines/s)"
    if newTemplateLines > 0 { s += "; \(grouped(newTemplateLines)) lines matched no trained template" }
    if truncatedLines > 0 { s += "; \(grouped(truncatedLines)) lines cut at \(maxLineLength) bytes" }
    if let by = stoppedBy { s += "; stopped by \(by): open sessions closed and scored" }
    if patternCutShortLines > 0 { s += "; \(grouped(patternCutShortLines)) lines where a pattern of the model gave up (work budget)" }
    return s
  }
}
