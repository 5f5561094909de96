// zl-score under a log shipper (issue 17): SIGTERM mid-stream closes and scores every open session
// (their records equal those of the same lines followed by end of input, closed: "signal"); idle
// sessions of a quiet stream close by wall clock; N shards give the single run's records; input that
// does not fit the model is said (or refused with --strict), compressed input other than gzip refused.

#if canImport(Glibc)
  import Glibc
#endif
import Testing
import ZLBase
import _ZLTestSupport

/// Starts zl-score with `args`, stdout to `out` (stderr to `out`.err); returns its pid.
func spawnScore(_ args: [String], stdout out: String) throws -> pid_t {
  try spawnTool("zl-score", args, stdout: out, stderr: out + ".err")
}

func hdfsDemoLines(_ n: Int) throws -> [UInt8] {
  let r = try LineReader(path: demo + "/hdfs-sample.log.gz")
  var out: [UInt8] = []
  for _ in 0..<n {
    guard let l = try r.next({ Array($0) }) else { break }
    out += l + [0x0A]
  }
  return out
}

/// Records without their `closed` field (the one thing a stop changes).
func withoutClosed(_ text: String) -> [String] {
  text.split(separator: "\n").map { String($0).replacingAll(#","closed":"signal""#, "").replacingAll(#","closed":"end""#, "") }
}

@Suite(.serialized) struct ProductionTests {
  @Test func sigtermClosesAndScoresEveryOpenSession() throws {
    let dir = try scratchDirectory("sigterm")
    let model = dir + "/h.zlck"
    #expect(try runTool("zl-train", ["fit", "--target", demo + "/hdfs-sample.log.gz", "--target-preset", "hdfs", "--quiet", "-o", model]).status == 0)
    let lines = try hdfsDemoLines(5000)
    try writeFileAtomically(dir + "/in.log", lines)
    let want = try runTool("zl-score", [model, dir + "/in.log", "--quiet"])
    // The same lines through a FIFO that stays open, then SIGTERM.
    let fifo = dir + "/fifo"
    #expect(mkfifo(fifo, 0o600) == 0)
    let pid = try spawnScore([model, fifo, "--json"], stdout: dir + "/out.jsonl")
    let fd = open(fifo, O_WRONLY)
    #expect(fd >= 0)
    _ = lines.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    // Wait until every line was read (the summary is not out yet; the lines are consumed).
    usleep(1_500_000)
    kill(pid, SIGTERM)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    close(fd)
    #expect(status == 0, "exit status \(status)")
    let got = String(decoding: try readWholeFile(dir + "/out.jsonl"), as: UTF8.self)
    #expect(got.contains(#""closed":"signal""#) && withoutClosed(got) == withoutClosed(want.stdout),
            "\(got.split(separator: "\n").count) records after SIGTERM, \(want.stdout.split(separator: "\n").count) at end of input")
    let summary = String(decoding: try readWholeFile(dir + "/out.jsonl.err"), as: UTF8.self)
    #expect(summary.contains(#""stopped_by":"SIGTERM""#) && summary.contains(#""lines":5000"#), "\(summary)")
  }

  @Test func quietStreamsCloseIdleSessions() throws {
    let dir = try scratchDirectory("idle")
    let model = dir + "/h.zlck"
    #expect(try runTool("zl-train", ["fit", "--target", demo + "/hdfs-sample.log.gz", "--target-preset", "hdfs", "--quiet", "-o", model]).status == 0)
    try writeFileAtomically(dir + "/in.log", try hdfsDemoLines(2000))
    // A stream that goes quiet for 3 s before it ends: with --idle-seconds 1 every session closes as idle.
    let r = try runTool("/bin/sh", ["-c", "(cat \"$1\"; sleep 3) | \"$0\" \"$2\" --idle-seconds 1 --quiet", productsDirectory + "/zl-score", dir + "/in.log", model])
    let records = r.stdout.split(separator: "\n")
    #expect(r.status == 0 && !records.isEmpty && records.allSatisfy { $0.contains(#""closed":"idle""#) }, "\(r.stdout.prefix(300))")
  }

  @Test func shardsTogetherGiveTheSingleRun() throws {
    let dir = try scratchDirectory("shard")
    let model = dir + "/h.zlck"
    #expect(try runTool("zl-train", ["fit", "--target", demo + "/hdfs-sample.log.gz", "--target-preset", "hdfs", "--quiet", "-o", model]).status == 0)
    let all = try runTool("zl-score", [model, demo + "/hdfs-sample.log.gz", "--quiet"])
    var parts: [Substring] = []
    for k in 0..<3 {
      let r = try runTool("zl-score", [model, demo + "/hdfs-sample.log.gz", "--quiet", "--shard", "\(k)/3"])
      #expect(r.status == 0 && !r.stdout.isEmpty)
      parts += r.stdout.split(separator: "\n")
    }
    #expect(parts.sorted() == all.stdout.split(separator: "\n").sorted())
    #expect(try runTool("zl-score", [model, "--shard", "3/3"]).status == 64)
  }

  @Test func inputThatDoesNotFitIsSaidOrRefused() throws {
    let dir = try scratchDirectory("fit")
    let bgl = dir + "/b.zlck"
    #expect(try runTool("zl-train", ["fit", "--target", demo + "/BGL_2k.log.gz", "--target-preset", "bgl", "--quiet", "-o", bgl]).status == 0)
    // HDFS lines to a BGL model: one warning with the figures; --strict: exit 65.
    let w = try runTool("zl-score", [bgl, demo + "/hdfs-sample.log.gz"])
    #expect(w.status == 0 && w.stderrLines.filter { $0.contains("warning: of the first 1,000 lines") && $0.contains("match no template") }.count == 1, "\(w.stderr)")
    let s = try runTool("zl-score", [bgl, demo + "/hdfs-sample.log.gz", "--strict"])
    #expect(s.status == 65 && s.stderrLines.count == 1 && s.stderr.contains("are these the logs"), "\(s.stderr)")
    let ok = try runTool("zl-score", [bgl, demo + "/BGL_2k.log.gz", "--strict", "--quiet"])
    #expect(ok.status == 0 && ok.stderr.isEmpty)
    // Compressed input zl does not read: named, with the command that decompresses it.
    for (name, magic) in [("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00] as [UInt8]), ("zstd", [0x28, 0xB5, 0x2F, 0xFD]), ("zip", [0x50, 0x4B, 0x03, 0x04])] {
      try writeFileAtomically(dir + "/f.\(name)", magic + [UInt8](repeating: 7, count: 64))
      let r = try runTool("zl-score", [bgl, dir + "/f.\(name)"])
      #expect(r.status == 65 && r.stderr.contains("\(name)-compressed") && r.stderrLines.count == 1, "\(r)")
    }
  }

  @Test func provenanceStatisticsAndMetrics() throws {
    let dir = try scratchDirectory("observe")
    let model = dir + "/h.zlck"
    #expect(try runTool("zl-train", ["fit", "--target", demo + "/hdfs-sample.log.gz", "--target-preset", "hdfs", "--quiet", "-o", model]).status == 0)
    try writeFileAtomically(dir + "/a.log", try hdfsDemoLines(300))
    let r = try runTool("zl-score", [model, dir + "/a.log", demo + "/hdfs-sample.log.gz", "--provenance", "--metrics-file", dir + "/m.prom", "--quiet"])
    #expect(r.status == 0)
    // A session's source is the input of its first line (line numbers go on across inputs).
    for line in r.stdout.split(separator: "\n").prefix(50) {
      let rec = try JSONParser().parse(String(line))
      let first = try #require(rec["first_line"]?.integerValue)
      #expect(rec["source"]?.stringValue == (first <= 300 ? dir + "/a.log" : demo + "/hdfs-sample.log.gz") && rec["first_time"]?.stringValue?.count == 13, "\(rec)")
    }
    let prom = String(decoding: try readWholeFile(dir + "/m.prom"), as: UTF8.self)
    let sessions = r.stdout.split(separator: "\n").count
    #expect(prom.contains("# TYPE zl_score_lines_total counter") && prom.contains("zl_score_sessions_total{model=\"\(model)\"} \(sessions)")
            && prom.contains("zl_score_open_sessions{"), "\(prom)")
    // --stats-every on a quiet stream: statistics lines while it waits.
    let s = try runTool("/bin/sh", ["-c", "(cat \"$1\"; sleep 2) | \"$0\" \"$2\" --stats-every 0.5 --json > /dev/null", productsDirectory + "/zl-score", dir + "/a.log", model])
    let lines = s.stderrLines.filter { $0.hasPrefix("{\"lines\":300") }
    #expect(s.status == 0 && lines.count >= 3, "\(s.stderr)")
  }
}
