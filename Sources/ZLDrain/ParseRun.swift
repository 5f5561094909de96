// ParseRun: Drain over whole files in learn mode, then every line with the final template of its
// cluster — what `zl-train parse` prints in logparser's CSV layout (LineId,EventId,EventTemplate).

import ZLBase
import ZLFormat

public struct ParseSummary: Sendable {
  public var lines = 0
  public var templates = 0
  public var unmatchedFormat = 0
  public var truncated = 0
  public var repaired = 0
  /// Lines on which a mask or the header pattern gave up at its work budget.
  public var patternCutShort = 0
  public var seconds = 0.0
  public var files = 0
}

public enum ParseRun {
  /// Learns every line of `files` in order, then calls `emit(lineID, templateID, template)` for
  /// each line (LineId from 1 across files).
  public static func run(settings: ParserSettings, files: [String], maxLineLength: Int, progress: Progress? = nil,
                         emit: (Int, UInt32, String) throws -> Void) throws -> ParseSummary {
    let parser = try LogParser(settings: settings)
    var ids: [UInt32] = []
    var summary = ParseSummary()
    let t0 = monotonicSeconds()
    for path in files {
      let reader = try LineReader(path: path, maxLineLength: maxLineLength)
      while let id = try reader.next({ parser.learn(line: $0).id }) {
        ids.append(id)
        if ids.count & 0xFFFF == 0 {
          progress?.update("\(grouped(ids.count)) lines, \(grouped(parser.drain.templateCount)) templates")
        }
      }
      summary.truncated += reader.truncatedLines
      summary.files += 1
    }
    progress?.finish()
    var cache: [UInt32: String] = [:]
    for (k, id) in ids.enumerated() {
      let text: String
      if let t = cache[id] { text = t } else {
        text = parser.drain.template(id: id) ?? ""
        cache[id] = text
      }
      try emit(k + 1, id, text)
    }
    summary.lines = ids.count
    summary.templates = parser.drain.templateCount
    summary.unmatchedFormat = parser.unmatchedFormatLines
    summary.repaired = parser.repairedLines
    summary.patternCutShort = parser.patternCutShortLines
    summary.seconds = monotonicSeconds() - t0
    return summary
  }
}
