// zl-train parse end to end: logparser-compatible CSV, one row per input line, and bad input
// (invalid UTF-8, NUL bytes, empty files, 10 MB lines, missing files, bad formats).

import Testing
import ZLBase
import _ZLTestSupport

@Test func parsePrintsOneCSVRowPerLine() throws {
  let dir = try scratchDirectory("parse")
  let log = dir + "/x.log"
  try writeFileAtomically(log, "081109 203518 143 INFO dfs.DataNode: Receiving block blk_1 src: /10.0.0.1:5\r\n081109 203519 143 INFO dfs.DataNode: Receiving block blk_2 src: /10.0.0.2:6\nnot matching the format, at all\n")
  let r = try runTool("zl-train", ["parse", "--preset", "hdfs", log])
  #expect(r.status == 0, "\(r)")
  let rows = r.stdout.split(separator: "\n").map(String.init)
  #expect(rows == ["LineId,EventId,EventTemplate", "1,E1,Receiving block <*> src: /<*>", "2,E1,Receiving block <*> src: /<*>",
                   "3,E2,\"not matching the format, at all\""])
  #expect(r.stderr.contains("1 lines did not match the log format"))
}

@Test func parseSurvivesBadBytesAndHugeLines() throws {
  let dir = try scratchDirectory("parsebad")
  let log = dir + "/bad.log"
  var bytes: [UInt8] = Array("081109 203518 143 INFO a: ok line\n".utf8)
  bytes += [0xFF, 0xFE, 0x00, 0x41, 0x0A]
  bytes += [UInt8](repeating: 0x61, count: 10_000_000) + [0x0A]
  bytes += [0x00, 0x00, 0x0A]
  try writeFileAtomically(log, bytes)
  let r = try runTool("zl-train", ["parse", "--preset", "hdfs", "--max-line-length", "65536", log])
  #expect(r.status == 0, "\(r)")
  #expect(r.stdout.split(separator: "\n").count == 5)
  #expect(r.stderr.contains("1 lines cut at 65536 bytes") && r.stderr.contains("not valid UTF-8"))
  let empty = dir + "/empty.log"
  try writeFileAtomically(empty, [])
  let e = try runTool("zl-train", ["parse", "--preset", "hdfs", empty])
  #expect(e.status == 0 && e.stdout == "LineId,EventId,EventTemplate\n")
}

@Test func parseUsageAndMissingInput() throws {
  #expect(try runTool("zl-train", ["parse", "/nonexistent.log", "--preset", "hdfs"]).status == 66)
  #expect(try runTool("zl-train", ["parse", "x.log"]).status == 64)
  let badMask = try runTool("zl-train", ["parse", "--log-format", "<Content>", "--mask", "N=(unclosed", "x.log"])
  #expect(badMask.status == 64 && badMask.stderr.contains("(unclosed"))
  let noContent = try runTool("zl-train", ["parse", "--log-format", "<Date> <Time>", "x.log"])
  #expect(noContent.status == 64 && noContent.stderr.contains("<Content>"))
  #expect(try runTool("zl-train", ["parse", "--preset", "nosuch", "x.log"]).status == 64)
}

@Test(.enabled(if: sharedDataRoot != nil, "needs the shared data (../shared/data or ZL_DATA)"))
func parseReadsGzipAndStdin() throws {
  let data = sharedDataRoot!
  let r = try runTool("zl-train", ["parse", "--preset", "hdfs", data + "/hdfs-2pct/HDFS_2pct.log.gz", "--json"])
  #expect(r.status == 0)
  let summary = try JSONParser().parse(r.stderrLines.last ?? "")
  #expect(summary["lines"]?.integerValue == 222_579)
  let s = try runTool("zl-train", ["parse", "--preset", "hdfs", "-"], stdin: Array("081109 203518 143 INFO a: hello 1\n".utf8))
  #expect(s.stdout.contains("1,E1,hello 1"))
}

@Test func parseIsMaskAwareUnlessAskedForDrain3() throws {
  let lines = Array("""
    [10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS
    [10.30 16:49:07] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy p3p.sogou.com:80 SOCKS5

    """.utf8)
  let args = ["parse", "--log-format", #"\[<Time>\] <Program> - <Content>"#, "--depth", "3", "--sim", "0.6",
              "--mask", #"HOST=([\w-]+\.)+[\w-]+(:\d+)?"#, "-", "--quiet"]
  let aware = try runTool("zl-train", args, stdin: lines)
  #expect(aware.status == 0 && aware.stdout.contains("1,E1,<HOST> open through proxy <HOST> HTTPS") && aware.stdout.contains("2,E2,"), "\(aware)")
  let d3 = try runTool("zl-train", args + ["--drain3-compatible"], stdin: lines)
  #expect(d3.status == 0 && d3.stdout.contains("2,E1,<HOST> open through proxy <HOST> <*>"), "\(d3)")
}

@Test func parseOnTwoThreadsEqualsOneThread() throws {
  let demoData = fixture("Tools/demo/data")
  for (preset, file) in [("hdfs", "hdfs-sample.log.gz"), ("bgl", "BGL_2k.log.gz")] {
    let one = try runTool("zl-train", ["parse", "--preset", preset, demoData + "/" + file, "--threads", "1", "--json"])
    let two = try runTool("zl-train", ["parse", "--preset", preset, demoData + "/" + file, demoData + "/" + file, "--threads", "2", "--json"])
    let oneAgain = try runTool("zl-train", ["parse", "--preset", preset, demoData + "/" + file, demoData + "/" + file, "--threads", "1", "--json"])
    #expect(one.status == 0 && two.status == 0 && oneAgain.status == 0)
    #expect(two.stdout == oneAgain.stdout, "\(preset): two threads differ from one")
    let s1 = try JSONParser().parse(oneAgain.stderrLines.last ?? ""), s2 = try JSONParser().parse(two.stderrLines.last ?? "")
    for k in ["lines", "templates", "unmatched_format", "truncated", "repaired_utf8"] { #expect(s1[k] == s2[k], "\(preset): \(k)") }
    #expect(one.stdout.split(separator: "\n").count * 2 - 1 == two.stdout.split(separator: "\n").count)
  }
  // A damaged gzip read on the second thread is the same error as on one.
  let dir = try scratchDirectory("parse-threads")
  var gz = try readWholeFile(demoData + "/hdfs-sample.log.gz")
  gz.removeLast(gz.count / 2)
  try writeFileAtomically(dir + "/cut.log.gz", gz)
  let a = try runTool("zl-train", ["parse", "--preset", "hdfs", dir + "/cut.log.gz", "--threads", "1", "--quiet"])
  let b = try runTool("zl-train", ["parse", "--preset", "hdfs", dir + "/cut.log.gz", "--threads", "2", "--quiet"])
  #expect(a.status != 0 && a.status == b.status && a.stderr == b.stderr, "\(a)\n\(b)")
}
