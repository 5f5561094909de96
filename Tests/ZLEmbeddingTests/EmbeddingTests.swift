// The word splitter (decision 3), eq. 1 event vectors with global IDF (decisions 1–2) and the GloVe
// subset.

import Testing
#if canImport(Glibc)
  import Glibc
#endif
import ZLBase
import ZLEmbedding
import ZLFormat
import _ZLTestSupport

@Test(arguments: [
  (["PacketResponder", "<*>", "for", "block", "[ID]", "terminating"], ["packet", "responder", "for", "block", "terminating"]),
  (["HTTPServer", "started:", "v2.1"], ["http", "server", "started", "v"]),
  (["blk_[ID]", "src:", "/[IPANDPORT]"], ["blk", "src"]),
  (["ABCdef", "getID", "x86_64", "[NUM]ms"], ["ab", "cdef", "get", "id", "x", "ms"]),
  (["<*>", "[NUM]"], []),
  (["café", "naïve"], ["caf", "na", "ve"]),
])
func splitsTemplatesIntoWords(tokens: [String], words: [String]) {
  let s = WordSplitter(maskTokens: ["<*>", "[ID]", "[NUM]", "[IPANDPORT]"])
  #expect(s.words(tokens) == words)
}

func tinyGlove() -> GloveTable {
  GloveTable(dim: 2, rows: ["block": [1, 0], "deleted": [0, 2], "received": [3, 3]])
}

@Test func idfIsGlobalSmoothedDocumentFrequency() {
  let splitter = WordSplitter(maskTokens: ["<*>"])
  let templates = [["block", "<*>", "deleted"], ["received", "block", "block"], ["unknownword"]]
  let (vocab, glove) = EmbeddingBuilder.build(templates: templates, splitter: splitter, glove: tinyGlove(), includeTopWords: false)
  #expect(vocab.words == ["block", "deleted", "received", "unknownword"])
  #expect(vocab.documentFrequencies == [2, 1, 1, 1])
  // idf = ln((1 + N) / (1 + df)) + 1 with N = 3
  #expect(isClose(Double(vocab.idf[0]), log(4.0 / 3.0) + 1, rtol: 1e-6, atol: 0))
  #expect(isClose(Double(vocab.unseenIDF), log(4.0) + 1, rtol: 1e-6, atol: 0))
  #expect(glove.wordIDs == [0, 1, 2])  // unknownword has no GloVe vector
}

@Test func eventVectorFollowsEquationOne() {
  let splitter = WordSplitter(maskTokens: ["<*>"])
  let templates = [["block", "<*>", "deleted"], ["received", "block", "block"], ["unknownword"]]
  let (vocab, glove) = EmbeddingBuilder.build(templates: templates, splitter: splitter, glove: tinyGlove(), includeTopWords: false)
  let model = EmbeddingModel(vocabulary: vocab, glove: glove, splitter: splitter)
  let idfBlock = log(4.0 / 3.0) + 1, idfOne = log(4.0 / 2.0) + 1
  // "received block block": n_e = 3; block twice: 2 × (1/3)(2/3)·idf·[1,0]; received once: (1/3)(1/3)·idf·[3,3]
  let v = model.eventVector(templateTokens: ["received", "block", "block"])
  let expected = [2 * (1.0 / 3) * (2.0 / 3) * idfBlock * 1 + (1.0 / 3) * (1.0 / 3) * idfOne * 3, (1.0 / 3) * (1.0 / 3) * idfOne * 3]
  #expect(isClose(Double(v[0]), expected[0], rtol: 1e-6, atol: 1e-7) && isClose(Double(v[1]), expected[1], rtol: 1e-6, atol: 1e-7))
  // No word with a vector: the unknown vector, which is not the zero (padding) vector.
  let u = model.eventVector(templateTokens: ["unknownword", "<*>"])
  #expect(u == model.unknown && u.contains { $0 != 0 })
  #expect(model.eventVector(templateTokens: []) == model.unknown)
}

@Test(.enabled(if: sharedDataRoot != nil, "needs the shared data (../shared/data or ZL_DATA)"))
func gloveTableKeepsWantedAndTopWords() throws {
  let data = sharedDataRoot!
  let t = try GloveTable.load(path: data + "/glove/glove.6B.50d.logvocab.txt", wanted: ["block", "zzzznotaword"], topK: 100)
  #expect(t.dim == 50)
  #expect(t.rows["block"]?.count == 50 && t.rows["zzzznotaword"] == nil)
  #expect(t.topWords.count > 50 && t.topWords.count <= 100)
}
