// Layer-level gradient checks (Double, GradientCheck's tolerance rule), padding independence,
// the exact second-order meta-gradient against finite differences, C vs Swift forward parity, and
// a tiny model overfitting 8 sequences.

import Testing
import ZLKernels
import ZLModel
import ZLProfile
import ZLScoring
import ZLTensor
import _ZLTestSupport

func tinyConfig(attention: AttentionKind = .additive, bidirectional: Bool = true, layers: Int = 2, e: Int = 3, h: Int = 2) -> NetworkConfig {
  NetworkConfig(model: ModelHyperParameters(inputSize: e, hiddenSize: h, layers: layers, bidirectional: bidirectional, attention: attention),
                domainHidden: 4, domainDropout: 0, layerDropout: 0)
}

func tinyBatch<T: Real>(_ lengths: [Int], e: Int, seed: UInt64) -> SequenceBatch<T> {
  var rng = SeededRNG(seed: seed)
  let seqs: [[T]] = lengths.map { n in (0..<(n * e)).map { _ in T(rng.uniform(-1, 1)) } }
  return SequenceBatch(sequences: seqs, width: e, maxLength: 100)
}

/// Loss of the whole network (classifier CE + domain CE) as a function of the parameter list.
func networkLoss(_ c: NetworkConfig, _ names: [String], _ batch: SequenceBatch<Double>, _ labels: [Double]) -> ([Tensor<Double>]) -> Tensor<Double> {
  return { values in
    var p: ParameterMap<Double> = [:]
    for (n, v) in zip(names, values) { p[n] = v }
    var rng = SeededRNG(seed: 1)
    let r = Network.features(p, c, batch, rng: &rng).r
    let cls = Network.classify(p, r).crossEntropy(targets: Network.targets(labels))
    let dom = Network.domain(p, c, r, training: false, rng: &rng).crossEntropy(targets: Network.targets(labels.map { 1 - $0 }))
    return cls + dom
  }
}

@Suite struct NetworkTests {
  @Test(arguments: [AttentionKind.additive, .qkv], [true, false])
  func wholeNetworkGradients(attention: AttentionKind, bidirectional: Bool) {
    let c = tinyConfig(attention: attention, bidirectional: bidirectional)
    let p: ParameterMap<Double> = Network.initialParameters(c, seed: testSeed)
    let names = p.keys.sorted()
    let batch: SequenceBatch<Double> = tinyBatch([4, 2, 3], e: 3, seed: testSeed &+ 1)
    let (failures, maxErr) = GradientCheck.check(names.map { p[$0]!.detached() }, networkLoss(c, names, batch, [1, 0, 1]))
    #expect(failures.isEmpty, "\(attention) bi=\(bidirectional): \(failures.prefix(3).map { "\(names[$0.input])[\($0.index)] \($0)" }) max \(maxErr)")
  }

