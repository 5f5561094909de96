// IDSlotMap: integer key → non-negative Int32, for hot lookups — Drain's template id → slot (made
// for every cluster id of a tree leaf on every line it learns or matches; Drain3 keeps evicted ids
// in the leaves and skips them there) and zl-score's state-cache tries ((node, event) → node).
// Open addressing with a multiplicative hash and backward-shift deletion: several times faster
// than a Dictionary's seeded SipHash for these keys.

public struct IDSlotMap: Sequence, Sendable {
  private var keys: [UInt64] = []
  /// -1: empty.
  private var values: [Int32] = []
  private var shift = 64
  private var used = 0

  public init() { grow(to: 16) }

  @inline(__always) private func home(_ id: UInt64) -> Int {
    Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
  }

  private mutating func grow(to slots: Int) {
    let oldKeys = keys, oldValues = values
    keys = [UInt64](repeating: 0, count: slots)
    values = [Int32](repeating: -1, count: slots)
    shift = 64 - slots.trailingZeroBitCount
    used = 0
    for k in oldKeys.indices where oldValues[k] >= 0 { insert(oldKeys[k], oldValues[k]) }
  }

  private mutating func insert(_ id: UInt64, _ value: Int32) {
    let mask = keys.count - 1
    var i = home(id)
    while values[i] >= 0 {
      if keys[i] == id {
        values[i] = value
        return
      }
      i = (i + 1) & mask
    }
    keys[i] = id
    values[i] = value
    used += 1
  }

  public subscript(id: UInt64) -> Int32? {
    get {
      let mask = keys.count - 1
      var i = home(id)
      while true {
        let v = values[i]
        if v < 0 { return nil }
        if keys[i] == id { return v }
        i = (i + 1) & mask
      }
    }
    set {
      if let v = newValue {
        precondition(v >= 0, "slots are non-negative")
        if (used + 1) * 4 > keys.count * 3 { grow(to: keys.count * 2) }
        insert(id, v)
      } else {
        remove(id)
      }
    }
  }

  private mutating func remove(_ id: UInt64) {
    let mask = keys.count - 1
    var i = home(id)
    while true {
      if values[i] < 0 { return }
      if keys[i] == id { break }
      i = (i + 1) & mask
    }
    // Backward-shift: move later entries of the probe run into the hole when their home allows.
    var hole = i
    var j = (i + 1) & mask
    while values[j] >= 0 {
      let h = home(keys[j])
      // Entry j may move to the hole if its home is not in (hole, j] cyclically.
      let between = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j)
      if !between {
        keys[hole] = keys[j]
        values[hole] = values[j]
        hole = j
      }
      j = (j + 1) & mask
    }
    values[hole] = -1
    used -= 1
  }

  /// Keys as 32-bit ids (Drain's template ids).
  public subscript(id: UInt32) -> Int32? {
    get { self[UInt64(id)] }
    set { self[UInt64(id)] = newValue }
  }

  public var count: Int { used }

  /// Keys held, in table order.
  public var ids: [UInt64] { keys.indices.filter { values[$0] >= 0 }.map { keys[$0] } }

  public func makeIterator() -> AnyIterator<(UInt64, Int32)> {
    var k = 0
    return AnyIterator {
      while k < keys.count {
        defer { k += 1 }
        if values[k] >= 0 { return (keys[k], values[k]) }
      }
      return nil
    }
  }
}
