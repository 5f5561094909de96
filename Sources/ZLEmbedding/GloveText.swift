// GloveText: the GloVe text format (`word v1 ... vD` per line), read as a stream (plain or gzip)
// with every row validated and a bad row named by its line number, and written with
// shortest-round-trip floats so a write-then-read gives back the same f32 values.

import ZLBase

public enum GloveText {
  public static let maxDimension = 4096

  /// Reads rows one by one. `keep` decides per word whether its vector is wanted (parsing the
  /// numbers only then); `row` receives kept rows. A leading word2vec header ("COUNT DIM") is skipped.
  /// - Returns: the dimension, the number of rows seen, and the number of duplicate words skipped.
  /// - Throws: `EmbeddingError` naming the file and the line, `IOFailure`.
  @discardableResult
  public static func read(path: String, maxRows: Int = .max, keep: (String) -> Bool = { _ in true },
                          row: (String, [Float]) throws -> Void) throws -> (dim: Int, rows: Int, duplicates: Int) {
    try naming(path) { try readRows(path: path, maxRows: maxRows, keep: keep, row: row) }
  }

  private static func readRows(path: String, maxRows: Int, keep: (String) -> Bool,
                               row: (String, [Float]) throws -> Void) throws -> (dim: Int, rows: Int, duplicates: Int) {
    let reader = try LineReader(path: path, maxLineLength: 1 << 20)
    var dim = -1
    var rows = 0
    var duplicates = 0
    var seen = Set<String>()
    while rows < maxRows {
      guard let fields = try reader.next({ splitFields($0) }) else { break }
      let line = reader.lineNumber
      func fail(_ m: String) -> EmbeddingError { EmbeddingError(.badGloveRow, "line \(line): \(m)") }
      if fields.isEmpty {
        throw fail("empty line")
      }
      if line == 1 && fields.count == 2, Int(fields[0]) != nil, let d = Int(fields[1]), d > 0 { continue }
      let word = fields[0]
      if dim < 0 {
        dim = fields.count - 1
        if dim < 1 || dim > maxDimension { throw fail("\(dim) values; a GloVe row has 1-\(maxDimension)") }
      } else if fields.count - 1 != dim {
        throw fail("\(fields.count - 1) values, expected \(dim) like the first row")
      }
      if reader.truncatedLines > 0 { throw fail("line longer than 1 MiB") }
      rows += 1
      if !seen.insert(word).inserted {
        duplicates += 1
        continue
      }
      if !keep(word) { continue }
      var v = [Float]()
      v.reserveCapacity(dim)
      for k in 1...dim {
        guard let x = Float(fields[k]), x.isFinite else { throw fail("value \(k) '\(fields[k].prefix(40))' is not a finite number") }
        // A model's values are at most 1e6 in magnitude (zlck-v1.md §8.9): refused here, not after training.
        if x.magnitude > 1e6 { throw fail("value \(k) '\(fields[k].prefix(40))' is larger than 1e6 in magnitude") }
        v.append(x)
      }
      try row(word, v)
    }
    if dim < 0 { throw EmbeddingError(.noVectors, "no vectors in the file") }
    return (dim, rows, duplicates)
  }

  /// Splits a line on spaces and tabs.
  static func splitFields(_ b: UnsafeBufferPointer<UInt8>) -> [String] {
    var out: [String] = []
    var i = 0
    while i < b.count {
      while i < b.count && (b[i] == 0x20 || b[i] == 0x09) { i += 1 }
      let s = i
      while i < b.count && b[i] != 0x20 && b[i] != 0x09 { i += 1 }
      if i > s { out.append(String(decoding: UnsafeBufferPointer(rebasing: b[s..<i]), as: UTF8.self)) }
    }
    return out
  }

  /// GloVe text for words and their row-major vectors.
  public static func encode(words: [String], vectors: [Float], dim: Int) -> String {
    var s = ""
    s.reserveCapacity(words.count * dim * 10)
    for (r, w) in words.enumerated() {
      s += w
      for c in 0..<dim {
        s += " "
        s += "\(vectors[r * dim + c])"
      }
      s += "\n"
    }
    return s
  }
}
