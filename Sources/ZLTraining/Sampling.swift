// SessionSampler: at most N sessions of a stream whose length is not known in advance, seeded and
// stratified by label (normal, anomalous, unlabelled), in memory bounded by 3 N sessions: one
// reservoir per label (Algorithm R) while sessions close, then each label's share of N drawn from
// its reservoir (a uniform sample of a uniform sample is uniform). Anomalies, when there are any,
// keep at least one session. Without a limit it keeps everything, in order.

import ZLTensor

struct SessionSampler<Item> {
  /// At most this many sessions are kept (nil: all).
  let limit: Int?
  private var rng: SeededRNG
  /// Per label group (0 normal, 1 anomalous, 2 unlabelled): the reservoir, with each session's ordinal.
  private var reservoirs: [[(ordinal: Int, item: Item, label: Bool?)]] = [[], [], []]
  private var seen = [0, 0, 0]
  private var ordinal = 0

  init(limit: Int?, seed: UInt64) {
    self.limit = limit
    rng = SeededRNG(seed: seed)
  }

  /// Sessions offered so far.
  var total: Int { ordinal }

  mutating func offer(_ s: Item, label: Bool?) {
    let g = label == nil ? 2 : label! ? 1 : 0
    seen[g] += 1
    defer { ordinal += 1 }
    guard let n = limit else {
      reservoirs[0].append((ordinal, s, label))
      return
    }
    if reservoirs[g].count < n {
      reservoirs[g].append((ordinal, s, label))
    } else {
      let j = rng.below(seen[g])
      if j < n { reservoirs[g][j] = (ordinal, s, label) }
    }
  }

  /// The kept sessions in the order they were offered, with their labels.
  mutating func finish() -> (items: [Item], labels: [Bool?]) {
    guard let n = limit, ordinal > n else {
      // Everything, already in order (one group without a limit, or under it: merge the groups).
      var all = reservoirs[0]
      if limit != nil { all = (all + reservoirs[1] + reservoirs[2]).sorted { $0.ordinal < $1.ordinal } }
      reservoirs = [[], [], []]
      return (all.map(\.item), all.map(\.label))
    }
    var kept: [(ordinal: Int, item: Item, label: Bool?)] = []
    for (g, q) in quotas(n).enumerated() {
      var r = reservoirs[g]
      reservoirs[g] = []
      // The first q of a seeded shuffle of the reservoir.
      for i in 0..<q {
        let j = i + rng.below(r.count - i)
        r.swapAt(i, j)
      }
      kept += r.prefix(q)
    }
    kept.sort { $0.ordinal < $1.ordinal }
    reservoirs = [[], [], []]
    return (kept.map(\.item), kept.map(\.label))
  }

  /// Each group's share of `n` (largest remainders; an anomalous group that exists keeps at least one).
  private func quotas(_ n: Int) -> [Int] {
    let total = Double(ordinal)
    var q = seen.map { Int((Double(n) * Double($0) / total).rounded(.down)) }
    if seen[1] > 0 && q[1] == 0 { q[1] = 1 }
    let order = [0, 1, 2].sorted {
      let a = Double(n) * Double(seen[$0]) / total - Double(q[$0]), b = Double(n) * Double(seen[$1]) / total - Double(q[$1])
      return a != b ? a > b : $0 < $1
    }
    var k = 0
    while q.reduce(0, +) < n {
      let g = order[k % 3]
      if q[g] < seen[g] { q[g] += 1 }
      k += 1
    }
    while q.reduce(0, +) > n, let g = [0, 2, 1].first(where: { q[$0] > ($0 == 1 ? 1 : 0) }) { q[g] -= 1 }
    return q.enumerated().map { min($0.element, seen[$0.offset], n) }
  }
}
