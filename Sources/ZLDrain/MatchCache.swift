// MatchCache: Drain match results by masked content. Scoring matches the same masked text over and
// over (block ids, addresses and numbers are masked away), and a match depends only on that text
// and the Drain state, so a repeat skips tokenizing, token lookup and the tree search. LogParser
// clears it whenever it learns (the only way its Drain or token table changes). The texts are
// interned in a TokenTable; the results are indexed by their ids.

struct MatchCache {
  /// Bounds: texts and their bytes; a full cache starts over (streams that drift refill it).
  static let maxEntries = 4096
  static let maxBytes = 1 << 19
  private var texts = TokenTable()
  /// The match of text id k: a template id, or -1 for none.
  private var results: [Int64] = []
  private(set) var hits = 0

  /// (true, result) when `text` was seen since the last clear.
  func lookup(_ text: UnsafeBufferPointer<UInt8>) -> (found: Bool, id: UInt32?) {
    guard let k = texts.lookup(text) else { return (false, nil) }
    let r = results[Int(k)]
    return (true, r < 0 ? nil : UInt32(r))
  }

  mutating func countHit() { hits += 1 }

  mutating func insert(_ text: UnsafeBufferPointer<UInt8>, id: UInt32?) {
    if text.count > 4096 { return }
    if texts.count >= MatchCache.maxEntries || texts.byteCount + text.count > MatchCache.maxBytes { clear() }
    let k = Int(texts.intern(text))
    if k == results.count { results.append(id.map { Int64($0) } ?? -1) }
  }

  mutating func clear() {
    if results.isEmpty { return }
    texts = TokenTable()
    results.removeAll(keepingCapacity: true)
  }
}
