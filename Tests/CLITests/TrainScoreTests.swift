// zl-train fit / eval and zl-score end to end on the bundled demo sample (Tools/demo/data): byte-
// identical checkpoints, resume, the report's shape, agreement between zl-score and zl-train eval,
// and bad inputs caught before training with one clear line.

import Testing
import ZLBase
import ZLCheckpoint
import ZLFormat
import _ZLTestSupport

let demo = fixture("Tools/demo/data")

/// A small, fast network fit (hidden 8, one layer) from HDFS (labelled) to BGL: the papers' zerolog
/// unless `extra` names a method.
func fitArgs(_ out: String, extra: [String] = [], epochs: Int = 2, seed: Int = 3) -> [String] {
  ["fit"] + (extra.contains("--method") ? [] : ["--method", "zerolog"]) + ["--source", demo + "/hdfs-sample.log.gz", "--source-preset", "hdfs", "--source-labels", demo + "/hdfs-sample-labels.csv",
   "--target", demo + "/BGL_2k.log.gz", "--target-preset", "bgl", "--glove", demo + "/glove-demo.txt.gz", "--glove-top", "100",
   "--hidden", "8", "--layers", "1", "--epochs", String(epochs), "--batch", "64", "--seed", String(seed), "-o", out] + extra
}

@Suite(.serialized) struct TrainScoreTests {
  @Test func fitIsDeterministicAndReportsBothTestParts() throws {
    let dir = try scratchDirectory("fit")
    let r1 = try runTool("zl-train", fitArgs(dir + "/a.zlck", extra: ["--report", dir + "/r.json", "--method", "zerolog", "--meta-order", "2"]))
    #expect(r1.status == 0, "\(r1)")
    let r2 = try runTool("zl-train", fitArgs(dir + "/b.zlck", extra: ["--method", "zerolog", "--meta-order", "2", "--quiet"]))
    #expect(r2.status == 0 && r2.stderr.isEmpty, "\(r2)")
    #expect(try readWholeFile(dir + "/a.zlck") == (try readWholeFile(dir + "/b.zlck")), "same inputs and seed must give the same bytes")
    let report = try JSONParser().parse(try readWholeFile(dir + "/r.json"))
    for part in ["inductive", "transductive"] {
      let m = report["test"]?[part]
      for k in ["precision", "recall", "f1", "roc_auc", "pr_auc", "tp", "fp", "tn", "fn"] { #expect(m?[k] != nil, "test.\(part).\(k)") }
    }
    #expect(report["test"]?["inductive"]?["sessions"]?.integerValue == 50)
    #expect(report["test"]?["transductive"]?["sessions"]?.integerValue == 100)
    #expect(report["source_validation"]?["f1"] != nil && report["epochs"]?.arrayValue?.count == 2)
    // Another seed gives another model.
    let r3 = try runTool("zl-train", fitArgs(dir + "/c.zlck", extra: ["--method", "zerolog", "--meta-order", "2", "--quiet"], seed: 4))
    #expect(r3.status == 0)
    #expect(try readWholeFile(dir + "/a.zlck") != (try readWholeFile(dir + "/c.zlck")))
    // The checkpoint verifies and carries the reproducibility record.
    let v = try runTool("zl-pack", ["verify", dir + "/a.zlck", "--scoring"])
    #expect(v.status == 0, "\(v)")
    let cp = try Checkpoint.load(path: dir + "/a.zlck")
    #expect(cp.repro?["train.method"] != nil && cp.repro?["data.source.0.sha256"] != nil && cp.repro?["seed"] != nil)
  }

  @Test func configFileHoldsSettingsAndFlagsWin() throws {
    let dir = try scratchDirectory("config")
    let cfg = """
      {"source": ["\(demo)/hdfs-sample.log.gz"], "source-preset": "hdfs", "source-labels": "\(demo)/hdfs-sample-labels.csv",
       "target": ["\(demo)/BGL_2k.log.gz"], "target-preset": "bgl", "glove": "\(demo)/glove-demo.txt.gz", "glove-top": 100,
       "hidden": 8, "layers": 1, "epochs": 1, "batch": 64, "seed": 3, "method": "zerolog", "quiet": true}
      """
    try writeFileAtomically(dir + "/c.json", Array(cfg.utf8))
    let r = try runTool("zl-train", ["fit", "--config", dir + "/c.json", "--method", "supervised", "-o", dir + "/m.zlck"])
    #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
    let cp = try Checkpoint.load(path: dir + "/m.zlck")
    #expect(cp.repro?["train.method"] == .string("supervised"))
    #expect(cp.repro?["train.hidden_size"] == .uint(8))
    let bad = try runTool("zl-train", ["fit", "--config", dir + "/nope.json", "-o", dir + "/x.zlck"])
    #expect(bad.status == 66, "\(bad)")
  }

  @Test func resumeEndsWithTheSameFile() throws {
    let dir = try scratchDirectory("resume")
    let full = try runTool("zl-train", fitArgs(dir + "/full.zlck", extra: ["--quiet", "--method", "metalog", "--target-label-fraction", "0.2"], epochs: 3))
    #expect(full.status == 0, "\(full)")
    let part = try runTool("zl-train", fitArgs(dir + "/part.zlck", extra: ["--quiet", "--method", "metalog", "--target-label-fraction", "0.2", "--stop-after-epoch", "1"], epochs: 3))
    #expect(part.status == 0 && fileExists(dir + "/part.zlck.resume") && !fileExists(dir + "/part.zlck"), "\(part)")
    let rest = try runTool("zl-train", fitArgs(dir + "/part.zlck", extra: ["--method", "metalog", "--target-label-fraction", "0.2", "--resume"], epochs: 3))
    #expect(rest.status == 0 && rest.stderr.contains("resuming after epoch 1"), "\(rest)")
    #expect(try readWholeFile(dir + "/full.zlck") == (try readWholeFile(dir + "/part.zlck")))
    #expect(!fileExists(dir + "/part.zlck.resume"))
    // A resume file from other settings is refused.
    _ = try runTool("zl-train", fitArgs(dir + "/x.zlck", extra: ["--quiet", "--stop-after-epoch", "1"], epochs: 3))
    let other = try runTool("zl-train", fitArgs(dir + "/x.zlck", extra: ["--resume"], epochs: 3, seed: 9))
    // (bad data, 65: the file belongs to another run; the hint says what to do)
    #expect(other.status == 65 && other.stderr.contains("other settings or inputs [badResumeFile]")
            && other.stderr.contains("hint: remove it or drop --resume"), "\(other)")
  }

