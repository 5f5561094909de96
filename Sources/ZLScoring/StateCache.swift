// StateCache: first-layer GRU states of event-sequence prefixes (forward direction) and suffixes
// (backward), keyed by trained template ids. A first-layer state depends only on the events before
// it (forward) or after it (backward), and log sessions share beginnings and endings, so a new
// session starts its first layer from the longest cached prefix and suffix; the C forward pass
// produces the same bits as when it computes them (tested). Bounded: `capacity` states per
// direction, kept first come, first served.

import ZLDrain

final class StateCache {
  let hidden: Int
  let capacity: Int
  private var tries: [Trie]
  /// First-layer steps (per direction) taken from the cache instead of computed.
  private(set) var reusedSteps = 0

  /// One direction: (parent node, event id) → node, and each node's state (hidden floats).
  struct Trie {
    var children = IDSlotMap()
    var states: UnsafeMutablePointer<Float>

    init(capacity: Int, hidden: Int) { states = .allocate(capacity: max(1, capacity * hidden)) }

    @inline(__always) static func key(_ parent: Int, _ event: UInt32) -> UInt64 { UInt64(UInt32(truncatingIfNeeded: parent + 1)) << 32 | UInt64(event) }

    func find(_ parent: Int, _ event: UInt32) -> Int? { children[Trie.key(parent, event)].map { Int($0) } }

    /// A new node (the caller checked it is absent and there is room).
    mutating func add(_ parent: Int, _ event: UInt32) -> Int {
      let node = children.count
      children[Trie.key(parent, event)] = Int32(node)
      return node
    }

    /// Nodes so far (each has one entry in `children`).
    var count: Int { children.count }
  }

  init(hidden: Int, capacity: Int) {
    self.hidden = hidden
    self.capacity = capacity
    tries = [Trie(capacity: capacity, hidden: hidden), Trie(capacity: capacity, hidden: hidden)]
  }

  deinit { for t in tries { t.states.deallocate() } }

  /// Lookups for one batch: per sequence and direction, the cached states (`known` of them, row
  /// pointers in step order) and the rows reserved for new states (`want`).
  struct Plan {
    var known: [[Int32]] = [[], []]
    var want: [[Int32]] = [[], []]
    var given: [[UnsafePointer<Float>?]] = [[], []]
    var out: [[UnsafeMutablePointer<Float>?]] = [[], []]
    /// Where each sequence's pointers start in `given` / `out`.
    var givenStart: [[Int]] = [[], []]
    var outStart: [[Int]] = [[], []]
  }

  /// Finds the longest cached prefix and suffix of each sequence (nil: not cacheable) and reserves
  /// nodes for the states the forward pass will produce next. Nodes a batch reserves are only found
  /// by later batches (their states are written by the forward pass).
  func plan(_ sequences: [[UInt32]?], directions: Int) -> Plan {
    var p = Plan()
    // Lookups first, so a node reserved below is never read in this batch.
    var lastNode: [[Int]] = [[], []]
    for d in 0..<min(directions, 2) {
      for ids in sequences {
        p.givenStart[d].append(p.given[d].count)
        guard let ids else {
          p.known[d].append(0)
          lastNode[d].append(-1)
          continue
        }
        var node = -1, k = 0
        var rows: [UnsafePointer<Float>?] = []
        while k < ids.count, let child = tries[d].find(node, ids[d == 0 ? k : ids.count - 1 - k]) {
          node = child
          rows.append(UnsafePointer(tries[d].states + child * hidden))
          k += 1
        }
        if d == 1 { rows.reverse() }  // step order: the earliest cached step first
        p.given[d] += rows
        p.known[d].append(Int32(k))
        reusedSteps += k
        lastNode[d].append(node)
      }
    }
    for d in 0..<min(directions, 2) {
      for (s, ids) in sequences.enumerated() {
        p.outStart[d].append(p.out[d].count)
        var w = 0
        if let ids {
          var node = lastNode[d][s]
          var k = Int(p.known[d][s])
          while k < ids.count && tries[d].count < capacity {
            let e = ids[d == 0 ? k : ids.count - 1 - k]
            if tries[d].find(node, e) != nil { break }  // reserved by an earlier sequence of this batch
            node = tries[d].add(node, e)
            p.out[d].append(tries[d].states + node * hidden)
            w += 1
            k += 1
          }
        }
        p.want[d].append(Int32(w))
      }
    }
    return p
  }
}
