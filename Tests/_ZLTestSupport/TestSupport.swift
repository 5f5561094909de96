// _ZLTestSupport: helpers shared by the test targets — locating the package and the shared data,
// reading fixtures, a seeded generator for property tests, and the tolerance rule for numerics.

import ZLBase

/// The package root, found from this file's path (Tests/_ZLTestSupport/TestSupport.swift).
public let packageRoot: String = {
  var p = #filePath
  for _ in 0..<3 { p = directoryName(p) }
  return p
}()

/// A path inside the package.
public func fixture(_ relative: String) -> String { packageRoot + "/" + relative }

/// The shared real data (../shared/data next to the checkout, or $ZL_DATA). Tests that need it
/// skip themselves when it is absent, saying so.
/// `ZL_DATA=none` runs the suite as on a machine without it (the skips then show).
public let sharedDataRoot: String? = {
  if let e = environment("ZL_DATA") {
    if e == "none" { return nil }
    if isDirectory(e) { return e }
  }
  let candidates = [packageRoot + "/../shared/data", packageRoot + "/../../shared/data"]
  return candidates.first(where: isDirectory)
}()

/// Reads a text file of the package.
public func readText(_ relative: String) throws -> String {
  String(decoding: try readWholeFile(fixture(relative)), as: UTF8.self)
}

/// The seed for property tests: $ZL_TEST_SEED or a fixed default. Printed by failing tests.
public let testSeed: UInt64 = {
  if let s = environment("ZL_TEST_SEED"), let v = UInt64(s) { return v }
  return 0x5EED_2026
}()

/// SplitMix64: a small, fast, seedable generator (reproducible across platforms).
public struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  public init(seed: UInt64) { state = seed }
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Relative closeness: |a − b| ≤ rtol·max(|a|, |b|) + atol. The absolute term covers values near 0
/// where a relative test is meaningless (the swift-numerics `isApproximatelyEqual` rule).
public func isClose(_ a: Double, _ b: Double, rtol: Double, atol: Double) -> Bool {
  if a == b { return true }
  if !a.isFinite || !b.isFinite { return false }
  return abs(a - b) <= rtol * max(abs(a), abs(b)) + atol
}

/// Writes `bytes` to a new file `name` in a fresh temporary directory; returns its path.
public func tempFile(_ name: String, _ bytes: [UInt8]) throws -> String {
  let dir = try uniqueDirectory("zl-tests")
  let p = dir + "/" + name
  try writeFileAtomically(p, bytes)
  return p
}
