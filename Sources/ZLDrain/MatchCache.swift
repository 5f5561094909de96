// MatchCache: Drain match results by masked content. Scoring matches the same masked text over and
// over (block ids, addresses and numbers are masked away), and a match depends only on that text
// and the Drain state, so a repeat skips tokenizing, token lookup and the tree search. LogParser
// clears it whenever it learns (the only way its Drain or token table changes).

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

struct MatchCache {
  /// Bounds: entries and key bytes; a full cache starts over (streams that drift refill it).
  static let maxEntries = 4096
  static let maxBytes = 1 << 19
  private var slots = [Int32](repeating: -1, count: 2 * maxEntries)
  private var hashes: [UInt64] = []
  private var starts: [Int32] = []
  private var lengths: [Int32] = []
  /// The match: a template id, or -1 for none.
  private var values: [Int64] = []
  private var arena: [UInt8] = []
  private(set) var hits = 0

  /// (true, result) when `key` was seen since the last clear.
  func lookup(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> (found: Bool, id: UInt32?) {
    let mask = slots.count - 1
    var i = Int(truncatingIfNeeded: h) & mask
    while true {
      let e = Int(slots[i])
      if e < 0 { return (false, nil) }
      if hashes[e] == h && Int(lengths[e]) == key.count && equal(e, key) {
        return (true, values[e] < 0 ? nil : UInt32(values[e]))
      }
      i = (i + 1) & mask
    }
  }

  mutating func countHit() { hits += 1 }

  mutating func insert(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt64, id: UInt32?) {
    if key.count > 4096 { return }
    if hashes.count >= MatchCache.maxEntries || arena.count + key.count > MatchCache.maxBytes { clear() }
    let mask = slots.count - 1
    var i = Int(truncatingIfNeeded: h) & mask
    while slots[i] >= 0 { i = (i + 1) & mask }
    slots[i] = Int32(hashes.count)
    hashes.append(h)
    starts.append(Int32(arena.count))
    lengths.append(Int32(key.count))
    values.append(id.map { Int64($0) } ?? -1)
    arena.append(contentsOf: key)
  }

  mutating func clear() {
    if hashes.isEmpty { return }
    for k in slots.indices { slots[k] = -1 }
    hashes.removeAll(keepingCapacity: true)
    starts.removeAll(keepingCapacity: true)
    lengths.removeAll(keepingCapacity: true)
    values.removeAll(keepingCapacity: true)
    arena.removeAll(keepingCapacity: true)
  }

  private func equal(_ e: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
    if key.isEmpty { return true }
    return arena.withUnsafeBufferPointer { a in memcmp(a.baseAddress! + Int(starts[e]), key.baseAddress!, key.count) == 0 }
  }
}
