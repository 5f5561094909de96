// zl-train on big archives (issue 17): the logs are streamed, never held — lines numbered across
// files (plain and gzip), a file that changes between passes refused with its name — and
// --max-sessions' sampler: at most N, seeded, stratified by label, every anomaly class kept.

#if canImport(Glibc)
  import Glibc
#endif
import Testing
import ZLBase
import ZLDrain
@testable import ZLTraining
import _ZLTestSupport

func hdfsSpec(_ files: [String]) throws -> SystemSpec {
  let p = try #require(LogPresets.named("hdfs"))
  return SystemSpec(role: "target", files: files, presetName: "hdfs", settings: try #require(p.detection),
                    session: SessionSection(rule: try #require(p.sessionRule)), labelFile: nil, inlineLabelField: nil, nodeField: nil,
                    levelField: p.levelField)
}

@Test func corpusStreamsLinesAcrossFilesInOrder() throws {
  let dir = try scratchDirectory("corpus")
  let a = "081109 203615 148 INFO dfs.DataNode$PacketResponder: Received block blk_1 of size 1 from /10.0.0.1\n"
  let b = "081109 203616 149 INFO dfs.DataNode$PacketResponder: Received block blk_2 of size 2 from /10.0.0.2\n"
  try writeFileAtomically(dir + "/a.log", a + b)
  try writeFileAtomically(dir + "/b.log", b)
  let corpus = try Corpus(try hdfsSpec([dir + "/a.log", dir + "/b.log"]))
  #expect(corpus.lineCount == 3 && corpus.digests.map(\.lines) == [2, 1])
  var seen: [(Int, String)] = []
  try corpus.forEachLine { i, l in seen.append((i, String(decoding: l, as: UTF8.self))) }
  #expect(seen.map(\.0) == [0, 1, 2])
  #expect(seen.map(\.1) == [a, b, b].map { String($0.dropLast()) })
  // A second pass gives the same lines (the files are read again, not held).
  var again = 0
  try corpus.forEachLine { _, _ in again += 1 }
  #expect(again == 3)
  var sessions: [LineSession] = []
  try corpus.sessionLines { sessions.append(LineSession($0)) }
  #expect(Set(sessions.map(\.key)) == ["blk_1", "blk_2"])
  #expect(sessions.first { $0.key == "blk_2" }?.lines == [1, 2])
}

@Test func aLogThatChangesBetweenPassesIsRefusedByName() throws {
  let dir = try scratchDirectory("corpus-change")
  let line = "081109 203615 148 INFO dfs.DataNode$PacketResponder: Received block blk_1 of size 1 from /10.0.0.1\n"
  try writeFileAtomically(dir + "/a.log", line)
  let corpus = try Corpus(try hdfsSpec([dir + "/a.log"]))
  let fd = open(dir + "/a.log", O_WRONLY | O_APPEND)
  #expect(fd >= 0)
  _ = line.withCString { write(fd, $0, strlen($0)) }
  close(fd)
  do {
    try corpus.forEachLine { _, _ in }
    Issue.record("a changed log was read without a word")
  } catch let e as IOFailure {
    #expect(e.message.contains(dir + "/a.log") && e.message.contains("changed"), "\(e.message)")
  }
}

@Test func lineSetCountsEachLineOnce() {
  var s = LineSet(capacity: 130)
  for i in [0, 63, 64, 129, 64] { s.insert(i) }
  #expect(s.count == 4)
  #expect(s.contains(63) && s.contains(64) && s.contains(129) && !s.contains(1) && !s.contains(500))
}

@Test func samplerKeepsAtMostNStratifiedAndSeeded() {
  // 1,000 sessions: 900 normal, 60 anomalous, 40 unlabelled.
  func labels(_ i: Int) -> Bool? { i % 25 == 3 ? nil : i % 50 < 3 ? true : false }
  func sample(_ n: Int?, seed: UInt64) -> ([Int], [Bool?]) {
    var s = SessionSampler<Int>(limit: n, seed: seed)
    for i in 0..<1000 { s.offer(i, label: labels(i)) }
    #expect(s.total == 1000)
    let (items, l) = s.finish()
    return (items, l)
  }
  let counts = (0..<1000).reduce(into: [0, 0, 0]) { c, i in c[labels(i) == nil ? 2 : labels(i)! ? 1 : 0] += 1 }
  let (kept, kl) = sample(100, seed: 7)
  #expect(kept.count == 100)
  #expect(kept == kept.sorted(), "kept in the order offered")
  #expect(zip(kept, kl).allSatisfy { labels($0.0) == $0.1 })
  // Each label's share of 100 within one session of its share of the whole.
  for (g, n) in counts.enumerated() {
    let got = kl.filter { ($0 == nil ? 2 : $0! ? 1 : 0) == g }.count
    #expect(abs(Double(got) - Double(n) / 10) <= 1, "group \(g): \(got) of 100, whole \(n) of 1000")
  }
  #expect(sample(100, seed: 7).0 == kept, "same seed, same sample")
  #expect(sample(100, seed: 8).0 != kept, "another seed, another sample")
  // Under the limit, or without one: everything, in order.
  #expect(sample(5000, seed: 1).0 == Array(0..<1000))
  #expect(sample(nil, seed: 1).0 == Array(0..<1000))
  // A rare anomaly class keeps at least one session.
  var rare = SessionSampler<Int>(limit: 10, seed: 1)
  for i in 0..<1000 { rare.offer(i, label: i == 500) }
  let (r, rl) = rare.finish()
  #expect(r.count == 10 && r.contains(500) && rl.filter { $0 == true }.count == 1)
}
