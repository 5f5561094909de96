// zl-score: scores raw log streams with a .zlck checkpoint, offline, the network in C. Wiring and
// output formats only; the pipeline (Drain match, embedding, sessions, C forward) is ZLScoring's,
// the same code `zl-train eval` uses. Links no training code.

import ZLBase
import ZLCommandLine
import ZLDrain
import ZLFormat
import ZLScoring

enum OutputFormat: String { case jsonl, csv, text }

let scoreCommand = Command(
  name: "score", summary: "score raw logs with a checkpoint: one line per closed session on stdout",
  usage: "MODEL.zlck [FILE...|-] [--format jsonl|csv|text] [--threshold X] [--explain] [--fail-on-anomaly]",
  help: """
    Reads raw log lines (files, or standard input when no FILE or '-'; plain or gzip), parses them
    with the checkpoint's Drain state and log format, groups them into sessions with its rule, embeds
    them with its IDF and GloVe subset and runs the network. Each closed session gives one record:
      session, score (P(anomalous)), anomaly (score >= threshold), events, new_templates (events
      whose line matched no trained template), first_line, last_line (1-based, counted across all
      inputs); with --explain also `explain`: the events with the highest attention weight.
    Sessions close on their rule, after --idle-lines lines without activity, at --max-events, or at the
    end of input, so memory stays flat on endless streams. Output is flushed as sessions are scored.
    A summary (lines, sessions, anomalies, throughput) goes to stderr.

    options:
      --format F          jsonl (default), csv (with header) or text
      --threshold X       override the checkpoint's threshold (0-1)
      --only-anomalies    print anomalous sessions only
      --explain           add the top attention events (line number, weight, template)
      --explain-top K     how many (default 3)
      --sessions RULE     override the session rule (block, instance, window:N, node-window:N, time:S, regex:P)
      --max-events N      close sessions at N events (default: the checkpoint's)
      --idle-lines N      close sessions idle for N lines (default: the checkpoint's; 0 = never)
      --max-line-length N cut longer lines (counted; default 1048576 bytes)
      --batch N           sessions the network scores together (default 64 for files; 1 for stdin and
                          pipes, so each session is printed as soon as it closes). Sessions whose score
                          is cached wait with them, so output keeps the order sessions close in
      --threads N         kernel threads (default 1)
      --cache N           remember the scores of N distinct event sequences (default 8192), and
                          first-layer network states of shared beginnings and endings; 0 = both off.
                          Exact: a session's score does not depend on what it is batched with
      --fail-on-anomaly   exit 1 when any session is anomalous
      --json              print the summary as one JSON line (--summary-json: old spelling, kept until 0.3)
      --quiet             no summary
    """
) { args in
  let format = OutputFormat(rawValue: try args.choice("--format", ["jsonl", "csv", "text"]) ?? "jsonl")!
  let threshold = try args.double("--threshold", in: 0...1)
  let onlyAnomalies = args.flag("--only-anomalies")
  let explain = args.flag("--explain")
  let explainTop = try args.int("--explain-top", in: 1...1000) ?? 3
  let ruleText = try args.option("--sessions")
  let maxEvents = try args.int("--max-events", in: 1...100_000_000)
  let idle = try args.int("--idle-lines", in: 0...Int(Int32.max))
  let maxLine = try args.int("--max-line-length", in: 64...(1 << 30)) ?? (1 << 20)
  let batchOption = try args.int("--batch", in: 1...65_536)
  let threads = try args.int("--threads", in: 1...256) ?? 1
  let cacheSize = try args.int("--cache", in: 0...10_000_000) ?? 8192
  let failOnAnomaly = args.flag("--fail-on-anomaly")
  let summaryJSON = args.flag("--json", "--summary-json")
  let quiet = args.flag("--quiet")
  let positional = try args.finish(min: 1, names: "MODEL [FILE...]")
  let modelPath = positional[0]
  var files = Array(positional.dropFirst())
  if files.isEmpty { files = ["-"] }
  var rule: SessionRule? = nil
  if let r = ruleText {
    do { rule = try SessionRule(parsing: r) } catch { throw args.error("--sessions: \(error)") }
  }
  let t0 = monotonicSeconds()
  // The model is dropped once the pipeline holds what it needs (its tensors are copied).
  func makePipeline() throws -> ScoringPipeline {
    let model = try ScoringModel.load(path: modelPath)
    do {
      return try ScoringPipeline(model: model, options: ScoringOptions(sessionRule: rule, maxEvents: maxEvents, idleLines: idle,
                                                                       threshold: threshold, keepLineNumbers: explain))
    } catch let e as DrainError {
      throw args.error("--sessions: \(e.detail)")  // the model's own rule was checked when it loaded
    }
  }
  let pipe = try makePipeline()
  _ = CZLThreads.set(threads)
  // Streams (stdin, pipes, FIFOs) may pause for a long time: score each session as it closes there.
  // Regular files batch sessions (64 by default) for throughput.
  let streaming = files.contains { $0 == "-" || !isRegularFile($0) }
  pipe.batchSize = batchOption ?? (streaming ? 1 : 64)
  pipe.cacheCapacity = cacheSize
  pipe.explain = explain
  let out = StandardOutput(bufferSize: 1 << 16)
  if format == .csv { try out.line("session,score,anomaly,events,new_templates,first_line,last_line" + (explain ? ",explain" : "")) }
  var sessions = 0, anomalies = 0
  var lineBytes: [UInt8] = []  // the plain jsonl record, reused
  let th = pipe.threshold
  func emit(_ scored: [ScoredSession]) throws {
    if scored.isEmpty { return }
    for s in scored {
      sessions += 1
      let anomalous = Double(s.score) >= th
      if anomalous { anomalies += 1 }
      if onlyAnomalies && !anomalous { continue }
      var top: [(line: Int, weight: Float, template: String)] = []
      if explain {
        let n = s.session.events.count, keep = s.attention.count
        let order = (0..<keep).sorted { s.attention[$0] != s.attention[$1] ? s.attention[$0] > s.attention[$1] : $0 < $1 }
        for k in order.prefix(explainTop) {
          let idx = n - keep + k
          let line = idx < s.session.lineNumbers.count ? s.session.lineNumbers[idx] : 0
          top.append((line, s.attention[k], pipe.templateText(s.session.events[idx])))
        }
      }
      switch format {
      case .jsonl where !explain:
        // The common case written directly as bytes (the same bytes as the JSON object below; tested).
        lineBytes.removeAll(keepingCapacity: true)
        lineBytes.append(contentsOf: #"{"session":"#.utf8)
        JSON.writeString(s.session.key, into: &lineBytes)
        lineBytes.append(contentsOf: #","score":"#.utf8)
        lineBytes.append(contentsOf: JSON.formatNumber(Double(s.score)).utf8)
        lineBytes.append(contentsOf: (anomalous ? #","anomaly":true,"events":"# : #","anomaly":false,"events":"#).utf8)
        lineBytes.append(contentsOf: String(s.session.events.count).utf8)
        lineBytes.append(contentsOf: #","new_templates":"#.utf8)
        lineBytes.append(contentsOf: String(s.newTemplates).utf8)
        lineBytes.append(contentsOf: #","first_line":"#.utf8)
        lineBytes.append(contentsOf: String(s.session.firstLine).utf8)
        lineBytes.append(contentsOf: #","last_line":"#.utf8)
        lineBytes.append(contentsOf: String(s.session.lastLine).utf8)
        lineBytes.append(contentsOf: "}\n".utf8)
        try out.write(bytes: lineBytes)
      case .jsonl:
        var fields: [(String, JSON)] = [
          ("session", .string(s.session.key)), ("score", .number(Double(s.score))), ("anomaly", .bool(anomalous)),
          ("events", .integer(Int64(s.session.events.count))), ("new_templates", .integer(Int64(s.newTemplates))),
          ("first_line", .integer(Int64(s.session.firstLine))), ("last_line", .integer(Int64(s.session.lastLine))),
        ]
        if explain {
          fields.append(("explain", .array(top.map { .object([("line", .integer(Int64($0.line))), ("weight", .number(Double($0.weight))),
                                                               ("template", .string($0.template))]) })))
        }
        try out.line(JSON.object(fields).serialized())
      case .csv:
        var row = [csvField(s.session.key), JSON.formatNumber(Double(s.score)), anomalous ? "true" : "false", String(s.session.events.count),
                   String(s.newTemplates), String(s.session.firstLine), String(s.session.lastLine)]
        if explain { row.append(csvField(top.map { "\($0.line):\($0.template)" }.joined(separator: " | "))) }
        try out.line(row.joined(separator: ","))
      case .text:
        var line = (anomalous ? "ANOMALY " : "normal  ") + fixed(Double(s.score), 4) + "  " + s.session.key
        line += "  events=\(s.session.events.count) new=\(s.newTemplates) lines=\(s.session.firstLine)-\(s.session.lastLine)"
        try out.line(line)
        for t in top { try out.line("    line \(t.line)  \(fixed(Double(t.weight), 3))  \(t.template)") }
      }
    }
    try out.flush()
  }
  var truncated = 0
  var pendingSince = 0.0
  for path in files {
    let reader = try LineReader(path: path, maxLineLength: maxLine)
    var n = 0
    while let scored = try reader.next({ pipe.process(line: $0) }) {
      try emit(scored)
      n += 1
      if n & 1023 == 0 {
        // Bound the wait of a partial batch on slow streams.
        let now = monotonicSeconds()
        if pendingSince == 0 { pendingSince = now } else if now - pendingSince > 0.05 {
          try emit(pipe.flush())
          pendingSince = 0
        }
      }
    }
    truncated += reader.truncatedLines
  }
  try emit(pipe.flush())
  try pipe.finish { try emit($0) }
  let secs = monotonicSeconds() - t0
  let lines = pipe.frontEnd.lines
  if !quiet {
    if summaryJSON {
      printError(JSON.object([
        ("lines", .integer(Int64(lines))), ("sessions", .integer(Int64(sessions))), ("anomalies", .integer(Int64(anomalies))),
        ("new_template_lines", .integer(Int64(pipe.frontEnd.newTemplateLines))), ("truncated_lines", .integer(Int64(truncated))),
        ("cached_scores", .integer(Int64(pipe.cacheHits))), ("cached_first_layer_steps", .integer(Int64(pipe.model.reusedFirstLayerSteps))),
        ("cached_second_layer_parts", .integer(Int64(pipe.model.reusedSecondLayerParts))),
        ("seconds", .number(secs)), ("lines_per_s", .number(Double(lines) / max(secs, 1e-9))),
        ("peak_rss_mib", .number(Double(peakResidentBytes()) / 1_048_576)),
      ]).serialized())
    } else {
      var s = "zl-score: \(grouped(lines)) lines, \(grouped(sessions)) sessions, \(grouped(anomalies)) anomalous"
      if sessions > 0 { s += " (\(fixed(100 * Double(anomalies) / Double(sessions), 1))%)" }
      s += " in \(fixed(secs)) s (\(grouped(Int(Double(lines) / max(secs, 1e-9)))) lines/s)"
      if pipe.frontEnd.newTemplateLines > 0 { s += "; \(grouped(pipe.frontEnd.newTemplateLines)) lines matched no trained template" }
      if truncated > 0 { s += "; \(grouped(truncated)) lines cut at \(maxLine) bytes" }
      printError(s)
    }
  }
  return failOnAnomaly && anomalies > 0 ? .negative : .ok
}

runMain(Tool(name: "zl-score", summary: "score raw logs with a zl checkpoint (streaming, offline)",
             commands: [scoreCommand], defaultCommand: "score"))
