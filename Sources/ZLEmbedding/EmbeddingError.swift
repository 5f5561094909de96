// EmbeddingError: what is wrong with word vectors — a GloVe text row, a file with no vectors, or
// vectors that cover none of the words an embedding needs — one code per check. The loaders that
// know the file put its name in front (`naming`).

import ZLBase

public struct EmbeddingError: CodedError, Equatable {
  public enum Code: String, CaseIterable, Sendable {
    /// A GloVe row with the wrong number of values, a value that is not a finite number, or an overlong line.
    case badGloveRow
    /// A GloVe file with no vector rows.
    case noVectors
    /// No word the embedding needs has a vector.
    case noWordCovered
  }

  public let code: Code
  public let detail: String

  public init(_ code: Code, _ detail: String) {
    self.code = code
    self.detail = detail
  }

}
