// zl-bench front-end: raw line → template → event vector → session, the path scoring runs for every
// line (the trained state is learned first, untimed), one thread.

import ZLBase
import ZLCommandLine
import ZLDrain
import ZLEmbedding
import ZLFormat
import ZLScoring

let frontEndBenchCommand = Command(
  name: "front-end", summary: "lines/s from raw line to event vector and session (one thread)",
  usage: "front-end FILE --glove GLOVE [--preset NAME] [--repeat R]",
  help: """
    Learns Drain (the preset's anomaly-detection settings) and the embedding on FILE, then times
    running every line through the scoring front end: match, event vector, session grouping.
    Also reports the resident memory after 10× the input to show it does not grow with input size.
    """
) { args in
  let presetName = try args.option("--preset") ?? "hdfs"
  guard let glovePath = try args.option("--glove") else { throw args.error("missing --glove") }
  let repeats = try args.int("--repeat", in: 1...100) ?? 3
  let file = try args.finish(min: 1, max: 1, names: "FILE")[0]
  guard let preset = LogPresets.named(presetName), let settings = preset.detection, let rule = preset.sessionRule else {
    throw args.error("preset '\(presetName)' has no anomaly-detection settings")
  }
  var lines: [[UInt8]] = []
  let reader = try LineReader(path: file)
  while let l = try reader.next({ Array($0) }) { lines.append(l) }
  let learner = try LogParser(settings: settings)
  for l in lines { _ = l.withUnsafeBufferPointer { learner.learn(line: $0) } }
  let drain = learner.section
  let splitter = WordSplitter(drain: drain)
  let words = Set(drain.templates.flatMap { splitter.words($0.tokens) })
  let glove = try GloveTable.load(path: glovePath, wanted: words)
  let (vocab, glov) = EmbeddingBuilder.build(templates: drain.templates.map { $0.tokens }, splitter: splitter, glove: glove, includeTopWords: false)
  let model = EmbeddingModel(vocabulary: vocab, glove: glov, splitter: splitter)
  let session = SessionSection(rule: rule, maxEvents: 500, idleLines: 100_000, maxOpen: 100_000)
  var best = Double.infinity, bestCPU = Double.infinity
  var sessions = 0
  for _ in 0..<repeats {
    let fe = try FrontEnd(drain: drain, embedding: model, session: session, inlineLabelField: preset.labelField)
    var buffer: [Float] = []
    sessions = 0
    let t0 = monotonicSeconds(), c0 = threadCPUSeconds()
    for l in lines {
      let (_, closed) = l.withUnsafeBufferPointer { fe.process(line: $0) }
      for s in closed {
        fe.gather(s.events, into: &buffer)
        sessions += 1
      }
    }
    for s in fe.finish() {
      fe.gather(s.events, into: &buffer)
      sessions += 1
    }
    best = min(best, monotonicSeconds() - t0)
    bestCPU = min(bestCPU, threadCPUSeconds() - c0)
  }
  // Memory on 10× the input: it should stay flat (bounded by the session limits, not input size).
  let rssBefore = peakResidentBytes()
  let fe = try FrontEnd(drain: drain, embedding: model, session: session, inlineLabelField: preset.labelField)
  var buffer: [Float] = []
  for _ in 0..<10 {
    for l in lines {
      let (_, closed) = l.withUnsafeBufferPointer { fe.process(line: $0) }
      for s in closed { fe.gather(s.events, into: &buffer) }
    }
  }
  _ = fe.finish()
  let out = StandardOutput()
  try out.line(JSON.object([
    ("bench", .string("front_end")), ("preset", .string(presetName)), ("lines", .integer(Int64(lines.count))),
    ("templates", .integer(Int64(drain.templates.count))), ("sessions", .integer(Int64(sessions))),
    ("lines_per_s", .number(Double(lines.count) / best)), ("lines_per_cpu_s", .number(Double(lines.count) / bestCPU)),
    ("dim", .integer(Int64(model.dim))),
    ("peak_rss_mb_before_10x", .number(Double(rssBefore) / 1_048_576)),
    ("peak_rss_mb_after_10x", .number(Double(peakResidentBytes()) / 1_048_576)),
  ]).serialized())
  try out.flush()
  return .ok
}
