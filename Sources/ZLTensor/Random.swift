// A seeded generator (xoshiro256**, seeded by SplitMix64): the same seed gives the same stream on
// every machine and thread count. Floats come from the top 24 (Float) or 53 (Double) bits.

public struct SeededRNG: RandomNumberGenerator, Sendable {
  private var s: (UInt64, UInt64, UInt64, UInt64)

  public init(seed: UInt64) {
    var x = seed
    func splitmix() -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s = (splitmix(), splitmix(), splitmix(), splitmix())
  }

  @inline(__always) static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  public mutating func next() -> UInt64 {
    let result = SeededRNG.rotl(s.1 &* 5, 7) &* 9
    let t = s.1 << 17
    s.2 ^= s.0
    s.3 ^= s.1
    s.1 ^= s.2
    s.0 ^= s.3
    s.2 ^= t
    s.3 = SeededRNG.rotl(s.3, 45)
    return result
  }

  /// Uniform in [0, 1) with 53 bits.
  public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// Uniform in [lo, hi).
  public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * unit() }

  /// Standard normal (Box–Muller, both values used in turn would depend on call parity; one per call keeps streams simple).
  public mutating func normal() -> Double {
    var u = unit()
    while u <= 0 { u = unit() }
    let v = unit()
    return (-2 * dlog(u)).squareRoot() * dcos(2 * Double.pi * v)
  }

  /// A uniform integer in 0..<n (unbiased, by rejection).
  public mutating func below(_ n: Int) -> Int {
    precondition(n > 0)
    let bound = UInt64(n)
    let limit = UInt64.max - UInt64.max % bound
    var r = next()
    while r >= limit { r = next() }
    return Int(r % bound)
  }

  /// Fisher–Yates shuffle with this generator.
  public mutating func shuffle<C: MutableCollection & RandomAccessCollection>(_ c: inout C) where C.Index == Int {
    let n = c.count
    if n < 2 { return }
    for i in stride(from: n - 1, to: 0, by: -1) {
      let j = below(i + 1)
      c.swapAt(c.startIndex + i, c.startIndex + j)
    }
  }
}


extension Tensor {
  public static func uniform(_ shape: [Int], _ lo: Double, _ hi: Double, rng: inout SeededRNG, requiresGrad: Bool = false) -> Tensor {
    let n = shape.reduce(1, *)
    var d = [T]()
    d.reserveCapacity(n)
    for _ in 0..<n { d.append(T(rng.uniform(lo, hi))) }
    return Tensor(d, shape: shape, requiresGrad: requiresGrad)
  }

  public static func normal(_ shape: [Int], std: Double = 1, rng: inout SeededRNG, requiresGrad: Bool = false) -> Tensor {
    let n = shape.reduce(1, *)
    var d = [T]()
    d.reserveCapacity(n)
    for _ in 0..<n { d.append(T(rng.normal() * std)) }
    return Tensor(d, shape: shape, requiresGrad: requiresGrad)
  }

  /// Inverted-dropout mask: 0 with probability p, else 1/(1−p).
  public static func dropoutMask(_ shape: [Int], p: Double, rng: inout SeededRNG) -> Tensor {
    let n = shape.reduce(1, *)
    let keep = T(1 / (1 - p))
    var d = [T](repeating: 0, count: n)
    for i in 0..<n where rng.unit() >= p { d[i] = keep }
    return Tensor(d, shape: shape)
  }
}
