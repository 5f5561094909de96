// Well-formed but hostile checkpoints (issue 19): files whose bytes, checksums and schemas are all
// right but whose values would make every score NaN or overflow — NaN, Inf or 3e38 in the GloVe
// vectors, the IDF or the weights — are refused by `zl-pack verify --scoring` and `zl-score` with
// one line naming the section, never scored to `null`.

import Testing
import ZLBase
import ZLCheckpoint
import ZLDrain
import ZLEmbedding
import ZLFormat
import _ZLTestSupport

/// A small network model trained on the demo data, once.
let tinyNetworkModel: String? = {
  guard let dir = try? scratchDirectory("hostile-base") else { return nil }
  let r = try? runTool("zl-train", fitArgs(dir + "/m.zlck", extra: ["--quiet"], epochs: 1))
  return r?.status == 0 ? dir + "/m.zlck" : nil
}()

/// The checkpoint with one change, written to a fresh file.
func altered(_ name: String, _ change: (inout Checkpoint) -> Void) throws -> String {
  var cp = try Checkpoint.load(path: try #require(tinyNetworkModel))
  change(&cp)
  let path = try scratchDirectory("hostile") + "/\(name).zlck"
  try cp.write(to: path)
  return path
}

func withTensorValue(_ set: TensorSet, _ name: String, _ value: Float) -> TensorSet {
  TensorSet(set.tensors.map { t in
    guard t.name == name else { return t }
    var v = t.floats()
    v[v.count / 2] = value
    return Tensor(name: t.name, shape: t.shape, floats: v, dtype: t.dtype)
  })
}

@Test(arguments: [Float.nan, .infinity, 3e38])
func valuesThatBreakScoresAreRefused(_ bad: Float) throws {
  let cases: [(String, (inout Checkpoint) -> Void, String)] = [
    ("glove", { cp in
      let g = cp.glove!
      var v = g.vectors.floats()
      v[3] = bad
      cp.glove = GloveSection(vectors: Tensor(name: "vectors", shape: g.vectors.shape, floats: v, dtype: g.vectors.dtype), wordIDs: g.wordIDs, unknown: g.unknown)
    }, "section GLOV"),
    ("weight", { cp in cp.tensors = withTensorValue(cp.tensors!, "classifier.weight", bad) }, "section TENS: tensor 'classifier.weight'"),
    ("gru", { cp in cp.tensors = withTensorValue(cp.tensors!, "gru.weight_hh_l0", bad) }, "section TENS: tensor 'gru.weight_hh_l0'"),
  ]
  // IDF: NaN and Inf are refused by VOCB's schema already (phase 6); a huge finite one by the value check.
  var all = cases
  if bad.isFinite { all.append(("idf", { cp in cp.vocabulary!.idf[0] = bad }, "section VOCB")) }
  for (name, change, names) in all {
    let path = try altered("\(name)-\(bad)", change)
    let v = try runTool("zl-pack", ["verify", path, "--scoring"])
    #expect(v.status == 65 && v.stderrLines.count == 1 && v.stderr.contains(names) && v.stderr.contains("[badValue]"), "\(name) \(bad): \(v)")
    let s = try runTool("zl-score", [path, demo + "/BGL_2k.log.gz", "--fail-on-anomaly"])
    #expect(s.status == 65 && s.stdout.isEmpty && !s.stdout.contains("null"), "\(name) \(bad): \(s)")
  }
}

@Test func trainingOnHugeWordVectorsFailsBeforeWritingAnything() throws {
  let dir = try scratchDirectory("hugeglove")
  let reader = try LineReader(path: demo + "/glove-demo.txt.gz")
  var out = ""
  while let line = try reader.nextString() {
    let f = line.split(separator: " ")
    out += f[0] + " " + Array(repeating: "3e38", count: f.count - 1).joined(separator: " ") + "\n"
  }
  try writeFileAtomically(dir + "/huge.txt", Array(out.utf8))
  var args = fitArgs(dir + "/o.zlck", epochs: 1)
  args[args.firstIndex(of: demo + "/glove-demo.txt.gz")!] = dir + "/huge.txt"
  let r = try runTool("zl-train", args)
  #expect(r.status == 65 && r.stderr.contains("huge.txt: line 1") && r.stderr.contains("larger than 1e6"), "\(r)")
  #expect(!fileExists(dir + "/o.zlck") && !fileExists(dir + "/o.zlck.resume"))
}

@Test func aCraftedMaskInAModelIsBoundedAndReported() throws {
  // A model whose first mask backtracks exponentially inside a look-ahead: zl-score on a 256 KiB
  // line and on 2,000 short ones finishes (bounded by the text) and says how many lines it cut short.
  let dir = try scratchDirectory("crafted-mask")
  #expect(try runTool("zl-train", ["fit", "--target", demo + "/BGL_2k.log.gz", "--target-preset", "bgl", "--quiet", "-o", dir + "/h.zlck"]).status == 0)
  var cp = try Checkpoint.load(path: dir + "/h.zlck")
  cp.drain!.masks.insert(MaskRule(name: "EVIL", pattern: #"(?=(a|a)*[bc])a"#), at: 0)
  try cp.write(to: dir + "/evil.zlck")
  #expect(try runTool("zl-pack", ["verify", dir + "/evil.zlck", "--scoring"]).status == 0)
  let header = "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO "
  let long = header + String(repeating: "a", count: 1 << 18) + "\n"
  let short = String(repeating: header + String(repeating: "a", count: 100) + "\n", count: 2000)
  try writeFileAtomically(dir + "/in.log", Array((long + short).utf8))
  let t0 = monotonicSeconds()
  let r = try runTool("zl-score", [dir + "/evil.zlck", dir + "/in.log", "--json"])
  let seconds = monotonicSeconds() - t0
  #expect(r.status == 0 && seconds < 30, "\(seconds) s: \(r.stderr)")
  let summary = try JSONParser().parse(try #require(r.stderrLines.last))
  #expect(summary["pattern_cut_short_lines"]?.integerValue == 2001, "\(r.stderr)")
}

@Test func theFuzzTargetReplaysTheCorpus() throws {
  // The fuzz target is built with the suite and runs every vector, with the models of this suite's
  // other tests as extra seeds when they exist; a crash fails here as it would under libFuzzer.
  // Tools/fuzz/regressions: inputs libFuzzer once found (each fixed; replayed so they stay fixed).
  var inputs = [fixture("Formats/vectors/v1/valid"), fixture("Formats/vectors/v1/invalid"), fixture("Tools/fuzz/regressions")]
  if let m = tinyNetworkModel { inputs.append(m) }
  let r = try runTool("zl-fuzz", inputs)
  #expect(r.status == 0 && r.stderr.contains("no crash"), "\(r)")
}
