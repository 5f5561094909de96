// GloVe text: a write-then-read round trip and the one-line errors naming a bad row.

import Testing
import ZLBase
import ZLEmbedding
import _ZLTestSupport

@Test func gloveTextRoundTripsAndNamesBadLines() throws {
  let words = ["a", "b"], vectors: [Float] = [0.1, -2, 3.5e-7, 1e6, 0, -0.0]
  let p = try tempFile("g.txt", Array(GloveText.encode(words: words, vectors: vectors, dim: 3).utf8))
  var got: [(String, [Float])] = []
  let (dim, rows, _) = try GloveText.read(path: p) { got.append(($0, $1)) }
  #expect(dim == 3 && rows == 2)
  #expect(got.map { $0.0 } == words && got.flatMap { $0.1 } == vectors)
  let bad = try tempFile("bad.txt", Array("a 1 2 3\nb 1 2\n".utf8))
  do {
    try GloveText.read(path: bad) { _, _ in }
    Issue.record("accepted a short row")
  } catch {
    #expect("\(error)" == "\(bad): line 2: 2 values, expected 3 like the first row [badGloveRow]")
  }
  // Non-finite and huge values (a model's values are at most 1e6 in magnitude, zlck-v1.md §8.9).
  for (name, row) in [("nan", "a 1 nan 3\n"), ("inf", "a 1 inf 3\n"), ("huge", "a 1 3e38 3\n"), ("big", "a 1 -1.5e6 3\n")] {
    let f = try tempFile("\(name).txt", Array(row.utf8))
    do {
      try GloveText.read(path: f) { _, _ in }
      Issue.record("accepted \(row)")
    } catch {
      #expect((rootError(error) as? EmbeddingError)?.code == .badGloveRow && "\(error)".contains("line 1: value 2"), "\(error)")
    }
  }
}

