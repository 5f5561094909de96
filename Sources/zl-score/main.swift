// zl-score: scores raw log streams with a .zlck checkpoint, offline, the network in C. Wiring and
// output formats only; the pipeline (Drain match, embedding, sessions, C forward) is ZLScoring's,
// the same code `zl-train eval` uses. Links no training code.

import ZLBase
import ZLCommandLine
import ZLDrain
import ZLKernels
import ZLScoring

let scoreCommand = Command(
  name: "score", summary: "score raw logs with a checkpoint: one line per closed session on stdout",
  usage: "MODEL.zlck [FILE...|-] [--format jsonl|csv|text] [--threshold X] [--explain] [--fail-on-anomaly]",
  help: """
    Reads raw log lines (files, or standard input when no FILE or '-'; plain or gzip), parses them
    with the checkpoint's Drain state and log format, groups them into sessions with its rule and
    scores each: a hybrid model (zl-train's default) by its evidence — lines at its alarm level, the
    residual against its PCA of the target's event counts, its rarest template — a network model by
    embedding the events with its IDF and GloVe subset and running the network. Each closed session
    gives one record:
      session, score (0-1: P(anomalous) for a network, the strongest evidence for a hybrid), anomaly
      (score >= threshold), events, new_templates (events whose line matched no trained template),
      first_line, last_line (1-based, counted across all inputs); with --explain also `explain`: the
      templates that drive the score, each weighed by how much the score drops when the session is
      rescored without its events (leave one template out), with the line of its first event.
    Sessions close on their rule, after --idle-lines lines without activity, at --max-events, or at the
    end of input, so memory stays flat on endless streams. Output is flushed as sessions are scored.
    A summary (lines, sessions, anomalies, throughput) goes to stderr.

    options:
      --format F          jsonl (default), csv (with header) or text
      --threshold X       override the checkpoint's threshold (0-1)
      --only-anomalies    print anomalous sessions only
      --explain           add the templates that drive the score (line, score drop, template)
      --explain-top K     how many (default 3)
      --sessions RULE     override the session rule (block, instance, window:N, node-window:N, time:S, regex:P)
      --max-events N      close sessions at N events (default: the checkpoint's)
      --idle-lines N      close sessions idle for N lines (default: the checkpoint's; 0 = never)
      --idle-seconds S    close sessions idle for S seconds: on a stream (stdin, a pipe) of wall clock,
                          also while no line comes (default: the checkpoint's, 60 for models from this
                          version; 0 = never); on files, of the lines' own time stamps (off unless given)
      --max-line-length N cut longer lines (counted; default 1048576 bytes)
      --batch N           sessions the network scores together (default 64 for files; 1 for stdin and
                          pipes, so each session is printed as soon as it closes). Sessions whose score
                          is cached wait with them, so output keeps the order sessions close in
      --threads N         kernel threads (default 1)
      --cache N           remember the scores of N distinct event sequences (default 8192), and
                          first-layer network states of shared beginnings and endings; 0 = both off.
                          Exact: a session's score does not depend on what it is batched with
      --fail-on-anomaly   exit 1 when any session is anomalous
      --shard K/N         write only the sessions whose key hashes to K of N (FNV-1a 64 of the session's
                          label key, mod N; Formats/scoring-v1.md §9): N copies over the same input give
                          the single run's records between them
      --provenance        records also carry source (the input of the session's first line), first_time
                          and last_time (the time fields' text of its first and last lines)
      --stats-every S     every S seconds, one JSON statistics line on stderr (as --json's, plus
                          open_sessions and unmatched_format_lines)
      --metrics-file F    keep F, a Prometheus text file (node_exporter's textfile collector), up to date:
                          lines, sessions, anomalies, new-template and unmatched lines, open sessions,
                          throughput; written atomically every --stats-every seconds (default 10) and at the end
      --strict            exit 65 when the input does not fit the model: past 1,000 lines (or at the end),
                          over half of them not matching its log format or no trained template, or over
                          1 % binary (without --strict: one warning with the figures)
      --json              print the summary as one JSON line (--summary-json: old spelling, kept until 0.3)
      --quiet             no summary
    """
) { args in
  let format = RecordFormat(rawValue: try args.choice("--format", RecordFormat.allCases.map(\.rawValue)) ?? "jsonl")!
  let threshold = try args.double("--threshold", in: 0...1)
  let onlyAnomalies = args.flag("--only-anomalies")
  let explain = args.flag("--explain")
  let explainTop = try args.int("--explain-top", in: 1...1000) ?? 3
  let ruleText = try args.option("--sessions")
  let maxEvents = try args.int("--max-events", in: 1...100_000_000)
  let idle = try args.int("--idle-lines", in: 0...Int(Int32.max))
  let idleSeconds = try args.double("--idle-seconds", in: 0...1e9)
  let strict = args.flag("--strict")
  let provenance = args.flag("--provenance")
  let statsEvery = try args.double("--stats-every", in: 0.01...86_400)
  let metricsFile = try args.outputFile("--metrics-file")
  var shard: (UInt64, UInt64)? = nil
  if let s = try args.option("--shard") {
    let parts = s.split(separator: "/")
    guard parts.count == 2, let k = UInt64(parts[0]), let n = UInt64(parts[1]), n >= 1, n <= 1 << 20, k < n else {
      throw args.error("--shard '\(s)' is not K/N with 0 <= K < N")
    }
    shard = (k, n)
  }
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
  _ = Kernels.setThreads(threads)
  // Streams (stdin, pipes, FIFOs) may pause for a long time: score each session as it closes there.
  // Regular files batch sessions (64 by default) for throughput.
  let streaming = files.contains { $0 == "-" || !isRegularFile($0) }
  pipe.batchSize = batchOption ?? (streaming ? 1 : 64)
  // Idle by time: on streams the wall clock, with the model's default (SESS idle_seconds) unless
  // --idle-seconds says otherwise; on files only when asked, by the lines' own time stamps.
  let sessionizer = pipe.frontEnd.sessionizer
  let wallClock = streaming
  sessionizer.idleSeconds = idleSeconds ?? (streaming ? pipe.frontEnd.sessionSection.idleSeconds : 0)
  if !streaming && sessionizer.idleSeconds > 0 {
    let fields = pipe.frontEnd.parser.format.fields
    if !fields.contains("Timestamp") && !fields.contains("Time") {
      printError("zl-score: warning: --idle-seconds: the log format has no Timestamp or Time field, so files cannot be timed; it has no effect")
    }
    sessionizer.clockFromLogTime = true
  }
  let timed = wallClock && sessionizer.idleSeconds > 0
  pipe.cacheCapacity = cacheSize
  let scorer = SessionScorer(pipeline: pipe, format: format, explainTop: explain ? explainTop : 0, onlyAnomalies: onlyAnomalies)
  scorer.shard = shard
  if provenance {
    scorer.writer.sources = files
    pipe.frontEnd.sessionizer.keepProvenance = true
  }
  // Periodic statistics: a JSON line on stderr (--stats-every) and a Prometheus textfile (--metrics-file).
  let statsInterval = statsEvery ?? (metricsFile != nil ? 10 : 0)
  var nextStats = statsInterval > 0 ? monotonicSeconds() + statsInterval : Double.infinity
  var truncatedSoFar = 0
  func publish(final: Bool) throws {
    let stats = scorer.statistics(truncatedLines: truncatedSoFar, seconds: monotonicSeconds() - t0)
    if let f = metricsFile { try writeFileAtomically(f, Array(stats.prometheus(model: modelPath).utf8)) }
    if statsEvery != nil && !final { printError(stats.json(peakRSSMiB: Double(peakResidentBytes()) / 1_048_576).serialized()) }
  }
  func maybePublish() throws {
    let now = monotonicSeconds()
    if now >= nextStats {
      nextStats = now + statsInterval
      try publish(final: false)
    }
  }
  let out = StandardOutput(bufferSize: 1 << 16)
  if let h = scorer.writer.header { try out.line(h) }
  func emit(_ s: SessionScorer) throws {
    if let k = s.nonFiniteSession {
      throw InternalError("the model gave a non-finite score for session '\(k)' although its values passed the checks")
    }
    if s.recordEnds.isEmpty { return }
    try s.drain { try out.write(bytes: $0) }
    try out.flush()
  }
  var truncated = 0
  var pendingSince = 0.0
  var fit = InputFit()
  let logFormat = pipe.frontEnd.parser.format.text
  func checkFit() throws {
    guard let verdict = fit.check(pipe.frontEnd, logFormat: logFormat) else { return }
    if strict { throw InputMismatch(verdict) }
    if !quiet { printError("zl-score: warning: " + verdict + " (--strict makes this an error)") }
  }
  // SIGTERM, SIGINT, SIGHUP (a log shipper restarting us): stop reading, close and score every open
  // session (closed: "signal"), print the summary, exit 0. The same signal again ends at once.
  ProcessCleanup.setGraceful(true)
  files: for (source, path) in files.enumerated() {
    if ProcessCleanup.stopRequested { break }
    pipe.frontEnd.sessionizer.currentSource = source
    let reader = try LineReader(path: path, maxLineLength: maxLine)
    if timed || statsInterval > 0 {
      // While a stream is quiet: close idle sessions, keep the statistics coming.
      let tick = statsInterval > 0 ? min(1000, Int32(statsInterval * 1000)) : 1000
      reader.setTick(everyMilliseconds: tick) {
        if timed { scorer.tick(now: monotonicSeconds()) }
        try emit(scorer)
        try maybePublish()
      }
    }
    var n = 0
    while try reader.next({ (line: UnsafeBufferPointer<UInt8>) -> Void in
      if timed { sessionizer.clock = monotonicSeconds() }
      scorer.feed(line: line)
    }) != nil {
      try emit(scorer)
      if ProcessCleanup.stopRequested {
        truncated += reader.truncatedLines
        break files
      }
      n += 1
      if pipe.frontEnd.lines == InputFit.firstCheck { try checkFit() }
      if n & 1023 == 0 {
        truncatedSoFar = truncated + reader.truncatedLines
        try maybePublish()
        // Bound the wait of a partial batch on slow streams.
        let now = monotonicSeconds()
        if pendingSince == 0 { pendingSince = now } else if now - pendingSince > 0.05 {
          scorer.flush()
          try emit(scorer)
          pendingSince = 0
        }
      }
    }
    truncated += reader.truncatedLines
  }
  try checkFit()
  let stop = ProcessCleanup.stopSignal
  try scorer.finish(reason: stop != 0 ? .signal : .end) { try emit($0) }
  var stats = scorer.statistics(truncatedLines: truncated, seconds: monotonicSeconds() - t0)
  stats.stoppedBy = stop != 0 ? ProcessCleanup.name(of: stop) : nil
  truncatedSoFar = truncated
  try publish(final: true)
  if !quiet {
    printError(summaryJSON ? stats.json(peakRSSMiB: Double(peakResidentBytes()) / 1_048_576).serialized()
                           : stats.text(tool: "zl-score", maxLineLength: maxLine))
  }
  return failOnAnomaly && scorer.anomalies > 0 ? .negative : .ok
}

runMain(Tool(name: "zl-score", summary: "score raw logs with a zl checkpoint (streaming, offline)",
             commands: [scoreCommand], defaultCommand: "score"))
