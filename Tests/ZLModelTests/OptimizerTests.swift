// Adam against torch.optim.Adam's update (bias-corrected moments; eps added to the corrected root),
// the step decay schedule, SGD, and the optimizer state round trip used by --resume.

import Testing
import ZLModel
import ZLTensor

@Test func adamMatchesTheTorchUpdate() {
  // One weight, gradient 0.5 each step, lr 0.1: m̂ = 0.5, v̂ = 0.25 → each step moves 0.1·0.5/(0.5+eps).
  let adam = Adam<Double>(names: ["w"], config: AdamConfig(lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8))
  var p: ParameterMap<Double> = ["w": Tensor([1.0], shape: [1], requiresGrad: true)]
  let g: [String: Tensor<Double>] = ["w": Tensor([0.5], shape: [1])]
  adam.update(&p, g)
  #expect(abs(p["w"]!.data[0] - (1 - 0.1 * 0.5 / (0.5 + 1e-8))) < 1e-12)
  adam.update(&p, g)
  #expect(abs(p["w"]!.data[0] - (1 - 2 * 0.1 * 0.5 / (0.5 + 1e-8))) < 1e-12)
  #expect(p["w"]!.requiresGrad)
}

@Test func adamStepDecayAndStateRoundTrip() {
  let cfg = AdamConfig(lr: 1, beta1: 0.9, beta2: 0.9, eps: 1e-12, decay: 0.75, decayEvery: 2)
  let a = Adam<Float>(names: ["x"], config: cfg)
  var p: ParameterMap<Float> = ["x": Tensor([0, 0], shape: [2], requiresGrad: true)]
  let g: [String: Tensor<Float>] = ["x": Tensor([1, -2], shape: [2])]
  #expect(a.learningRate == 1)
  a.update(&p, g); a.update(&p, g)
  #expect(a.learningRate == 0.75)
  a.update(&p, g); a.update(&p, g)
  #expect(abs(a.learningRate - 0.5625) < 1e-12)
  // Restoring the state continues identically.
  let b = Adam<Float>(names: ["x"], config: cfg)
  var state: [String: [Float]] = [:]
  for (n, v, _) in a.state() { state[n] = v }
  b.restore(state)
  var p1 = p, p2 = p
  a.update(&p1, g)
  b.update(&p2, g)
  #expect(p1["x"]!.data == p2["x"]!.data)
}

@Test func sgdStep() {
  let s = SGD<Double>(lr: 0.5)
  var p: ParameterMap<Double> = ["a": Tensor([1, 2], shape: [2], requiresGrad: true)]
  s.update(&p, ["a": Tensor([2, -2], shape: [2])])
  #expect(p["a"]!.data == [0, 3])
}
