// The front end (raw line → template → event vector → session): the same vector for a line in
// training and in scoring, overlay templates for unmatched lines kept while sessions need them, and
// the overlay's memory bounded on endless streams.

import Testing
#if canImport(Glibc)
  import Glibc
#endif
import ZLBase
import ZLDrain
import ZLEmbedding
import ZLFormat
import ZLScoring
import _ZLTestSupport

func tinyGlove() -> GloveTable {
  GloveTable(dim: 2, rows: ["block": [1, 0], "deleted": [0, 2], "received": [3, 3]])
}

@Test func frontEndGivesTheTrainingVectorForATrainingLine() throws {
  let settings = LogPresets.named("hdfs")!.detection!
  let lines = [
    "081109 203518 143 INFO dfs.DataNode$DataXceiver: Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010",
    "081109 203519 145 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_-1608999687919862906 terminating",
    "081109 203519 145 INFO dfs.DataNode$PacketResponder: Received block blk_-1608999687919862906 of size 91178 from /10.250.10.6",
  ]
  let learner = try LogParser(settings: settings)
  for l in lines { _ = Array(l.utf8).withUnsafeBufferPointer { learner.learn(line: $0) } }
  let drain = learner.section
  let splitter = WordSplitter(maskTokens: drain.maskTokens, parameterToken: drain.config.paramString)
  let glove = GloveTable(dim: 2, rows: ["block": [1, 0], "received": [0, 1], "receiving": [1, 1], "terminating": [2, 0]])
  let (vocab, glov) = EmbeddingBuilder.build(templates: drain.templates.map { $0.tokens }, splitter: splitter, glove: glove, includeTopWords: false)
  let model = EmbeddingModel(vocabulary: vocab, glove: glov, splitter: splitter)
  let fe = try FrontEnd(drain: drain, embedding: model, session: SessionSection(rule: .block))
  for l in lines {
    let (outcome, _) = Array(l.utf8).withUnsafeBufferPointer { fe.process(line: $0) }
    #expect(!outcome.isNewTemplate)
    let tokens = try #require(drain.templates.first { $0.id == outcome.event }?.tokens)
    #expect(Array(fe.vector(outcome.event)!) == model.eventVector(templateTokens: tokens))
  }
  let sessions = fe.finish()
  #expect(sessions.count == 1 && sessions[0].key == "blk_-1608999687919862906" && sessions[0].events.count == 3)
  // An unseen line becomes a new in-memory template with a vector from its own words.
  let (o, _) = Array("081109 203520 145 INFO dfs.X: Terminating receiving block blk_7 now".utf8).withUnsafeBufferPointer { fe.process(line: $0) }
  #expect(o.isNewTemplate && o.event >= fe.firstOverlayID)
  #expect(fe.vector(o.event) != nil)
}

/// A front end trained on one HDFS line, with a small overlay for new templates, and a word of five
/// letters for line k (k in base 26: distinct for every k under 26^5).
func overlayFrontEnd(window: Int, overlayMax: Int) throws -> FrontEnd {
  let learner = try LogParser(settings: LogPresets.named("hdfs")!.detection!)
  _ = Array("081109 203518 143 INFO dfs.DataNode: Receiving block".utf8).withUnsafeBufferPointer { learner.learn(line: $0) }
  let drain = learner.section
  let splitter = WordSplitter(maskTokens: drain.maskTokens, parameterToken: drain.config.paramString)
  let glove = GloveTable(dim: 2, rows: ["block": [1, 0], "receiving": [1, 1]])
  let (vocab, glov) = EmbeddingBuilder.build(templates: drain.templates.map { $0.tokens }, splitter: splitter, glove: glove, includeTopWords: false)
  return try FrontEnd(drain: drain, embedding: EmbeddingModel(vocabulary: vocab, glove: glov, splitter: splitter),
                      session: SessionSection(rule: .window(window)), overlayMaxClusters: overlayMax)
}

func letterWord(_ k: Int) -> String {
  var x = k, out = ""
  for _ in 0..<5 {
    out.append(Character(UnicodeScalar(UInt8(97 + x % 26))))
    x /= 26
  }
  return out
}

/// On a stream of ever new templates the front end drops the vectors of overlay templates nothing
/// refers to any more, but never those of a session it has just closed: its caller still has to
/// gather them (zl-score keeps closed sessions waiting for a batch).
@Test func closedSessionsKeepTheirOverlayVectors() throws {
  let fe = try overlayFrontEnd(window: 2, overlayMax: 1)
  var closedCount = 0
  for k in 0..<1500 {
    let line = "081109 203518 143 INFO dfs.X: q\(letterWord(k)) z\(letterWord(k + 7))"
    let (o, closed) = Array(line.utf8).withUnsafeBufferPointer { fe.process(line: $0) }
    #expect(o.isNewTemplate)
    for s in closed {
      closedCount += 1
      for e in s.events { #expect(fe.vector(e) != nil, "line \(k + 1): event \(e) of a just-closed session lost its vector") }
    }
  }
  #expect(closedCount == 750)
}

/// On an endless stream of new tokens the overlay's token table would grow without end (evicting a
/// template does not free its tokens): past its bounds the overlay starts afresh, and ids go on
/// from where they were, so an id never names two templates.
@Test func overlayTokensStayBoundedAndIdsAreNeverReused() throws {
  let fe = try overlayFrontEnd(window: 5, overlayMax: 4)
  fe.overlayTokenLimit = 300
  var ids = Set<UInt32>()
  for k in 0..<3000 {
    let line = "081109 203518 143 INFO dfs.X: q\(letterWord(k)) z\(letterWord(k + 11)) end"
    let (o, _) = Array(line.utf8).withUnsafeBufferPointer { fe.process(line: $0) }
    #expect(o.isNewTemplate && ids.insert(o.event).inserted, "line \(k + 1): id \(o.event) named an earlier template")
    #expect(fe.overlay.tokens.count <= 300 + 4)
  }
  #expect(fe.overlayRestarts > 0)
}
