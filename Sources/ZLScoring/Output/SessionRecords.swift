// SessionRecords: a scored session as the line zl-score prints — JSON Lines, CSV or text — with an
// optional explanation (the events that drive the score). One byte writer per format, so every
// record, explained or not, comes out of the same code; the bytes go straight into a reused buffer.

import ZLBase

/// How records are written.
public enum RecordFormat: String, CaseIterable, Sendable {
  case jsonl, csv, text
}

/// One explained event of a session: its input line, its weight in the explanation and its template.
public struct ExplainedEvent: Sendable, Equatable {
  public var line: Int
  public var weight: Float
  public var template: String
}

public struct SessionRecordWriter {
  public let format: RecordFormat
  /// Events per explanation (0: no explanation field).
  public let explainTop: Int
  /// Input names by source index: when set, records carry `source`, `first_time` and `last_time`.
  public var sources: [String]? = nil

  public init(format: RecordFormat, explainTop: Int = 0) {
    self.format = format
    self.explainTop = explainTop
  }

  /// The CSV header line (nil for the other formats).
  public var header: String? {
    format == .csv ? "session,score,anomaly,events,new_templates,first_line,last_line,closed" + (sources != nil ? ",source,first_time,last_time" : "")
      + (explainTop > 0 ? ",explain" : "") : nil
  }

  /// Appends one record (with its newline) to `out`.
  public func append(_ s: ScoredSession, anomalous: Bool, explained: [ExplainedEvent], to out: inout [UInt8]) {
    switch format {
    case .jsonl:
      out.append(contentsOf: #"{"session":"#.utf8)
      JSON.writeString(s.session.key, into: &out)
      out.append(contentsOf: #","score":"#.utf8)
      out.append(contentsOf: JSON.formatNumber(Double(s.score)).utf8)
      out.append(contentsOf: (anomalous ? #","anomaly":true,"events":"# : #","anomaly":false,"events":"#).utf8)
      out.append(contentsOf: String(s.session.events.count).utf8)
      out.append(contentsOf: #","new_templates":"#.utf8)
      out.append(contentsOf: String(s.newTemplates).utf8)
      out.append(contentsOf: #","first_line":"#.utf8)
      out.append(contentsOf: String(s.session.firstLine).utf8)
      out.append(contentsOf: #","last_line":"#.utf8)
      out.append(contentsOf: String(s.session.lastLine).utf8)
      out.append(contentsOf: #","closed":""#.utf8)
      out.append(contentsOf: s.session.closedBy.rawValue.utf8)
      out.append(0x22)
      if let names = sources {
        out.append(contentsOf: #","source":"#.utf8)
        JSON.writeString(s.session.source < names.count ? names[s.session.source] : "-", into: &out)
        out.append(contentsOf: #","first_time":"#.utf8)
        JSON.writeString(s.session.firstTime, into: &out)
        out.append(contentsOf: #","last_time":"#.utf8)
        JSON.writeString(s.session.lastTime, into: &out)
      }
      if explainTop > 0 {
        out.append(contentsOf: #","explain":["#.utf8)
        for (k, e) in explained.enumerated() {
          if k > 0 { out.append(0x2C) }
          out.append(contentsOf: #"{"line":"#.utf8)
          out.append(contentsOf: String(e.line).utf8)
          out.append(contentsOf: #","weight":"#.utf8)
          out.append(contentsOf: JSON.formatNumber(Double(e.weight)).utf8)
          out.append(contentsOf: #","template":"#.utf8)
          JSON.writeString(e.template, into: &out)
          out.append(0x7D)
        }
        out.append(0x5D)
      }
      out.append(contentsOf: "}\n".utf8)
    case .csv:
      var row = [csvField(s.session.key), JSON.formatNumber(Double(s.score)), anomalous ? "true" : "false", String(s.session.events.count),
                 String(s.newTemplates), String(s.session.firstLine), String(s.session.lastLine), s.session.closedBy.rawValue]
      if let names = sources {
        row += [csvField(s.session.source < names.count ? names[s.session.source] : "-"), csvField(s.session.firstTime), csvField(s.session.lastTime)]
      }
      if explainTop > 0 { row.append(csvField(explained.map { "\($0.line):\($0.template)" }.joined(separator: " | "))) }
      out.append(contentsOf: (row.joined(separator: ",") + "\n").utf8)
    case .text:
      var line = (anomalous ? "ANOMALY " : "normal  ") + fixed(Double(s.score), 4) + "  " + s.session.key
      line += "  events=\(s.session.events.count) new=\(s.newTemplates) lines=\(s.session.firstLine)-\(s.session.lastLine)"
      // The reasons that cut a session short are shown (window and max-events closes are the rule).
      let r = s.session.closedBy
      line += (r == .idle || r == .overflow || r == .signal ? " closed=\(r.rawValue)" : "") + "\n"
      for e in explained { line += "    line \(e.line)  \(fixed(Double(e.weight), 3))  \(e.template)\n" }
      out.append(contentsOf: line.utf8)
    }
  }
}
