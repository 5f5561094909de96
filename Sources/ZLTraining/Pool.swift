// Pool: one system's sessions as training data (event vectors, labels, lengths), its seeded batches,
// and the seeded helpers that split and shuffle: SplitMix64 streams per purpose, stratified splits.

import ZLModel
import ZLTensor

/// Training data of one system, ready for batches.
struct Pool {
  var vectors: [[Float]] = []
  var labels: [Double?] = []
  var lengths: [Int] = []
  var count: Int { vectors.count }

  mutating func append(_ v: [Float], _ label: Double?, width: Int, maxLength: Int) {
    vectors.append(v)
    labels.append(label)
    lengths.append(min(max(1, v.count / width), maxLength))
  }

  func subset(_ idx: [Int]) -> Pool {
    var p = Pool()
    for i in idx {
      p.vectors.append(vectors[i])
      p.labels.append(labels[i])
      p.lengths.append(lengths[i])
    }
    return p
  }

  /// Batches for one epoch: shuffled, then sorted by length within windows of 8 batches (less
  /// padding), then the batch order shuffled. Deterministic given the generator.
  func batches(size: Int, rng: inout SeededRNG) -> [[Int]] {
    var order = Array(0..<count)
    rng.shuffle(&order)
    var out: [[Int]] = []
    var c = 0
    while c < order.count {
      let chunk = order[c..<min(c + 8 * size, order.count)].sorted { lengths[$0] != lengths[$1] ? lengths[$0] < lengths[$1] : $0 < $1 }
      var b = 0
      while b < chunk.count {
        out.append(Array(chunk[b..<min(b + size, chunk.count)]))
        b += size
      }
      c += 8 * size
    }
    rng.shuffle(&out)
    return out
  }

  func batch(_ idx: [Int], width: Int, maxLength: Int) -> SequenceBatch<Float> {
    SequenceBatch(sequences: idx.map { vectors[$0] }, width: width, maxLength: maxLength)
  }
}

/// Mixes a seed with stream numbers (SplitMix64 finalizer): independent, reproducible streams.
func stream(_ seed: UInt64, _ a: UInt64, _ b: UInt64 = 0) -> UInt64 {
  var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* (a &+ 1) &+ 0xD1B5_4A32_D192_ED03 &* (b &+ 1)
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

/// Stratified split of `idx` by label: returns (first, second) with about `fraction` in `second`.
func stratifiedSplit(_ idx: [Int], labels: [Bool?], fraction: Double, rng: inout SeededRNG) -> ([Int], [Int]) {
  var groups: [[Int]] = [[], [], []]
  for i in idx { groups[labels[i] == nil ? 2 : labels[i]! ? 1 : 0].append(i) }
  var a: [Int] = [], b: [Int] = []
  for var g in groups {
    rng.shuffle(&g)
    let k = Int((Double(g.count) * fraction).rounded())
    b += g[..<k]
    a += g[k...]
  }
  return (a.sorted(), b.sorted())
}

