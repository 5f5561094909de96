// Embedding: event vectors from template words (MetaLog eq. 1 with global IDF, ARCHITECTURE.md
// decisions 1–3): V_e = (1/n_e) Σ_{i=1..n_e} (n_{w_i}/n_e) · idf(w_i) · V_{w_i}, summed over the word
// occurrences of the template, in Double, then rounded to Float once. Words without a GloVe vector
// contribute nothing (but count in n_e); a template with no word that has a vector gets the fixed
// unknown-event vector. The same code computes vectors in training and in scoring.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import ZLBase
import ZLFormat

/// The embedding a model uses, rebuilt from its VOCB and GLOV sections.
public struct EmbeddingModel: Sendable {
  public let dim: Int
  public let splitter: WordSplitter
  /// Word → (idf, GloVe row or −1).
  let index: [String: (idf: Float, row: Int32)]
  let unseenIDF: Float
  /// Row-major [rows, dim] vectors as Float (dequantized once).
  let vectors: [Float]
  public let unknown: [Float]

  public init(vocabulary v: VocabularySection, glove g: GloveSection, splitter: WordSplitter) {
    dim = g.dim
    self.splitter = splitter
    var idx: [String: (Float, Int32)] = [:]
    idx.reserveCapacity(v.words.count)
    for (k, w) in v.words.enumerated() { idx[w] = (v.idf[k], -1) }
    for (r, id) in g.wordIDs.enumerated() { idx[v.words[Int(id)]]!.1 = Int32(r) }
    index = idx
    unseenIDF = v.unseenIDF
    vectors = g.vectors.floats()
    unknown = g.unknown.floats()
  }

  /// The vector of a template given as tokens.
  public func eventVector(templateTokens: [String]) -> [Float] {
    eventVector(words: splitter.words(templateTokens))
  }

  /// The vector of a template's words (eq. 1); `unknown` when no word has a GloVe vector.
  public func eventVector(words: [String]) -> [Float] {
    let n = words.count
    if n == 0 { return unknown }
    var counts: [String: Int] = [:]
    for w in words { counts[w, default: 0] += 1 }
    var acc = [Double](repeating: 0, count: dim)
    var known = false
    let inv = 1.0 / Double(n)
    vectors.withUnsafeBufferPointer { vec in
      for w in words {
        guard let entry = index[w], entry.row >= 0 else { continue }
        known = true
        let weight = inv * (Double(counts[w]!) * inv) * Double(entry.idf)
        let base = Int(entry.row) * dim
        for d in 0..<dim { acc[d] += weight * Double(vec[base + d]) }
      }
    }
    return known ? acc.map { Float($0) } : unknown
  }

  /// True when the word has a GloVe vector in this model.
  public func hasVector(_ word: String) -> Bool { (index[word]?.row ?? -1) >= 0 }
}

/// Word vectors read from a GloVe text file: only the wanted words, plus optionally the first K rows.
public struct GloveTable: Sendable {
  public let dim: Int
  public let rows: [String: [Float]]
  /// Words of the file's first K rows (frequency order), for the optional extension of the subset.
  public let topWords: [String]

  /// Reads `path` (plain or gzip), keeping vectors of `wanted` words and of the first `topK` rows.
  /// - Throws: `EmbeddingError` naming the file and line of a malformed row.
  public static func load(path: String, wanted: Set<String>, topK: Int = 0) throws -> GloveTable {
    var rows: [String: [Float]] = [:]
    var top: [String] = []
    var seen = 0
    let (dim, _, _) = try GloveText.read(path: path, keep: { w in
      seen += 1
      let inTop = seen <= topK && isWord(w)
      if inTop { top.append(w) }
      return inTop || wanted.contains(w)
    }) { w, v in rows[w] = v }
    return GloveTable(dim: dim, rows: rows, topWords: top)
  }

  /// Words the splitter can produce: lower-case ASCII letters only.
  static func isWord(_ w: String) -> Bool { !w.isEmpty && w.utf8.allSatisfy { $0 >= 0x61 && $0 <= 0x7A } }

  public init(dim: Int, rows: [String: [Float]], topWords: [String] = []) {
    self.dim = dim
    self.rows = rows
    self.topWords = topWords
  }
}

public enum EmbeddingBuilder {
  /// Builds VOCB and GLOV for the training templates (decision 2: document frequency over the union
  /// of all training templates, smoothed: idf = ln((1 + N) / (1 + df)) + 1), with GloVe rows for every
  /// vocabulary word GloVe has, plus (optionally) GloVe's top words so unseen templates still embed.
  /// The unknown-event vector is the mean of the training templates' vectors (non-zero unless no
  /// template has a known word; then a constant vector).
  public static func build(templates: [[String]], splitter: WordSplitter, glove: GloveTable, includeTopWords: Bool,
                           dtype: DType = .f32) -> (VocabularySection, GloveSection) {
    let docs = templates.map { splitter.words($0) }
    var df: [String: UInt32] = [:]
    for d in docs { for w in Set(d) { df[w, default: 0] += 1 } }
    if includeTopWords { for w in glove.topWords where df[w] == nil { df[w] = 0 } }
    let words = df.keys.sorted { bytewiseLess($0.utf8, $1.utf8) }
    let n = Double(templates.count)
    func idf(_ d: UInt32) -> Float { Float(log((1 + n) / (1 + Double(d))) + 1) }
    let vocab = VocabularySection(words: words, documentFrequencies: words.map { df[$0]! }, idf: words.map { idf(df[$0]!) },
                                  documentCount: UInt64(templates.count), unseenIDF: idf(0), tokenizer: splitter.settings)
    var ids: [Int32] = []
    var flat: [Float] = []
    for (k, w) in words.enumerated() {
      guard let v = glove.rows[w] else { continue }
      ids.append(Int32(k))
      flat += v
    }
    let dim = glove.dim
    if ids.isEmpty {
      // No vocabulary word has a vector: keep one zero row so the section is well-formed.
      ids = [0]
      flat = [Float](repeating: 0, count: dim)
    }
    let placeholder = Tensor(name: "unknown", shape: [dim], floats: [Float](repeating: 0.01, count: dim), dtype: dtype)
    var glov = GloveSection(vectors: Tensor(name: "vectors", shape: [ids.count, dim], floats: flat, dtype: dtype),
                            wordIDs: ids, unknown: placeholder)
    // The unknown vector: mean of the event vectors of templates with a known word.
    let model = EmbeddingModel(vocabulary: vocab, glove: glov, splitter: splitter)
    var sum = [Double](repeating: 0, count: dim)
    var count = 0
    for d in docs where d.contains(where: { model.hasVector($0) }) {
      let v = model.eventVector(words: d)
      for k in 0..<dim { sum[k] += Double(v[k]) }
      count += 1
    }
    var unknown = count > 0 ? sum.map { Float($0 / Double(count)) } : [Float](repeating: 0.01, count: dim)
    if unknown.allSatisfy({ $0 == 0 }) { unknown = [Float](repeating: 0.01, count: dim) }
    glov.unknown = Tensor(name: "unknown", shape: [dim], floats: unknown, dtype: dtype)
    return (vocab, glov)
  }
}
