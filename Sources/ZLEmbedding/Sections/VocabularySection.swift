// VocabularySection: the VOCB section (zlck-v1.md §8.3) — the word vocabulary with document
// frequencies, IDF and the tokenizer settings that produced it, validated in spec order.

import ZLBase
import ZLFormat

/// Tokenizer settings stored with the vocabulary, so the preprocessor travels with the model.
public struct TokenizerSettings: Equatable, Sendable {
  public var name: String
  public var lowercase: Bool
  public var splitCamelCase: Bool
  public var dropDigits: Bool
  public var dropMasks: Bool

  /// ARCHITECTURE.md decision 3.
  public static let standard = TokenizerSettings(name: "zl-words/1", lowercase: true, splitCamelCase: true, dropDigits: true, dropMasks: true)

  public init(name: String, lowercase: Bool, splitCamelCase: Bool, dropDigits: Bool, dropMasks: Bool) {
    self.name = name
    self.lowercase = lowercase
    self.splitCamelCase = splitCamelCase
    self.dropDigits = dropDigits
    self.dropMasks = dropMasks
  }
}

/// The word vocabulary: sorted words with df and IDF over the training templates.
public struct VocabularySection: Equatable, Sendable {
  public var words: [String]
  public var documentFrequencies: [UInt32]
  public var idf: [Float]
  public var documentCount: UInt64
  public var unseenIDF: Float
  public var formula: String
  public var tokenizer: TokenizerSettings

  public static let formulas = ["smooth-ln"]

  public init(words: [String], documentFrequencies: [UInt32], idf: [Float], documentCount: UInt64,
              unseenIDF: Float, formula: String = "smooth-ln", tokenizer: TokenizerSettings = .standard) {
    self.words = words
    self.documentFrequencies = documentFrequencies
    self.idf = idf
    self.documentCount = documentCount
    self.unseenIDF = unseenIDF
    self.formula = formula
    self.tokenizer = tokenizer
  }

  /// Validates a decoded VOCB record (§8.3 order).
  public init(record: Record) throws {
    let f = RecordFields(record: record, section: "section VOCB")
    words = try f.strings("words")
    var previous: [UInt8]? = nil
    for (i, w) in words.enumerated() {
      let b = Array(w.utf8)
      if b.isEmpty || b.count > 255 { throw f.bad("words", "entry \(i) is \(b.count) bytes, expected 1-255") }
      if let p = previous, !bytewiseLess(p, b) {
        throw CheckpointError(.notSorted, "section VOCB: key 'words' entry \(i) '\(w)' is not after '\(String(decoding: p, as: UTF8.self))'")
      }
      previous = b
    }
    documentFrequencies = try f.uint32s("df")
    try f.sameLength("df", documentFrequencies.count, as: "words", words.count)
    idf = try f.floats("idf")
    try f.sameLength("idf", idf.count, as: "words", words.count)
    if let k = idf.firstIndex(where: { !$0.isFinite }) { throw f.bad("idf", "entry \(k) is \(idf[k]), expected finite") }
    documentCount = try f.uint("doc_count")
    if let m = documentFrequencies.max(), UInt64(m) > documentCount {
      throw f.bad("doc_count", "is \(documentCount), smaller than a document frequency of \(m)")
    }
    unseenIDF = try f.float("idf.unseen")
    if !unseenIDF.isFinite { throw f.bad("idf.unseen", "is \(unseenIDF), expected finite") }
    formula = try f.string("idf.formula")
    if !Self.formulas.contains(formula) { throw f.bad("idf.formula", "is '\(formula)', expected smooth-ln") }
    let name = try f.string("tokenizer.name")
    if name != "zl-words/1" { throw f.bad("tokenizer.name", "is '\(name)', expected zl-words/1") }
    tokenizer = TokenizerSettings(
      name: name, lowercase: try f.bool("tokenizer.lowercase"), splitCamelCase: try f.bool("tokenizer.split_camel_case"),
      dropDigits: try f.bool("tokenizer.drop_digits"), dropMasks: try f.bool("tokenizer.drop_masks"))
  }

  public var record: Record {
    Record([
      ("words", .strings(words)), ("df", .uint32s(documentFrequencies)), ("idf", .floats(idf)),
      ("doc_count", .uint(documentCount)), ("idf.unseen", .float(unseenIDF)), ("idf.formula", .string(formula)),
      ("tokenizer.name", .string(tokenizer.name)), ("tokenizer.lowercase", .bool(tokenizer.lowercase)),
      ("tokenizer.split_camel_case", .bool(tokenizer.splitCamelCase)),
      ("tokenizer.drop_digits", .bool(tokenizer.dropDigits)), ("tokenizer.drop_masks", .bool(tokenizer.dropMasks)),
    ])
  }

  /// The index of `word`, by binary search over the sorted words.
  public func index(of word: String) -> Int? {
    let key = Array(word.utf8)
    var lo = 0, hi = words.count
    while lo < hi {
      let mid = (lo + hi) / 2
      let m = Array(words[mid].utf8)
      if m == key { return mid }
      if bytewiseLess(m, key) { lo = mid + 1 } else { hi = mid }
    }
    return nil
  }
}
