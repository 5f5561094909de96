// SHA256: FIPS 180-4 SHA-256, implemented here (no third-party code), streaming and one-shot.
// Padding and buffering are in Swift; the block function is in C (CZLHash: SHA-NI when the CPU has
// it, portable otherwise). Checked against the NIST example vectors in ZLFormatTests.

import CZLHash

/// Incremental SHA-256.
public struct SHA256: Sendable {
  private var h: [UInt32] = [
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
  ]
  private var pending: [UInt8] = []
  private var totalBytes: UInt64 = 0

  public init() { pending.reserveCapacity(64) }

  /// The digest of `bytes`.
  public static func hash<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
    var s = SHA256()
    s.update(bytes)
    return s.finalize()
  }

  /// The digest of raw memory.
  public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
    var s = SHA256()
    s.update(bytes)
    return s.finalize()
  }

  public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
    if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
      return done
    }
    let copy = Array(bytes)
    copy.withUnsafeBytes { update($0) }
  }

  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 0 else { return }
    totalBytes &+= UInt64(bytes.count)
    var start = 0
    if !pending.isEmpty {
      let take = min(64 - pending.count, bytes.count)
      pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
      start = take
      if pending.count == 64 {
        let block = pending
        block.withUnsafeBytes { compress(blocks: $0) }
        pending.removeAll(keepingCapacity: true)
      }
    }
    let remaining = bytes.count - start
    let whole = remaining / 64 * 64
    if whole > 0 {
      compress(blocks: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + whole)]))
    }
    if whole < remaining {
      pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[(start + whole)...]))
    }
  }

  /// Finishes and returns the 32-byte digest.
  public mutating func finalize() -> [UInt8] {
    let bitLength = totalBytes &* 8
    var tail = pending
    tail.append(0x80)
    while tail.count % 64 != 56 { tail.append(0) }
    for k in (0..<8).reversed() { tail.append(UInt8(truncatingIfNeeded: bitLength >> (UInt64(k) * 8))) }
    tail.withUnsafeBytes { compress(blocks: $0) }
    pending.removeAll()
    var out = [UInt8]()
    out.reserveCapacity(32)
    for word in h {
      out.append(UInt8(word >> 24))
      out.append(UInt8(truncatingIfNeeded: word >> 16))
      out.append(UInt8(truncatingIfNeeded: word >> 8))
      out.append(UInt8(truncatingIfNeeded: word))
    }
    return out
  }

  /// True when the SHA-NI instructions are used (reported by benchmarks).
  public static var usesHardwareInstructions: Bool { zlh_sha256_uses_sha_ni() != 0 }

  /// The C corresponding function is `zlh_sha256_blocks`.
  private mutating func compress(blocks: UnsafeRawBufferPointer) {
    let n = blocks.count / 64
    guard n > 0 else { return }
    h.withUnsafeMutableBufferPointer { st in
      zlh_sha256_blocks(st.baseAddress!, blocks.baseAddress!.assumingMemoryBound(to: UInt8.self), n)
    }
  }
}