  @Test func scoreAgreesWithEvalAndStreams() throws {
    let dir = try scratchDirectory("score")
    let m = dir + "/m.zlck"
    #expect(try runTool("zl-train", fitArgs(m, extra: ["--quiet", "--method", "supervised"])).status == 0)
    let ev = try runTool("zl-train", ["eval", m, "--logs", demo + "/BGL_2k.log.gz", "--preset", "bgl", "--scores", dir + "/s.jsonl", "--report", dir + "/e.json"])
    #expect(ev.status == 0 && ev.stderr.contains("100 sessions"), "\(ev)")
    let sc = try runTool("zl-score", [m, demo + "/BGL_2k.log.gz"])
    #expect(sc.status == 0, "\(sc)")
    let evalLines = String(decoding: try readWholeFile(dir + "/s.jsonl"), as: UTF8.self).split(separator: "\n")
    let scoreLines = sc.stdout.split(separator: "\n")
    #expect(evalLines.count == 100 && scoreLines.count == 100)
    var evalScores: [String: Double] = [:]
    for l in evalLines { let j = try JSONParser().parse(String(l)); evalScores[j["session"]!.stringValue!] = j["score"]!.doubleValue! }
    for l in scoreLines {
      let j = try JSONParser().parse(String(l))
      let key = j["session"]!.stringValue!
      #expect(abs(j["score"]!.doubleValue! - evalScores[key]!) <= 1e-6, "\(key)")
      for k in ["anomaly", "events", "new_templates", "first_line", "last_line"] { #expect(j[k] != nil) }
    }
    // The score cache changes nothing.
    let uncached = try runTool("zl-score", [m, demo + "/BGL_2k.log.gz", "--cache", "0", "--batch", "7"])
    #expect(uncached.stdout == sc.stdout)
    // Nor does how sessions wait for the network: small batches of cache misses, with repeats of
    // waiting sequences in between, come out in closing order with the same scores.
    for batch in ["1", "3"] {
      let small = try runTool("zl-score", [m, demo + "/BGL_2k.log.gz", "--batch", batch])
      #expect(small.stdout == sc.stdout, "--batch \(batch)")
    }
    // --explain only appends its field: the plain lines (written directly) are the explained ones'
    // prefix, byte for byte (those go through the JSON object writer).
    let explained = try runTool("zl-score", [m, demo + "/BGL_2k.log.gz", "--explain"])
    let explainedLines = explained.stdout.split(separator: "\n")
    #expect(explainedLines.count == scoreLines.count)
    for (plain, withExplain) in zip(scoreLines, explainedLines) {
      #expect(withExplain.hasPrefix(plain.dropLast() + ",\"explain\":["), "\(plain)")
    }
    // Standard input, CSV, text with --explain, and --fail-on-anomaly at threshold 0.
    let plain = try readWholeFile(fixture("Tools/demo/data/BGL_2k.log.gz"))
    let csv = try runTool("zl-score", [m, "--format", "csv"], stdin: plain)
    #expect(csv.status == 0 && csv.stdout.hasPrefix("session,score,anomaly,events,new_templates,first_line,last_line,closed\n"))
    let text = try runTool("zl-score", [m, demo + "/BGL_2k.log.gz", "--format", "text", "--explain", "--explain-top", "2", "--threshold", "0"])
    #expect(text.stdout.contains("ANOMALY") && text.stdout.contains("    line "))
    let fail = try runTool("zl-score", [m, demo + "/BGL_2k.log.gz", "--threshold", "0", "--fail-on-anomaly", "--quiet"])
    #expect(fail.status == 1)
    // A threshold above every score flags nothing: exit 0; at the highest score, exactly the sessions
    // with that score are flagged: exit 1.
    let scores = try scoreLines.map { try #require(JSONParser().parse(String($0))["score"]?.doubleValue) }
    let top = try #require(scores.max())
    try #require(top < 1, "no threshold above a score of 1")
    let pass = try runTool("zl-score", [m, demo + "/BGL_2k.log.gz", "--threshold", JSON.formatNumber(top.nextUp), "--fail-on-anomaly", "--quiet"])
    #expect(pass.status == 0 && pass.stdout.contains("\"anomaly\":false") && !pass.stdout.contains("\"anomaly\":true"), "\(pass.status)")
    let atTop = try runTool("zl-score", [m, demo + "/BGL_2k.log.gz", "--threshold", JSON.formatNumber(top), "--fail-on-anomaly", "--only-anomalies", "--quiet"])
    #expect(atTop.status == 1 && atTop.stdout.split(separator: "\n").count == scores.filter { $0 == top }.count)
    // A closed pipe ends cleanly.
    let piped = try runTool("/bin/sh", ["-c", "\"$0\" \"$1\" \"$2\" | head -1 >/dev/null; echo done", productsDirectory + "/zl-score", m, demo + "/BGL_2k.log.gz"])
    #expect(piped.stdout == "done\n" && !piped.stderr.contains("error"), "\(piped)")
  }

  @Test func scoreSurvivesBadLogsAndRejectsBadCheckpoints() throws {
    let dir = try scratchDirectory("badscore")
    let m = dir + "/m.zlck"
    #expect(try runTool("zl-train", fitArgs(m, extra: ["--quiet", "--method", "supervised"], epochs: 1)).status == 0)
    var rng = SplitMix64(seed: testSeed)
    var garbage = (0..<200_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    garbage += Array(repeating: 0x41, count: 10 << 20) + [0x0A] + [0xFF, 0xFE, 0xC0, 0x0A, 0x00, 0x0A]
    let g = try runTool("zl-score", [m, "--max-line-length", "65536", "--json", "--sessions", "window:5"], stdin: garbage)
    #expect(g.status == 0, "\(g.stderr)")
    // Random bytes do not fit the model: one warning saying so, then the JSON summary (the last line).
    #expect(g.stderrLines.count == 2 && g.stderrLines[0].contains("are binary"), "\(g.stderr)")
    let summary = try JSONParser().parse(try #require(g.stderrLines.last))
    #expect((summary["truncated_lines"]?.integerValue ?? 0) >= 1)
    // Truncated, newer-major and missing checkpoints.
    let bytes = try readWholeFile(m)
    try writeFileAtomically(dir + "/t.zlck", Array(bytes.prefix(bytes.count / 2)))
    let t = try runTool("zl-score", [dir + "/t.zlck", demo + "/BGL_2k.log.gz"])
    #expect(t.status == 65 && t.stderrLines.count == 1 && t.stderr.contains("t.zlck"), "\(t)")
    let newer = try runTool("zl-score", [fixture("Formats/vectors/v1/invalid/unsupportedMajorVersion.zlck"), demo + "/BGL_2k.log.gz"])
    #expect(newer.status == 65 && newer.stderr.contains("[unsupportedMajorVersion]"), "\(newer)")
    let missing = try runTool("zl-score", [dir + "/nope.zlck"])
    #expect(missing.status == 66)
  }

  @Test func badTrainingInputsFailBeforeTraining() throws {
    let dir = try scratchDirectory("badfit")
    // Source labels with no anomaly.
    let labels = String(decoding: try readWholeFile(demo + "/hdfs-sample-labels.csv"), as: UTF8.self).replacingAll("Anomaly", "Normal")
    try writeFileAtomically(dir + "/normal.csv", Array(labels.utf8))
    var args = fitArgs(dir + "/o.zlck")
    args[args.firstIndex(of: demo + "/hdfs-sample-labels.csv")!] = dir + "/normal.csv"
    let r1 = try runTool("zl-train", args)
    #expect(r1.status == 65 && r1.stderr.contains("no anomalous session"), "\(r1)")
    // Labels that match no session.
    try writeFileAtomically(dir + "/other.csv", Array("BlockId,Label\nblk_1,Anomaly\nblk_2,Normal\n".utf8))
    args[args.firstIndex(of: dir + "/normal.csv")!] = dir + "/other.csv"
    let r2 = try runTool("zl-train", args)
    #expect(r2.status == 65 && r2.stderr.contains("match none"), "\(r2)")
    // An empty target.
    try writeFileAtomically(dir + "/empty.log", [])
    var a3 = fitArgs(dir + "/o.zlck")
    a3[a3.firstIndex(of: demo + "/BGL_2k.log.gz")!] = dir + "/empty.log"
    let r3 = try runTool("zl-train", a3)
    #expect(r3.status == 65 && r3.stderr.contains("no lines"), "\(r3)")
    // A session rule that yields nothing.
    let r4 = try runTool("zl-train", fitArgs(dir + "/o.zlck", extra: ["--target-sessions", "regex:NO_SUCH_KEY_[0-9]+"]))
    #expect(r4.status == 65 && r4.stderr.contains("yields no session"), "\(r4)")
    // A GloVe file whose rows disagree on the dimension.
    try writeFileAtomically(dir + "/bad.txt", Array("block 0.1 0.2 0.3\nreceived 0.1 0.2\n".utf8))
    var a5 = fitArgs(dir + "/o.zlck")
    a5[a5.firstIndex(of: demo + "/glove-demo.txt.gz")!] = dir + "/bad.txt"
    let r5 = try runTool("zl-train", a5)
    #expect(r5.status == 65 && r5.stderr.contains("bad.txt") && r5.stderr.contains("line 2"), "\(r5)")
    // A source with almost nothing labelled.
    try writeFileAtomically(dir + "/two.csv", Array("BlockId,Label\nblk_8716244237763720958,Anomaly\nblk_4394112519745907149,Normal\n".utf8))
    var a7 = fitArgs(dir + "/o.zlck", extra: ["--validation-fraction", "0.9"])
    a7[a7.firstIndex(of: demo + "/hdfs-sample-labels.csv")!] = dir + "/two.csv"
    let r7 = try runTool("zl-train", a7)
    #expect(r7.status == 65 && r7.stderr.contains("need at least 2"), "\(r7)")
    // An output that cannot be written fails before any work.
    let r8 = try runTool("zl-train", fitArgs(dir + "/no/such/dir/o.zlck"))
    #expect(r8.status == 73 && r8.stderr.contains("cannot create") && !r8.stderr.contains("epoch"), "\(r8)")
    // metalog without a label fraction is a usage error.
    let r6 = try runTool("zl-train", fitArgs(dir + "/o.zlck", extra: ["--method", "metalog"]))
    #expect(r6.status == 64, "\(r6)")
    for r in [r1, r2, r3, r4, r5] { #expect(r.stderrLines.filter { $0.contains("error") }.count == 1) }
    #expect(!fileExists(dir + "/o.zlck"))
  }
}

extension String {
  func replacingAll(_ a: String, _ b: String) -> String { split(separator: a, omittingEmptySubsequences: false).joined(separator: b) }
}

@Test func scoreRefusesNonFiniteWeights() throws {
  let dir = try scratchDirectory("nan")
  let m = dir + "/m.zlck"
  #expect(try runTool("zl-train", fitArgs(m, extra: ["--quiet", "--method", "supervised"], epochs: 1)).status == 0)
  var cp = try Checkpoint.load(path: m)
  var ts = cp.tensors!
  let t = ts["classifier.bias"]!
  var v = t.floats()
  v[1] = .nan
  ts.insert(ZLFormat.Tensor(name: t.name, shape: t.shape, floats: v))
  cp.tensors = ts
  _ = try cp.write(to: dir + "/nan.zlck")
  let r = try runTool("zl-score", [dir + "/nan.zlck", demo + "/BGL_2k.log.gz"])
  #expect(r.status == 65 && r.stderrLines.count == 1 && r.stderr.contains("nan") && r.stderr.contains("classifier.bias"), "\(r)")
}

/// --max-sessions: at most N target sessions (held out + adaptation), the sample said in the
/// report, stratified (the anomalous share kept), the same seed the same bytes.
@Test func maxSessionsSamplesAndSaysSo() throws {
  let dir = try scratchDirectory("max-sessions")
  func fit(_ out: String, _ extra: [String]) throws -> ToolResult {
    try runTool("zl-train", ["fit", "--target", demo + "/hdfs-sample.log.gz", "--target-preset", "hdfs", "--target-labels",
                             demo + "/hdfs-sample-labels.csv", "-o", out, "--report", out + ".json"] + extra)
  }
  let all = try fit(dir + "/all.zlck", ["--quiet"])
  #expect(all.status == 0, "\(all)")
  let r = try fit(dir + "/a.zlck", ["--max-sessions", "300"])
  #expect(r.status == 0 && r.stderr.contains("sampled 300 of"), "\(r)")
  let report = try JSONParser().parse(try readWholeFile(dir + "/a.zlck.json"))
  let full = try JSONParser().parse(try readWholeFile(dir + "/all.zlck.json"))
  let total = try #require(full["sampling"]?["target_sessions"]?["total"]?.integerValue)
  #expect(total > 300)
  #expect(report["sampling"]?["max_sessions"]?.integerValue == 300)
  #expect(report["sampling"]?["target_sessions"]?["used"]?.integerValue == 300)
  #expect(report["sampling"]?["target_sessions"]?["total"]?.integerValue == total)
  #expect(full["sampling"]?["max_sessions"] == JSON.null && full["sampling"]?["target_sessions"]?["used"]?.integerValue == total)
  let heldOut = try #require(report["test"]?["held_out_sessions"]?.integerValue)
  let adapt = try #require(report["test"]?["adaptation_sessions"]?.integerValue)
  #expect(heldOut + adapt == 300)
  // Stratified: the sample's anomalous share is the whole's (within one session in 300).
  func anomalies(_ j: JSON) -> Int64 { ["tp", "fn"].compactMap { j["test"]?["transductive"]?[$0]?.integerValue }.reduce(0, +) }
  func sessions(_ j: JSON) -> Int64 { ["tp", "fn", "fp", "tn"].compactMap { j["test"]?["transductive"]?[$0]?.integerValue }.reduce(0, +) }
  let share = Double(anomalies(full)) / Double(sessions(full))
  #expect(sessions(report) == 300)
  #expect(abs(Double(anomalies(report)) - share * 300) <= 1.01, "\(anomalies(report)) anomalies in 300; whole share \(share)")
  // The setting is in the model's REPR and the same seed gives the same bytes.
  #expect(try fit(dir + "/b.zlck", ["--max-sessions", "300", "--quiet"]).status == 0)
  #expect(try readWholeFile(dir + "/a.zlck") == (try readWholeFile(dir + "/b.zlck")))
  let diff = try runTool("zl-pack", ["diff", dir + "/all.zlck", dir + "/a.zlck"])
  #expect(diff.stdout.contains("key train.max_sessions: only in B (300)"), "\(diff)")
  #expect(try fit(dir + "/c.zlck", ["--max-sessions", "1"]).status == 64)
}

/// --progress-json FD: one JSON line per epoch (losses, domain accuracy, source validation) and one
/// when the run finishes; a descriptor that is not open is a usage error; a pipe gets no bar.
@Test func progressJSONWritesOneLinePerEpoch() throws {
  let dir = try scratchDirectory("progress")
  let r = try runTool("zl-train", fitArgs(dir + "/m.zlck", extra: ["--progress-json", "1"], epochs: 3))
  #expect(r.status == 0, "\(r)")
  let lines = r.stdout.split(separator: "\n").map { try? JSONParser().parse(Array($0.utf8)) }
  #expect(lines.count == 4 && lines.allSatisfy { $0 != nil }, "\(r.stdout)")
  let epochs = lines.compactMap { $0 }.filter { $0["event"]?.stringValue == "epoch" }
  #expect(epochs.map { $0["epoch"]?.integerValue } == [1, 2, 3])
  for e in epochs {
    for key in ["classification_loss", "domain_loss", "domain_accuracy", "source_validation_loss", "source_validation_f1",
                "sequences_per_second", "elapsed_seconds", "eta_seconds"] {
      #expect(e[key]?.doubleValue != nil, "\(key) missing in \(e.serialized())")
    }
    #expect(e["epochs"]?.integerValue == 3)
  }
  let last = try #require(lines.last ?? nil)
  #expect(last["event"]?.stringValue == "finished" && last["model"]?.stringValue == dir + "/m.zlck" && last["held_out_f1"]?.doubleValue != nil)
  // Stderr is a file here: one line per epoch, no carriage return, no escape sequence.
  #expect(r.stderrLines.filter { $0.contains("epoch ") }.count == 3 && !r.stderr.contains("\r") && !r.stderr.contains("\u{1B}"))
  // The same model as without progress.
  #expect(try runTool("zl-train", fitArgs(dir + "/q.zlck", extra: ["--quiet"], epochs: 3)).status == 0)
  #expect(try readWholeFile(dir + "/m.zlck") == (try readWholeFile(dir + "/q.zlck")))
  let bad = try runTool("zl-train", fitArgs(dir + "/x.zlck", extra: ["--progress-json", "97"], epochs: 1))
  #expect(bad.status == 64 && bad.stderr.contains("file descriptor 97 is not open") && !fileExists(dir + "/x.zlck"), "\(bad)")
}
