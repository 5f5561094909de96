// zl-bench parse: front-end throughput on lines held in memory — Drain learn (what `zl-train
// parse` and training do) and match (what scoring does) — best of several runs, one thread, by
// wall clock and by the thread's CPU clock (which a busy VM host's steal does not inflate).

import ZLBase
import ZLCommandLine
import ZLDrain
import ZLFormat

let parseBenchCommand = Command(
  name: "parse", summary: "lines/s of Drain learn and match on a log file (one thread)",
  usage: "parse FILE [--preset NAME] [--detection] [--repeat R]",
  help: """
    Reads FILE into memory, then times learning every line with a fresh parser (best of R runs,
    default 5), and matching every line against the learned state.
      --preset NAME   settings (default hdfs); --detection uses the preset's anomaly-detection masks
    """
) { args in
  let presetName = try args.option("--preset") ?? "hdfs"
  let detection = args.flag("--detection")
  let repeats = try args.int("--repeat", in: 1...100) ?? 5
  let file = try args.finish(min: 1, max: 1, names: "FILE")[0]
  guard let preset = LogPresets.named(presetName) else { throw args.error("unknown preset '\(presetName)'") }
  let settings = detection ? (preset.detection ?? preset.parsing) : preset.parsing
  var lines: [[UInt8]] = []
  let reader = try LineReader(path: file)
  while let l = try reader.next({ Array($0) }) { lines.append(l) }
  var learnBest = Double.infinity, learnCPU = Double.infinity
  var parser = try LogParser(settings: settings)
  for _ in 0..<repeats {
    parser = try LogParser(settings: settings)
    let t0 = monotonicSeconds(), c0 = threadCPUSeconds()
    for l in lines { _ = l.withUnsafeBufferPointer { parser.learn(line: $0) } }
    learnBest = min(learnBest, monotonicSeconds() - t0)
    learnCPU = min(learnCPU, threadCPUSeconds() - c0)
  }
  var matchBest = Double.infinity, matchCPU = Double.infinity
  var matched = 0
  for _ in 0..<repeats {
    matched = 0
    let t0 = monotonicSeconds(), c0 = threadCPUSeconds()
    for l in lines where l.withUnsafeBufferPointer({ parser.match(line: $0) }) != nil { matched += 1 }
    matchBest = min(matchBest, monotonicSeconds() - t0)
    matchCPU = min(matchCPU, threadCPUSeconds() - c0)
  }
  let out = StandardOutput()
  try out.line(JSON.object([
    ("bench", .string("parse")), ("preset", .string(presetName)), ("detection_settings", .bool(detection)),
    ("lines", .integer(Int64(lines.count))), ("templates", .integer(Int64(parser.drain.templateCount))),
    ("learn_lines_per_s", .number(Double(lines.count) / learnBest)),
    ("match_lines_per_s", .number(Double(lines.count) / matchBest)),
    ("learn_lines_per_cpu_s", .number(Double(lines.count) / learnCPU)),
    ("match_lines_per_cpu_s", .number(Double(lines.count) / matchCPU)),
    ("matched_fraction", .number(Double(matched) / Double(max(1, lines.count)))),
  ]).serialized())
  try out.flush()
  return .ok
}
