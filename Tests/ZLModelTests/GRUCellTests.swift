// The fused GRU step against the composed one and against finite differences, in both backward
// paths (plain loops for first order; tensor ops when the backward is recorded for second order).

import Testing
import ZLModel
import ZLTensor
import _ZLTestSupport

@Suite struct GRUCellTests {
  func inputs(_ seed: UInt64) -> [Tensor<Double>] {
    var rng = SeededRNG(seed: seed)
    let b = 3, h = 4
    return [Tensor<Double>.uniform([b, 3 * h], -1.5, 1.5, rng: &rng), Tensor<Double>.uniform([b, h], -1, 1, rng: &rng),
            Tensor<Double>.uniform([3 * h, h], -0.8, 0.8, rng: &rng), Tensor<Double>.uniform([3 * h], -0.5, 0.5, rng: &rng)]
  }
  let mask: [Double] = [1, 0, 1]

  func loss(_ y: Tensor<Double>) -> Tensor<Double> {
    let w = Tensor<Double>((0..<y.count).map { 0.2 + 0.1 * Double($0 % 5) }, shape: y.shape)
    return (y.tanh() * w).sum()
  }

  @Test func fusedEqualsComposed() {
    let x = inputs(testSeed).map { $0.asParameter() }
    let a = GRUCellTesting.fused(x[0], x[1], x[2], x[3], mask: mask)
    let c = GRUCellTesting.composed(x[0], x[1], x[2], x[3], mask: mask)
    for i in 0..<a.count { #expect(abs(a.data[i] - c.data[i]) < 1e-14) }
    let ga = loss(a).gradients(wrt: x), gc = loss(c).gradients(wrt: x)
    for (p, q) in zip(ga, gc) { for i in 0..<p.count { #expect(abs(p.data[i] - q.data[i]) < 1e-12) } }
    // The masked row passes h through unchanged.
    for j in 0..<4 { #expect(a.data[4 + j] == x[1].data[4 + j]) }
  }

  @Test func firstOrderMatchesFiniteDifferences() {
    let (f, maxErr) = GradientCheck.check(inputs(testSeed &+ 1)) { x in loss(GRUCellTesting.fused(x[0], x[1], x[2], x[3], mask: mask)) }
    #expect(f.isEmpty, "\(f.prefix(3)) max \(maxErr)")
  }

  @Test(arguments: [false, true])
  func secondOrderMatchesFiniteDifferences(keepProducts: Bool) {
    // Both ways of building the recorded backward: recomputing the products, or reusing the ones kept
    // from the forward pass (what the trainer does for second-order steps).
    var rng = SeededRNG(seed: 5)
    let x = inputs(testSeed &+ 2)
    let dir = x.map { Tensor<Double>.uniform($0.shape, -1, 1, rng: &rng) }
    let (f, maxErr) = GradientCheck.checkSecondOrder(x, direction: dir) { x in
      Autograd.$keepForHigherOrder.withValue(keepProducts) { loss(GRUCellTesting.fused(x[0], x[1], x[2], x[3], mask: mask)) }
    }
    #expect(f.isEmpty, "\(f.prefix(3)) max \(maxErr)")
  }
}
