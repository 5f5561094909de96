// StateCache: first-layer GRU states of event-sequence prefixes (forward direction) and suffixes
// (backward), keyed by trained template ids. A first-layer state depends only on the events before
// it (forward) or after it (backward), and log sessions share beginnings and endings, so a new
// session starts its first layer from the longest cached prefix and suffix; the C forward pass
// produces the same bits as when it computes them (tested). Bounded: `capacity` states per
// direction, kept first come, first served. With both directions and a second layer, the first
// `partCapacity` nodes of each direction also keep the second layer's input-projection part from
// their state (6H floats: zls_first_layer_states), so a cached step costs that layer half its
// input projection too.

import ZLDrain
import ZLKernels

final class StateCache {
  let hidden: Int
  let capacity: Int
  let partCapacity: Int
  /// Floats of one node's part (both second-layer directions' 3H).
  var partFloats: Int { 6 * hidden }
  private var tries: [Trie]
  /// First-layer steps (per direction) taken from the cache instead of computed.
  private(set) var reusedSteps = 0
  /// Of those, the steps whose second-layer input-projection part came with them.
  private(set) var reusedParts = 0

  /// One direction: (parent node, event id) → node, and each node's state (hidden floats).
  struct Trie {
    var children = IDSlotMap()
    var states: UnsafeMutablePointer<Float>
    var parts: UnsafeMutablePointer<Float>

    init(capacity: Int, hidden: Int, partCapacity: Int) {
      states = .allocate(capacity: max(1, capacity * hidden))
      parts = .allocate(capacity: max(1, partCapacity * 6 * hidden))
    }

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

  init(hidden: Int, capacity: Int, partCapacity: Int = 0) {
    self.hidden = hidden
    self.capacity = capacity
    self.partCapacity = min(partCapacity, capacity)
    tries = (0..<2).map { _ in Trie(capacity: capacity, hidden: hidden, partCapacity: min(partCapacity, capacity)) }
  }

  deinit {
    for t in tries {
      t.states.deallocate()
      t.parts.deallocate()
    }
  }

  /// Finds the longest cached prefix and suffix of each sequence (nil: not cacheable) and reserves
  /// nodes for the states the forward pass will produce next. Nodes a batch reserves are only found
  /// by later batches (their states are written by the forward pass).
  func plan(_ sequences: [[UInt32]?], directions: Int) -> FirstLayerStates {
    var p = FirstLayerStates()
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
        var rows: [UnsafePointer<Float>?] = [], parts: [UnsafePointer<Float>?] = []
        while k < ids.count, let child = tries[d].find(node, ids[d == 0 ? k : ids.count - 1 - k]) {
          node = child
          rows.append(UnsafePointer(tries[d].states + child * hidden))
          parts.append(child < partCapacity ? UnsafePointer(tries[d].parts + child * partFloats) : nil)
          k += 1
        }
        if d == 1 {  // step order: the earliest cached step first
          rows.reverse()
          parts.reverse()
        }
        p.given[d] += rows
        p.givenPart[d] += parts
        reusedParts += parts.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
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
            p.outPart[d].append(node < partCapacity ? tries[d].parts + node * partFloats : nil)
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
