// GloveSection: the GLOV section (zlck-v1.md §8.4) — word vectors for a subset of the vocabulary
// plus the vector of an event with no known word; a tensor set of exactly three tensors.

import ZLFormat

/// The GloVe subset of a checkpoint.
public struct GloveSection: Equatable, Sendable {
  /// [rows, dim] word vectors (any float dtype).
  public var vectors: Tensor
  /// [rows] vocabulary index of each row, strictly increasing.
  public var wordIDs: [Int32]
  /// [dim] vector of an event whose template has no known word.
  public var unknown: Tensor

  public var dim: Int { vectors.shape[1] }
  public var rows: Int { vectors.shape[0] }

  public init(vectors: Tensor, wordIDs: [Int32], unknown: Tensor) {
    self.vectors = vectors
    self.wordIDs = wordIDs
    self.unknown = unknown
  }

  /// Validates a decoded GLOV tensor set (§8.4). `vocabularyCount` is the number of VOCB words,
  /// nil when VOCB's `words` is unusable (its own check then reports it).
  public init(tensors: TensorSet, vocabularyCount: Int?, hasVocabulary: Bool) throws {
    let s = "section GLOV"
    if !hasVocabulary { throw CheckpointError(.missingSection, "\(s) requires a VOCB section, which is missing") }
    let allowed = ["unknown", "vectors", "word_ids"]
    for t in tensors.tensors where !allowed.contains(t.name) {
      throw CheckpointError(.badValue, "\(s): tensor '\(t.name)' is not one of unknown, vectors, word_ids")
    }
    func need(_ name: String) throws -> Tensor {
      guard let t = tensors[name] else { throw CheckpointError(.missingKey, "\(s): required tensor '\(name)' is missing") }
      return t
    }
    let unknown = try need("unknown"), vectors = try need("vectors"), ids = try need("word_ids")
    if !unknown.dtype.isFloating || unknown.shape.count != 1 {
      throw CheckpointError(.badValue, "\(s): tensor 'unknown' is \(unknown.dtype.name) \(unknown.shape), expected a float vector [dim]")
    }
    if !vectors.dtype.isFloating || vectors.shape.count != 2 {
      throw CheckpointError(.badValue, "\(s): tensor 'vectors' is \(vectors.dtype.name) \(vectors.shape), expected float [rows, dim]")
    }
    if ids.dtype != .i32 || ids.shape.count != 1 {
      throw CheckpointError(.badValue, "\(s): tensor 'word_ids' is \(ids.dtype.name) \(ids.shape), expected i32 [rows]")
    }
    if vectors.shape[1] != unknown.shape[0] {
      throw CheckpointError(.lengthMismatch, "\(s): 'vectors' has dim \(vectors.shape[1]) but 'unknown' has \(unknown.shape[0])")
    }
    if vectors.shape[0] != ids.shape[0] {
      throw CheckpointError(.lengthMismatch, "\(s): 'vectors' has \(vectors.shape[0]) rows but 'word_ids' has \(ids.shape[0])")
    }
    let wordIDs = ids.int32s()
    for k in 1..<max(1, wordIDs.count) where wordIDs[k] <= wordIDs[k - 1] {
      throw CheckpointError(.notSorted, "\(s): 'word_ids' entry \(k) (\(wordIDs[k])) is not greater than the previous (\(wordIDs[k - 1]))")
    }
    if let n = vocabularyCount {
      for (k, id) in wordIDs.enumerated() where id < 0 || Int(id) >= n {
        throw CheckpointError(.danglingReference, "\(s): 'word_ids' entry \(k) is \(id), outside the \(n) vocabulary words")
      }
    }
    self.init(vectors: vectors, wordIDs: wordIDs, unknown: unknown)
  }

  public var tensorSet: TensorSet {
    TensorSet([unknown.renamed("unknown"), vectors.renamed("vectors"),
               Tensor(name: "word_ids", shape: [wordIDs.count], int32s: wordIDs)])
  }
}

extension Tensor {
  func renamed(_ n: String) -> Tensor {
    var t = self
    t.name = n
    return t
  }
}
