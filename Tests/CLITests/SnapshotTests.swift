// Exact output of every help page and of a few runs per tool, compared with the files in
// Tests/CLITests/Snapshots (the exit status, stdout and stderr of each). A change in what the tools
// print shows up here and must be re-recorded on purpose: `ZL_RECORD_SNAPSHOTS=1 swift test
// --filter SnapshotTests` writes the files, and a recording run fails so it cannot pass by accident.

import Testing
import ZLBase
import _ZLTestSupport

struct Snapshot: CustomStringConvertible, Sendable {
  let name: String
  let tool: String
  let args: [String]
  var stdin: [UInt8]? = nil
  var description: String { name }
}

let vectorModel = fixture("Formats/vectors/v1/valid/model-tiny.zlck")

/// The first lines of the bundled HDFS sample (real LogHub lines).
func hdfsLines(_ n: Int) -> [UInt8] {
  let r = try! LineReader(path: fixture("Tools/demo/data/hdfs-sample.log.gz"))
  var out: [UInt8] = []
  for _ in 0..<n {
    guard let l = try! r.next({ Array($0) }) else { break }
    out += l + [0x0A]
  }
  return out
}

let snapshots: [Snapshot] = {
  var s: [Snapshot] = []
  for tool in ["zl-train", "zl-pack", "zl-score"] { s.append(Snapshot(name: "\(tool)-help", tool: tool, args: ["--help"])) }
  for c in ["fit", "eval", "report", "parse"] { s.append(Snapshot(name: "zl-train-help-\(c)", tool: "zl-train", args: ["help", c])) }
  for c in ["inspect", "verify", "diff", "set-meta", "convert", "extract", "build", "import-drain3", "export", "export-drain3", "import", "card"] {
    s.append(Snapshot(name: "zl-pack-help-\(c)", tool: "zl-pack", args: ["help", c]))
  }
  s += [
    Snapshot(name: "zl-pack-inspect", tool: "zl-pack", args: ["inspect", vectorModel]),
    Snapshot(name: "zl-pack-inspect-tensors", tool: "zl-pack", args: ["inspect", vectorModel, "--tensors"]),
    Snapshot(name: "zl-score-hybrid", tool: "zl-score", args: [fixture("Formats/vectors/v1/valid/hybrid-1.1.zlck"), "--format", "text", "--explain", "--quiet"],
             stdin: hdfsLines(40)),
    Snapshot(name: "zl-pack-diff", tool: "zl-pack", args: ["diff", vectorModel, fixture("Formats/vectors/v1/valid/model-tiny-f16.zlck")]),
    Snapshot(name: "zl-pack-verify-invalid", tool: "zl-pack", args: ["verify", fixture("Formats/vectors/v1/invalid/sectionChecksumMismatch.zlck")]),
    Snapshot(name: "zl-pack-typo", tool: "zl-pack", args: ["inspect", vectorModel, "--jsn"]),
    Snapshot(name: "zl-score-text", tool: "zl-score", args: [vectorModel, "--format", "text", "--explain", "--explain-top", "2", "--quiet"], stdin: hdfsLines(40)),
    Snapshot(name: "zl-score-csv", tool: "zl-score", args: [vectorModel, "--format", "csv", "--quiet"], stdin: hdfsLines(40)),
    Snapshot(name: "zl-score-jsonl", tool: "zl-score", args: [vectorModel, "--quiet"], stdin: hdfsLines(40)),
    Snapshot(name: "zl-score-bad-model", tool: "zl-score", args: [fixture("Formats/vectors/v1/invalid/badMagic.zlck")], stdin: []),
    Snapshot(name: "zl-score-bad-rule", tool: "zl-score", args: [vectorModel, "--sessions", "node-window:5"], stdin: []),
    Snapshot(name: "zl-train-parse", tool: "zl-train", args: ["parse", "--preset", "hdfs", "--quiet", "-"], stdin: hdfsLines(25)),
    Snapshot(name: "zl-train-fit-missing", tool: "zl-train", args: ["fit", "--source", "s.log", "--source-preset", "hdfs"]),
  ]
  return s
}()

@Test(arguments: snapshots)
func outputMatchesItsSnapshot(_ s: Snapshot) throws {
  let r = try runTool(s.tool, s.args, stdin: s.stdin)
  // Paths of the checkout are not part of the output's meaning.
  let got = "exit \(r.status)\n--- stdout\n\(r.stdout)--- stderr\n\(r.stderr)".replacingAll(packageRoot + "/", with: "")
  let path = fixture("Tests/CLITests/Snapshots/\(s.name).txt")
  if environment("ZL_RECORD_SNAPSHOTS") == "1" {
    try writeFileAtomically(path, got)
    Issue.record("recorded \(path); run again without ZL_RECORD_SNAPSHOTS to check it")
    return
  }
  guard fileExists(path) else {
    Issue.record("no snapshot \(path): record it with ZL_RECORD_SNAPSHOTS=1 swift test --filter SnapshotTests")
    return
  }
  let want = String(decoding: try readWholeFile(path), as: UTF8.self)
  #expect(got == want, "\(s.name): output differs from its snapshot (re-record with ZL_RECORD_SNAPSHOTS=1 if the change is meant)")
}

extension String {
  func replacingAll(_ a: String, with b: String) -> String {
    guard !a.isEmpty else { return self }
    var out = "", rest = Substring(self)
    while let r = rest.range(of: a) {
      out += rest[..<r.lowerBound] + b
      rest = rest[r.upperBound...]
    }
    return out + rest
  }
}

extension Substring {
  func range(of needle: String) -> Range<Substring.Index>? {
    let n = Array(needle.utf8)
    var i = startIndex
    while i < endIndex {
      if self[i...].utf8.starts(with: n) { return i..<self.utf8.index(i, offsetBy: n.count) }
      i = index(after: i)
    }
    return nil
  }
}