  @Test func inputGradientsThroughPaddedGRU() {
    // d loss / d x: zero for padding positions, correct for the rest.
    let c = tinyConfig(layers: 1)
    let p: ParameterMap<Double> = Network.initialParameters(c, seed: testSeed &+ 2)
    let b: SequenceBatch<Double> = tinyBatch([3, 1], e: 3, seed: 5)
    let f: ([Tensor<Double>]) -> Tensor<Double> = { xs in
      var rng = SeededRNG(seed: 1)
      let batch = SequenceBatch(x: xs[0], lengths: b.lengths)
      return Network.classify(p, Network.features(p, c, batch, rng: &rng).r).crossEntropy(targets: Network.targets([1, 0]))
    }
    let (failures, _) = GradientCheck.check([b.x], f)
    #expect(failures.isEmpty, "\(failures.prefix(3))")
    let x = b.x.asParameter()
    let g = f([x]).gradients(wrt: [x])[0]
    // Sequence 1 has length 1: its steps 1 and 2 are padding.
    for i in (3 * 3 + 3)..<(3 * 3 + 9) { #expect(g.data[i] == 0) }
  }

  @Test func paddingNeverChangesAScore() {
    let c = tinyConfig(e: 4, h: 3)
    let p: ParameterMap<Float> = Network.initialParameters(c, seed: testSeed &+ 3)
    var rng = SeededRNG(seed: 9)
    let short: [Float] = (0..<8).map { _ in Float(rng.uniform(-1, 1)) }    // 2 events
    let long: [Float] = (0..<28).map { _ in Float(rng.uniform(-1, 1)) }    // 7 events
    let alone = Network.scores(p, c, SequenceBatch(sequences: [short], width: 4, maxLength: 100))[0]
    let batched = Network.scores(p, c, SequenceBatch(sequences: [long, short], width: 4, maxLength: 100))[1]
    #expect(abs(alone - batched) < 1e-6)
  }

  @Test(arguments: [1, 2])
  func metaGradientMatchesFiniteDifferences(order: Int) {
    // F(θ) = L_q(θ − δ ∇L_s(θ)). The exact (order 2) meta-gradient must match dF/dθ by central
    // differences; the first-order one must not (it drops the Hessian term) — that is the point.
    let c = tinyConfig(layers: 1, h: 2)
    let p0: ParameterMap<Double> = Network.initialParameters(c, seed: testSeed &+ 4)
    let names = Network.extractorNames(c) + Network.classifierNames(c)
    let sb: SequenceBatch<Double> = tinyBatch([3, 2], e: 3, seed: 11), qb: SequenceBatch<Double> = tinyBatch([2, 3], e: 3, seed: 12)
    let delta = 0.5
    func loss(_ b: SequenceBatch<Double>, _ y: [Double]) -> (ParameterMap<Double>) -> Tensor<Double> {
      { p in
        var rng = SeededRNG(seed: 1)
        return Network.classify(p, Network.features(p, c, b, rng: &rng).r).crossEntropy(targets: Network.targets(y))
      }
    }
    var leaves = p0
    for n in names { leaves[n] = p0[n]!.detached().asParameter() }
    let mg = Trainer<Double>.metaGradient(leaves, names: names, order: order, delta: delta, support: loss(sb, [1, 0]), query: loss(qb, [0, 1]))
    func F(_ p: ParameterMap<Double>) -> Double {
      var leaves = p
      for n in names { leaves[n] = p[n]!.detached().asParameter() }
      let g = loss(sb, [1, 0])(leaves).gradients(wrt: names.map { leaves[$0]! })
      var adapted = leaves
      for (n, gi) in zip(names, g) { adapted[n] = Autograd.withoutRecording { leaves[n]! - gi * delta } }
      return Autograd.withoutRecording { loss(qb, [0, 1])(adapted).item }
    }
    var worst = 0.0, failures = 0, checked = 0
    for n in names {
      for i in 0..<p0[n]!.count {
        var plus = p0, minus = p0
        var d = p0[n]!.data
        d[i] += GradientCheck.step
        plus[n] = Tensor(d, shape: p0[n]!.shape)
        d[i] -= 2 * GradientCheck.step
        minus[n] = Tensor(d, shape: p0[n]!.shape)
        let numeric = (F(plus) - F(minus)) / (2 * GradientCheck.step)
        let a = mg[n]!.data[i]
        worst = max(worst, abs(a - numeric))
        if !GradientCheck.agrees(a, numeric) { failures += 1 }
        checked += 1
      }
    }
    if order == 2 {
      #expect(failures == 0, "exact meta-gradient: \(failures)/\(checked) entries off, worst \(worst)")
    } else {
      #expect(failures > 0, "first-order should differ from the exact meta-gradient")
    }
  }

  @Test(arguments: [AttentionKind.additive, .qkv])
  func cForwardMatchesSwift(attention: AttentionKind) {
    for (bi, layers) in [(true, 2), (false, 1), (true, 1)] {
      let c = NetworkConfig(model: ModelHyperParameters(inputSize: 7, hiddenSize: 5, layers: layers, bidirectional: bi, attention: attention))
      let p: ParameterMap<Float> = Network.initialParameters(c, seed: testSeed &+ 5)
      var rng = SeededRNG(seed: 3)
      let lens = [5, 1, 9, 3, 9, 2, 7]
      let seqs: [[Float]] = lens.map { n in (0..<(n * 7)).map { _ in Float(rng.uniform(-1, 1)) } }
      let swift = Network.scores(p, c, SequenceBatch(sequences: seqs, width: 7, maxLength: 100))
      let model = CompiledModel(c.model, tensors: p.mapValues { $0.data })
      for threads in [1, 2] {
        Kernels.setThreads(threads)
        let (cs, _) = model.score(seqs, batchSize: 3)
        for i in 0..<lens.count { #expect(abs(cs[i] - swift[i]) <= 2e-6, "\(attention) bi=\(bi) L=\(layers) seq \(i): C \(cs[i]) Swift \(swift[i])") }
      }
      Kernels.setThreads(1)
      // A Double forward agrees with the Float one to float precision.
      let pd: ParameterMap<Double> = Network.initialParameters(c, seed: testSeed &+ 5)
      let sd = Network.scores(pd, c, SequenceBatch(sequences: seqs.map { $0.map(Double.init) }, width: 7, maxLength: 100))
      for i in 0..<lens.count { #expect(abs(Double(swift[i]) - sd[i]) < 1e-5) }
    }
  }

  @Test func tinyModelOverfitsEightSequences() {
    let c = NetworkConfig(model: ModelHyperParameters(inputSize: 6, hiddenSize: 8, layers: 1, bidirectional: true))
    var rng = SeededRNG(seed: testSeed)
    let seqs: [[Float]] = (0..<8).map { i in (0..<((3 + i % 4) * 6)).map { _ in Float(rng.uniform(-1, 1)) } }
    let labels: [Double] = [0, 1, 0, 1, 1, 0, 0, 1]
    let batch = LabelledBatch(SequenceBatch(sequences: seqs, width: 6, maxLength: 100), labels: labels)
    let t = Trainer<Float>(network: c, meta: MetaConfig(), params: Network.initialParameters(c, seed: 1), adamG: AdamConfig(lr: 0.02),
                           adamC: AdamConfig(lr: 0.02), adamD: AdamConfig(), seed: 1)
    var last = StepStats()
    for _ in 0..<150 { last = t.supervisedStep(batch) }
    #expect(last.classification < 0.05, "loss \(last.classification)")
    let s = Network.scores(t.params, c, batch.batch)
    for i in 0..<8 { #expect((s[i] >= 0.5) == (labels[i] == 1)) }
  }

  @Test func trainingIsDeterministic() {
    let c = tinyConfig(e: 4, h: 3)
    func run() -> [Float] {
      let t = Trainer<Float>(network: c, meta: MetaConfig(), params: Network.initialParameters(c, seed: 5), adamG: AdamConfig(),
                             adamC: AdamConfig(), adamD: AdamConfig(), seed: 5)
      let s = LabelledBatch<Float>(tinyBatch([3, 4], e: 4, seed: 1), labels: [1, 0])
      for _ in 0..<3 { _ = t.zerologStep(support: (s, tinyBatch([2, 5], e: 4, seed: 2)), query: (s, tinyBatch([4, 1], e: 4, seed: 3))) }
      return t.params.keys.sorted().flatMap { t.params[$0]!.data }
    }
    #expect(run() == run())
  }
}

@Suite struct KernelExactnessTests {
  /// Products with few rows (B read in place, or the row-at-a-time path) give the bits of the
  /// blocked path, at every instruction-set level this CPU has, and the levels agree.
  @Test func fewRowProductsAreBitIdenticalToBlocked() {
    defer { Kernels.limitISA(2) }
    var rng = SeededRNG(seed: testSeed)
    for (k, n) in [(100, 300), (300, 300), (7, 33), (513, 70), (20, 13)] {
      let a: [Float] = (0..<(200 * k)).map { _ in Float(rng.uniform(-1, 1)) }
      let b: [Float] = (0..<(k * n)).map { _ in Float(rng.uniform(-1, 1)) }
      var byLevel: [Int: [Float]] = [:]
      for cap in 0...2 {
        let level = Kernels.limitISA(cap)
        var big = [Float](repeating: 0, count: 200 * n)
        a.withUnsafeBufferPointer { ap in
          b.withUnsafeBufferPointer { bp in
            Float.gemm(transA: false, transB: false, m: 200, n: n, k: k, alpha: 1, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n,
                       beta: 0, c: &big, ldc: n)
            for m in [1, 3, 5, 8, 9, 17, 23, 40] {  // row tails of 1-4 (by rows), 5-8 (8-row tile), 9-11 (both)
              var small = [Float](repeating: 0, count: m * n)
              Float.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n,
                         beta: 0, c: &small, ldc: n)
              #expect(Array(big[0..<(m * n)]) == small, "level \(level) k \(k) n \(n) m \(m)")
            }
          }
        }
        byLevel[level] = big
      }
      for (level, big) in byLevel { #expect(big == byLevel[0]!, "level \(level) vs portable, k \(k) n \(n)") }
    }
  }

  @Test func aSessionScoresTheSameAloneOrInABatch() {
    let c = NetworkConfig(model: ModelHyperParameters(inputSize: 9, hiddenSize: 11, layers: 2, bidirectional: true))
    let p: ParameterMap<Float> = Network.initialParameters(c, seed: testSeed)
    let model = CompiledModel(c.model, tensors: p.filter { !$0.key.hasPrefix("domain.") }.mapValues { $0.data })
    var rng = SeededRNG(seed: 4)
    let seqs: [[Float]] = [6, 3, 9, 9, 1, 4, 7, 2, 5, 8].map { n in (0..<(n * 9)).map { _ in Float(rng.uniform(-1, 1)) } }
    let batched = model.score(seqs, batchSize: 64).scores
    for (i, s) in seqs.enumerated() { #expect(model.score([s]).scores[0] == batched[i]) }
  }

  /// Sessions are a few templates repeated: the first layer projects each distinct input row once.
  /// Scores must be those of the Swift forward and of each session alone, whatever repeats where.
  @Test func repeatedEventVectorsScoreAsInSwift() {
    let c = NetworkConfig(model: ModelHyperParameters(inputSize: 6, hiddenSize: 7, layers: 2, bidirectional: true))
    let p: ParameterMap<Float> = Network.initialParameters(c, seed: testSeed &+ 9)
    let model = CompiledModel(c.model, tensors: p.filter { !$0.key.hasPrefix("domain.") }.mapValues { $0.data })
    var rng = SeededRNG(seed: 8)
    let pool: [[Float]] = (0..<5).map { _ in (0..<6).map { _ in Float(rng.uniform(-1, 1)) } }
    let seqs: [[Float]] = [9, 4, 15, 1, 9, 6, 12].map { n in (0..<n).flatMap { _ in pool[Int(rng.next() % UInt64(pool.count))] } }
    let swift = Network.scores(p, c, SequenceBatch(sequences: seqs, width: 6, maxLength: 100))
    let batched = model.score(seqs, batchSize: 64).scores
    for i in seqs.indices {
      #expect(abs(batched[i] - swift[i]) <= 2e-6, "seq \(i): C \(batched[i]) Swift \(swift[i])")
      #expect(model.score([seqs[i]]).scores[0] == batched[i])
    }
  }

  /// First-layer states cached by event-id prefix (forward) and suffix (backward) give the same
  /// bits as computing them: sessions drawn from a few templates with shared beginnings and endings,
  /// scored in several small batches (later batches reuse earlier states), against the model with
  /// the cache off; unidirectional and bidirectional, additive and Q/K/V attention, two and three
  /// layers; with the second layer's input-projection parts kept for none, some or all cached states.
  @Test(arguments: [(true, AttentionKind.additive, 2, 40), (true, .additive, 2, 13), (true, .additive, 2, 0), (false, .additive, 2, 40),
                    (true, .qkv, 2, 40), (true, .additive, 3, 13)])
  func cachedFirstLayerStatesChangeNoBit(bidirectional: Bool, attention: AttentionKind, layers: Int, parts: Int) {
    let c = NetworkConfig(model: ModelHyperParameters(inputSize: 6, hiddenSize: 9, layers: layers, bidirectional: bidirectional, attention: attention))
    let p: ParameterMap<Float> = Network.initialParameters(c, seed: testSeed &+ 11)
    let tensors = p.filter { !$0.key.hasPrefix("domain.") }.mapValues { $0.data }
    let cached = CompiledModel(c.model, tensors: tensors), plain = CompiledModel(c.model, tensors: tensors)
    cached.stateCacheCapacity = 40  // small: fills up during the test
    cached.stateCachePartCapacity = parts
    plain.stateCacheCapacity = 0
    var rng = SeededRNG(seed: 12)
    let pool: [[Float]] = (0..<4).map { _ in (0..<6).map { _ in Float(rng.uniform(-1, 1)) } }
    let heads: [[UInt32]] = [[0, 1, 1], [0, 2], [3]], tails: [[UInt32]] = [[2, 2, 0], [1], []]
    for round in 0..<6 {
      var ids: [[UInt32]] = []
      for _ in 0..<7 {
        let middle = (0..<Int(rng.next() % 4)).map { _ in UInt32(rng.next() % 4) }
        let s = heads[Int(rng.next() % 3)] + middle + tails[Int(rng.next() % 3)]
        ids.append(s.isEmpty ? [1] : s)
      }
      let seqs = ids.map { $0.flatMap { pool[Int($0)] } }
      let keys: [[UInt32]?] = ids.enumerated().map { $0.offset == 3 ? nil : $0.element }  // one without ids
      let a = cached.score(seqs, keys: keys, batchSize: 3).scores
      let b = plain.score(seqs, keys: keys, batchSize: 3).scores
      #expect(a == b, "round \(round)")
    }
    #expect(cached.reusedFirstLayerSteps > 0 && plain.reusedFirstLayerSteps == 0)
    #expect((cached.reusedSecondLayerParts > 0) == (bidirectional && parts > 0))
  }

  /// The portable, AVX2 and AVX-512 kernels (those this CPU has) give a session the same bits:
  /// products, activations and the fused GRU gates, with hidden sizes that leave vector tails (and,
  /// at 70, more than one group of the AVX-512 gates).
  @Test(arguments: [21, 70]) func everyInstructionSetScoresTheSameBits(hidden: Int) {
    let c = NetworkConfig(model: ModelHyperParameters(inputSize: 13, hiddenSize: hidden, layers: 2, bidirectional: true))
    let p: ParameterMap<Float> = Network.initialParameters(c, seed: testSeed &+ 2)
    let model = CompiledModel(c.model, tensors: p.filter { !$0.key.hasPrefix("domain.") }.mapValues { $0.data })
    var rng = SeededRNG(seed: 6)
    let seqs: [[Float]] = [12, 3, 30, 1, 17, 17, 5].map { n in (0..<(n * 13)).map { _ in Float(rng.uniform(-2, 2)) } }
    defer { Kernels.limitISA(2) }
    var levels: [Int: [Float]] = [:]
    for cap in 0...2 {
      let level = Kernels.limitISA(cap)
      levels[level] = model.score(seqs, batchSize: 4).scores
    }
    #expect(levels[0] != nil)
    for (level, scores) in levels { #expect(scores == levels[0]!, "level \(level) vs portable") }
  }
}
