// KeyTable: the sessionizer's open sessions by key bytes — open addressing with slot and hash in one
// word per bucket, short keys in fixed 32-byte records — so finding a line's session makes no string.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Open sessions by key: open addressing over the keys' bytes (linear probing, deletion by
/// backward shift), so a line's keys are found without making strings. Keys are held as the
/// sessions' own strings (shared storage, no second copy).
struct KeyTable {
  /// Per bucket: slot + 1 in the high 32 bits (0: empty) and the key's hash in the low 32, in one
  /// word, so a probe reads one cache line.
  private var buckets = [UInt64](repeating: 0, count: 64)
  /// Each slot's key (slot numbers are the sessionizer's) in a 32-byte record: its length, then its
  /// bytes (keys of up to 31 bytes, such as block ids), so comparing a key reads one cache line
  /// next to its neighbours' rather than a string object of its own; a longer key has length 255
  /// here and its bytes in `longKeys`.
  private var records: [UInt8] = []
  private var longKeys: [Int32: [UInt8]] = [:]
  private static let stride = 32
  /// The bucket of each slot.
  private var bucketOf: [Int32] = []
  private(set) var count = 0

  @inline(__always) private static func entry(slot: Int, hash: UInt32) -> UInt64 { UInt64(slot + 1) << 32 | UInt64(hash) }

  /// TokenTable's word-at-a-time hash (a byte-at-a-time FNV was a chain of one multiply per
  /// byte of the key: ~100 cycles for a block id).
  private static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt32 {
    let h = TokenTable.hash(b)
    return UInt32(truncatingIfNeeded: h ^ (h >> 32))
  }

  /// Whether slot `slot` (its record at `r`) holds key `b`.
  private func equal(_ r: UnsafePointer<UInt8>, _ slot: Int, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    let n = Int(r[0])
    if n == 255 { return longKeys[Int32(slot)].map { $0.elementsEqual(b) } ?? false }
    return n == b.count && (n == 0 || memcmp(r + 1, b.baseAddress!, n) == 0)
  }

  static func find(_ key: UnsafeBufferPointer<UInt8>, in table: inout KeyTable) -> Int? { table.find(key) }

  func find(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
    let h = KeyTable.hash(key)
    let mask = buckets.count - 1
    var i = Int(h) & mask
    return records.withUnsafeBufferPointer { k in
      buckets.withUnsafeBufferPointer { b in
        while true {
          let e = b[i]
          if e == 0 { return nil }
          if UInt32(truncatingIfNeeded: e) == h, case let s = Int(e >> 32) - 1, equal(k.baseAddress! + s * KeyTable.stride, s, key) { return s }
          i = (i + 1) & mask
        }
      }
    }
  }

  /// The key of an occupied slot.
  func key(slot: Int) -> String {
    let n = Int(records[slot * KeyTable.stride])
    if n == 255 { return String(decoding: longKeys[Int32(slot)] ?? [], as: UTF8.self) }
    return records.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[(slot * KeyTable.stride + 1)..<(slot * KeyTable.stride + 1 + n)]), as: UTF8.self) }
  }

  mutating func insert(_ u: UnsafeBufferPointer<UInt8>, slot: Int) {
    if (count + 1) * 4 > buckets.count * 3 { grow() }  // load ≤ 3/4
    while bucketOf.count <= slot {
      records.append(contentsOf: repeatElement(0, count: KeyTable.stride))
      bucketOf.append(-1)
    }
    let h: UInt32 = {
      records.withUnsafeMutableBufferPointer { r in
        let rec = r.baseAddress! + slot * KeyTable.stride
        if u.count < KeyTable.stride {
          rec[0] = UInt8(u.count)
          if u.count > 0 { (rec + 1).update(from: u.baseAddress!, count: u.count) }
        } else {
          rec[0] = 255
        }
      }
      if u.count >= KeyTable.stride { longKeys[Int32(slot)] = Array(u) }
      return KeyTable.hash(u)
    }()
    place(slot, hash: h)
    count += 1
  }

  private mutating func place(_ slot: Int, hash h: UInt32) {
    let mask = buckets.count - 1
    var i = Int(h) & mask
    while buckets[i] != 0 { i = (i + 1) & mask }
    buckets[i] = KeyTable.entry(slot: slot, hash: h)
    bucketOf[slot] = Int32(i)
  }

  mutating func remove(slot: Int) {
    let mask = buckets.count - 1
    var hole = Int(bucketOf[slot])
    guard hole >= 0 else { return }
    buckets[hole] = 0
    bucketOf[slot] = -1
    if records[slot * KeyTable.stride] == 255 { longKeys[Int32(slot)] = nil }
    records[slot * KeyTable.stride] = 0
    count -= 1
    // Backward shift: move later entries of the probe run into the hole when their home allows.
    var i = (hole + 1) & mask
    while buckets[i] != 0 {
      let home = Int(UInt32(truncatingIfNeeded: buckets[i])) & mask
      // The entry at i may move to the hole unless its home lies in (hole, i] cyclically.
      let between = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i)
      if !between {
        buckets[hole] = buckets[i]
        bucketOf[Int(buckets[hole] >> 32) - 1] = Int32(hole)
        buckets[i] = 0
        hole = i
      }
      i = (i + 1) & mask
    }
  }

  private mutating func grow() {
    let old = buckets.filter { $0 != 0 }
    buckets = [UInt64](repeating: 0, count: buckets.count * 2)
    for e in old { place(Int(e >> 32) - 1, hash: UInt32(truncatingIfNeeded: e)) }
  }
}
