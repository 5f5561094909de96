// TokenTable: interns token byte strings to dense ids (open addressing, a word-at-a-time hash), so the Drain tree
// and templates compare integers. Records per token whether it holds a digit (Drain3's has_numbers).

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Interned tokens.
public struct TokenTable: Sendable {
  private var arena: [UInt8] = []
  private var starts: [Int32] = []
  private var lengths: [Int32] = []
  private(set) var hasDigit: [Bool] = []
  private var slots: [Int32]
  /// The low 32 bits of each slot's hash, compared before the bytes.
  private var slotHash: [UInt32]
  private var mask: Int

  /// The id no interned token has: used for a token seen only while matching.
  public static let unknown = UInt32.max

  public init() {
    slots = [Int32](repeating: -1, count: 1024)
    slotHash = [UInt32](repeating: 0, count: 1024)
    mask = 1023
  }

  public var count: Int { starts.count }
  /// Bytes of token text held.
  public var byteCount: Int { arena.count }

  /// A multiply-xor hash over 8-byte words (the table lives only in memory: the hash is never
  /// stored, so it may change between versions).
  @inline(__always)
  static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
    let n = b.count
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
    guard let base = b.baseAddress else { return h }
    let raw = UnsafeRawPointer(base)
    var i = 0
    while i + 8 <= n {
      h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
      h ^= h >> 29
      i += 8
    }
    if i < n {
      var w: UInt64 = 0
      var shift: UInt64 = 0
      while i < n {
        w |= UInt64(base[i]) << shift
        shift += 8
        i += 1
      }
      h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
    }
    h ^= h >> 32
    h = h &* 0x94D0_49BB_1331_11EB
    return h ^ (h >> 29)
  }

  @inline(__always)
  private func equal(_ id: Int32, _ b: UnsafeBufferPointer<UInt8>, _ a: UnsafeBufferPointer<UInt8>) -> Bool {
    let len = Int(lengths[Int(id)])
    if len != b.count { return false }
    if len == 0 { return true }
    return memcmp(a.baseAddress! + Int(starts[Int(id)]), b.baseAddress!, len) == 0
  }

  /// The id of `b` if interned.
  public func lookup(_ b: UnsafeBufferPointer<UInt8>) -> UInt32? {
    let h = TokenTable.hash(b)
    let h32 = UInt32(truncatingIfNeeded: h >> 32)
    var i = Int(truncatingIfNeeded: h) & mask
    return arena.withUnsafeBufferPointer { a in
      while true {
        let id = slots[i]
        if id < 0 { return nil }
        if slotHash[i] == h32 && equal(id, b, a) { return UInt32(id) }
        i = (i + 1) & mask
      }
    }
  }

  /// The id of `b`, interning it if new.
  public mutating func intern(_ b: UnsafeBufferPointer<UInt8>) -> UInt32 {
    let h = TokenTable.hash(b)
    let h32 = UInt32(truncatingIfNeeded: h >> 32)
    var i = Int(truncatingIfNeeded: h) & mask
    let found: UInt32? = arena.withUnsafeBufferPointer { a in
      while true {
        let id = slots[i]
        if id < 0 { return nil }
        if slotHash[i] == h32 && equal(id, b, a) { return UInt32(id) }
        i = (i + 1) & mask
      }
    }
    if let f = found { return f }
    let id = Int32(starts.count)
    starts.append(Int32(arena.count))
    lengths.append(Int32(b.count))
    arena.append(contentsOf: b)
    hasDigit.append(ZLDrain.hasDigit(b))
    slots[i] = id
    slotHash[i] = h32
    if starts.count * 2 > slots.count { grow() }
    return UInt32(id)
  }

  public func lookup(_ s: String) -> UInt32? {
    let b = Array(s.utf8)
    return b.withUnsafeBufferPointer { lookup($0) }
  }

  public mutating func intern(_ s: String) -> UInt32 {
    let b = Array(s.utf8)
    return b.withUnsafeBufferPointer { intern($0) }
  }

  private mutating func grow() {
    let n = slots.count * 2
    slots = [Int32](repeating: -1, count: n)
    slotHash = [UInt32](repeating: 0, count: n)
    mask = n - 1
    for id in 0..<starts.count {
      let h = arena.withUnsafeBufferPointer { a in
        TokenTable.hash(UnsafeBufferPointer(rebasing: a[Int(starts[id])..<Int(starts[id] + lengths[id])]))
      }
      var i = Int(truncatingIfNeeded: h) & mask
      while slots[i] >= 0 { i = (i + 1) & mask }
      slots[i] = Int32(id)
      slotHash[i] = UInt32(truncatingIfNeeded: h >> 32)
    }
  }

  /// The text of a token.
  public func text(_ id: UInt32) -> String {
    let s = Int(starts[Int(id)]), l = Int(lengths[Int(id)])
    return String(decoding: arena[s..<(s + l)], as: UTF8.self)
  }

  /// The bytes of a token.
  public func bytes(_ id: UInt32) -> ArraySlice<UInt8> {
    let s = Int(starts[Int(id)]), l = Int(lengths[Int(id)])
    return arena[s..<(s + l)]
  }
}
