// Our network against PyTorch (Formats/vectors/reference/network-golden.json, written by
// Tools/reference/make_network_golden.py with torch float64, nn.GRU on packed sequences): scores,
// attention weights, loss and every parameter gradient. Double must match to 1e-9 relative; the
// Float path (CZLScore SGEMM and activations) to 1e-5 relative, and so must the C scoring forward.

import Testing
import ZLBase
import ZLModel
import ZLProfile
import ZLScoring
import ZLTensor
import _ZLTestSupport

struct GoldenCase: CustomStringConvertible {
  let json: JSON
  var description: String { json["name"]?.stringValue ?? "?" }
  func ints(_ k: String) -> [Int] { json[k]!.arrayValue!.map { Int($0.integerValue!) } }
  func doubles(_ k: String) -> [Double] { json[k]!.arrayValue!.map { $0.doubleValue! } }
  var config: NetworkConfig {
    NetworkConfig(model: ModelHyperParameters(
      inputSize: Int(json["input_size"]!.integerValue!), hiddenSize: Int(json["hidden_size"]!.integerValue!),
      layers: Int(json["layers"]!.integerValue!), bidirectional: json["bidirectional"]!.boolValue!,
      attention: AttentionKind(rawValue: json["attention"]!.stringValue!)!), domainHidden: Int(json["domain_hidden"]!.integerValue!),
      domainDropout: 0)
  }
  func parameters<T: Real>() -> ParameterMap<T> {
    var p: ParameterMap<T> = [:]
    for (name, v) in json["parameters"]!.objectValue! {
      let shape = v["shape"]!.arrayValue!.map { Int($0.integerValue!) }
      p[name] = Tensor(v["values"]!.arrayValue!.map { T($0.doubleValue!) }, shape: shape, requiresGrad: true)
    }
    return p
  }
  func batch<T: Real>() -> SequenceBatch<T> {
    let l = ints("lengths"), e = Int(json["input_size"]!.integerValue!)
    return SequenceBatch(x: Tensor(doubles("x").map { T($0) }, shape: [l.count, l.max()!, e]), lengths: l)
  }
}

let goldenCases: [GoldenCase] = {
  guard let text = try? readText("Formats/vectors/reference/network-golden.json"),
        let doc = try? JSONParser().parse(text) else { return [] }
  return doc["cases"]!.arrayValue!.map { GoldenCase(json: $0) }
}()

func lossAndOutputs<T: Real>(_ g: GoldenCase) -> (loss: Tensor<T>, scores: [T], alpha: [T], params: ParameterMap<T>) {
  let c = g.config
  let p: ParameterMap<T> = g.parameters()
  let b: SequenceBatch<T> = g.batch()
  var rng = SeededRNG(seed: 0)
  let (r, alpha) = Network.features(p, c, b, rng: &rng)
  let logits = Network.classify(p, r)
  let cls = logits.crossEntropy(targets: Tensor(g.doubles("targets").map { T($0) }, shape: [b.batch, 2]))
  let dom = Network.domain(p, c, r, training: false, rng: &rng).crossEntropy(targets: Tensor(g.doubles("domain_targets").map { T($0) }, shape: [b.batch, 2]))
  let probs = Autograd.withoutRecording { logits.softmax() }
  return (cls + dom, (0..<b.batch).map { probs.data[2 * $0 + 1] }, alpha.data, p)
}

func expectClose(_ what: String, _ a: [Double], _ b: [Double], rtol: Double, atol: Double, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count) values", sourceLocation: sourceLocation)
  var worst = 0.0
  var bad = 0
  for (x, y) in zip(a, b) where !isClose(x, y, rtol: rtol, atol: atol) {
    bad += 1
    worst = max(worst, abs(x - y))
  }
  #expect(bad == 0, "\(what): \(bad) values differ, worst by \(worst)", sourceLocation: sourceLocation)
}

@Suite struct PyTorchGoldenTests {
  @Test func vectorsArePresent() { #expect(goldenCases.count == 4) }

  @Test(arguments: goldenCases)
  func doubleMatchesPyTorch(_ g: GoldenCase) {
    let (loss, scores, alpha, p) = lossAndOutputs(g) as (Tensor<Double>, [Double], [Double], ParameterMap<Double>)
    expectClose("\(g) scores", scores, g.doubles("scores"), rtol: 1e-9, atol: 1e-12)
    expectClose("\(g) alpha", alpha, g.doubles("alpha"), rtol: 1e-9, atol: 1e-12)
    expectClose("\(g) loss", [loss.item], [g.json["loss"]!.doubleValue!], rtol: 1e-9, atol: 1e-12)
    let names = p.keys.sorted()
    let grads = loss.gradients(wrt: names.map { p[$0]! })
    for (n, gr) in zip(names, grads) {
      expectClose("\(g) d/d\(n)", gr.data, g.json["gradients"]![n]!.arrayValue!.map { $0.doubleValue! }, rtol: 1e-9, atol: 1e-12)
    }
  }

  @Test(arguments: goldenCases)
  func floatMatchesPyTorch(_ g: GoldenCase) {
    let (loss, scores, alpha, p) = lossAndOutputs(g) as (Tensor<Float>, [Float], [Float], ParameterMap<Float>)
    expectClose("\(g) scores", scores.map(Double.init), g.doubles("scores"), rtol: 1e-5, atol: 1e-6)
    expectClose("\(g) alpha", alpha.map(Double.init), g.doubles("alpha"), rtol: 1e-5, atol: 1e-6)
    let names = p.keys.sorted()
    let grads = loss.gradients(wrt: names.map { p[$0]! })
    for (n, gr) in zip(names, grads) {
      expectClose("\(g) d/d\(n)", gr.data.map(Double.init), g.json["gradients"]![n]!.arrayValue!.map { $0.doubleValue! }, rtol: 1e-5, atol: 2e-6)
    }
    // The C scoring forward on the same weights.
    let c = g.config
    let model = CompiledModel(c.model, tensors: p.filter { !$0.key.hasPrefix("domain.") }.mapValues { $0.data })
    let lens = g.ints("lengths"), e = c.model.inputSize, x = g.doubles("x"), t = lens.max()!
    let seqs: [[Float]] = lens.enumerated().map { b, n in (0..<(n * e)).map { Float(x[b * t * e + $0]) } }
    let (cs, ca) = model.score(seqs, attention: true)
    expectClose("\(g) C scores", cs.map(Double.init), g.doubles("scores"), rtol: 1e-5, atol: 1e-6)
    let ga = g.doubles("alpha")
    let flat = lens.enumerated().flatMap { b, n in (0..<t).map { $0 < n ? Double(ca[b][$0]) : 0 } }
    expectClose("\(g) C alpha", flat, ga, rtol: 1e-5, atol: 1e-6)
  }
}
