// Training steps of the four methods (ARCHITECTURE.md #8–9, ZeroLog.md Algorithm 1, MetaLog.md §3.3).
//
// ZeroLog, one meta-task (support S = source batch + target batch, query Q likewise):
//   1. D step: r = G(x) detached; L_D = CE(D(r_s), src) + CE(D(r_t), tgt); Adam on θ_d.
//   2. C step: L_C = CE(C(r_s), y_s) on the detached source features; Adam on θ_ω.
//   3. inner: L_MT(θ_e; S) = γ·CE(C(G(x_s)), y_s) + β·[CE(D(GRL(G(x_s))), src) + CE(D(GRL(G(x_t))), tgt)],
//      θ_e' = θ_e − δ ∇L_MT (recorded when second-order, so θ_e' is a function of θ_e).
//   4. outer: Adam on θ_e with ∇_{θ_e} L_MT(θ_e'; Q)·α — exact (through θ_e') or first-order (∇ at θ_e').
// `zerolog-nometa` is the same with δ = 0 (no adaptation step): plain domain-adversarial training.
// `supervised` trains G and C on source labels only. `metalog` takes a source loss L_tr on all of
// θ = (θ_e, θ_ω), θ' = θ − δ∇L_tr, and Adam on ∇L_tr(θ) + β∇L_te(θ') with L_te on labelled target sessions.

import ZLTensor

public enum TrainingMethod: String, CaseIterable, Sendable, Codable {
  case zerolog
  case metalog
  case zerologNoMeta = "zerolog-nometa"
  case supervised
}

public struct MetaConfig: Equatable, Sendable, Codable {
  /// Weight of the query loss (Algorithm 1's α) and, for MetaLog, of the target loss (β there).
  public var alpha: Double = 1
  /// Weight of the domain-adversarial terms.
  public var beta: Double = 1
  /// Weight of the classification term.
  public var gamma: Double = 1
  /// Inner (adaptation) step size δ.
  public var innerLR: Double = 3e-3
  /// 1: first-order meta-gradient; 2: exact second-order.
  public var order: Int = 1
  /// Gradient-reversal coefficient.
  public var reversal: Double = 1
  public init() {}
}

/// A labelled (or unlabelled) batch.
public struct LabelledBatch<T: Real> {
  public var batch: SequenceBatch<T>
  /// P(anomalous) per session (0 or 1 for hard labels); nil when unlabelled.
  public var labels: [Double]?
  public init(_ batch: SequenceBatch<T>, labels: [Double]?) {
    self.batch = batch
    self.labels = labels
  }
}

/// Losses and diagnostics of one step.
public struct StepStats: Sendable {
  public var classification = 0.0
  public var domain = 0.0
  public var query = 0.0
  public var domainAccuracy = Double.nan
  public var sequences = 0
  public init() {}
}

public final class Trainer<T: Real> {
  public let network: NetworkConfig
  public let meta: MetaConfig
  public var params: ParameterMap<T>
  public let optG: Adam<T>, optC: Adam<T>, optD: Adam<T>
  public var rng: SeededRNG
  let gNames: [String], cNames: [String], dNames: [String]

  public init(network: NetworkConfig, meta: MetaConfig, params: ParameterMap<T>, adamG: AdamConfig, adamC: AdamConfig,
              adamD: AdamConfig, seed: UInt64) {
    self.network = network
    self.meta = meta
    self.params = params
    gNames = Network.extractorNames(network)
    cNames = Network.classifierNames(network)
    dNames = Network.domainNames(network)
    optG = Adam(names: gNames, config: adamG)
    optC = Adam(names: cNames, config: adamC)
    optD = Adam(names: dNames, config: adamD)
    rng = SeededRNG(seed: seed ^ 0x5EED_0F_D20F)
  }

  func grads(_ loss: Tensor<T>, _ names: [String], in p: ParameterMap<T>, createGraph: Bool = false) -> [String: Tensor<T>] {
    let g = loss.gradients(wrt: names.map { p[$0]! }, createGraph: createGraph)
    return Dictionary(uniqueKeysWithValues: zip(names, g))
  }

  static func domainTargets(_ n: Int, target: Bool) -> Tensor<T> {
    Tensor((0..<n).flatMap { _ in target ? [T(0), T(1)] : [T(1), T(0)] }, shape: [n, 2])
  }

  /// L_MT on (source, target) batches with parameters `p`: γ·CE_c + β·(domain CE through reversal).
  func taskLoss(_ p: ParameterMap<T>, rs: Tensor<T>, ys: [Double], rt: Tensor<T>) -> (total: Tensor<T>, cls: Tensor<T>, dom: Tensor<T>) {
    let cls = Network.classify(p, rs).crossEntropy(targets: Network.targets(ys))
    let lam = T(meta.reversal)
    let ds = Network.domain(p, network, rs.reversingGradient(lam), training: true, rng: &rng)
    let dt = Network.domain(p, network, rt.reversingGradient(lam), training: true, rng: &rng)
    let dom = ds.crossEntropy(targets: Trainer.domainTargets(rs.shape[0], target: false))
      + dt.crossEntropy(targets: Trainer.domainTargets(rt.shape[0], target: true))
    return (cls * T(meta.gamma) + dom * T(meta.beta), cls, dom)
  }

  /// Algorithm 1 steps 1–2 on detached features: the domain classifier, then the anomaly classifier.
  func updateClassifiers(rs: Tensor<T>, ys: [Double], rt: Tensor<T>, stats: inout StepStats) {
    let fs = rs.detached(), ft = rt.detached()
    let ls = Network.domain(params, network, fs, training: true, rng: &rng)
    let lt = Network.domain(params, network, ft, training: true, rng: &rng)
    let ld = ls.crossEntropy(targets: Trainer.domainTargets(fs.shape[0], target: false))
      + lt.crossEntropy(targets: Trainer.domainTargets(ft.shape[0], target: true))
    var correct = 0
    for i in 0..<fs.shape[0] where ls.data[2 * i] >= ls.data[2 * i + 1] { correct += 1 }
    for i in 0..<ft.shape[0] where lt.data[2 * i + 1] > lt.data[2 * i] { correct += 1 }
    stats.domainAccuracy = Double(correct) / Double(fs.shape[0] + ft.shape[0])
    optD.update(&params, grads(ld, dNames, in: params))
    let lc = Network.classify(params, fs).crossEntropy(targets: Network.targets(ys))
    optC.update(&params, grads(lc, cNames, in: params))
  }

  /// One ZeroLog meta-task (or, with `adapt: false`, the no-meta ablation).
  public func zerologStep(support: (source: LabelledBatch<T>, target: SequenceBatch<T>),
                          query: (source: LabelledBatch<T>, target: SequenceBatch<T>), adapt: Bool = true) -> StepStats {
    var stats = StepStats()
    stats.sequences = support.source.batch.batch + support.target.batch + query.source.batch.batch + query.target.batch
    let ys = support.source.labels!
    let second = adapt && meta.order == 2
    // G on the support set, recorded once; steps 1–2 use detached copies.
    let (rs, rt) = Autograd.$keepForHigherOrder.withValue(second) {
      (Network.features(params, network, support.source.batch, training: true, rng: &rng).r,
       Network.features(params, network, support.target, training: true, rng: &rng).r)
    }
    updateClassifiers(rs: rs, ys: ys, rt: rt, stats: &stats)
    var adapted = params
    if adapt {
      let (lsup, cls, dom) = taskLoss(params, rs: rs, ys: ys, rt: rt)
      stats.classification = cls.item.double
      stats.domain = dom.item.double
      let g = grads(lsup, gNames, in: params, createGraph: second)
      let delta = T(meta.innerLR)
      for name in gNames {
        adapted[name] = second ? params[name]! - g[name]! * delta
          : Autograd.withoutRecording { (params[name]! - g[name]! * delta) }.asParameter()
      }
    } else {
      let (_, cls, dom) = Autograd.withoutRecording { taskLoss(params, rs: rs.detached(), ys: ys, rt: rt.detached()) }
      stats.classification = cls.item.double
      stats.domain = dom.item.double
    }
    // Query loss at θ_e' (C and D as just updated).
    let qs = Network.features(adapted, network, query.source.batch, training: true, rng: &rng).r
    let qt = Network.features(adapted, network, query.target, training: true, rng: &rng).r
    let (lq, _, _) = taskLoss(adapted, rs: qs, ys: query.source.labels!, rt: qt)
    stats.query = lq.item.double
    let wrt = second ? params : adapted
    var g = grads(lq * T(meta.alpha), gNames, in: wrt)
    if !second { g = g.mapValues { $0.detached() } }
    optG.update(&params, g)
    return stats
  }

  /// Source-only supervised step on G and C.
  public func supervisedStep(_ b: LabelledBatch<T>) -> StepStats {
    var stats = StepStats()
    stats.sequences = b.batch.batch
    let r = Network.features(params, network, b.batch, training: true, rng: &rng).r
    let loss = Network.classify(params, r).crossEntropy(targets: Network.targets(b.labels!))
    stats.classification = loss.item.double
    let g = grads(loss, gNames + cNames, in: params)
    optG.update(&params, g)
    optC.update(&params, g)
    return stats
  }

  /// MetaLog: ∇L_tr(θ) + β∇L_te(θ'), θ' = θ − δ∇L_tr(θ) over G and C.
  public func metalogStep(source: LabelledBatch<T>, target: LabelledBatch<T>) -> StepStats {
    var stats = StepStats()
    stats.sequences = source.batch.batch + target.batch.batch
    let names = gNames + cNames
    let second = meta.order == 2
    let r = Autograd.$keepForHigherOrder.withValue(second) { Network.features(params, network, source.batch, training: true, rng: &rng).r }
    let ltr = Network.classify(params, r).crossEntropy(targets: Network.targets(source.labels!))
    stats.classification = ltr.item.double
    let gtr = grads(ltr, names, in: params, createGraph: second)
    var adapted = params
    let delta = T(meta.innerLR)
    for n in names {
      adapted[n] = second ? params[n]! - gtr[n]! * delta : Autograd.withoutRecording { params[n]! - gtr[n]! * delta }.asParameter()
    }
    let rt = Network.features(adapted, network, target.batch, training: true, rng: &rng).r
    let lte = Network.classify(adapted, rt).crossEntropy(targets: Network.targets(target.labels!)) * T(meta.alpha)
    stats.query = lte.item.double
    let gte = grads(lte, names, in: second ? params : adapted)
    var total: [String: Tensor<T>] = [:]
    Autograd.withoutRecording {
      for n in names { total[n] = gtr[n]!.detached() + gte[n]!.detached() }
    }
    optG.update(&params, total)
    optC.update(&params, total)
    return stats
  }

  /// The exact meta-gradient d/dθ L_q(θ − δ∇L_s(θ)) (second order) or its first-order version, for tests.
  public static func metaGradient(_ p: ParameterMap<T>, names: [String], order: Int, delta: Double,
                                  support: (ParameterMap<T>) -> Tensor<T>, query: (ParameterMap<T>) -> Tensor<T>) -> [String: Tensor<T>] {
    let ls = Autograd.$keepForHigherOrder.withValue(order == 2) { support(p) }
    let g = ls.gradients(wrt: names.map { p[$0]! }, createGraph: order == 2)
    var adapted = p
    for (n, gi) in zip(names, g) {
      adapted[n] = order == 2 ? p[n]! - gi * T(delta) : Autograd.withoutRecording { p[n]! - gi * T(delta) }.asParameter()
    }
    let lq = query(adapted)
    let gq = lq.gradients(wrt: names.map { (order == 2 ? p : adapted)[$0]! })
    return Dictionary(uniqueKeysWithValues: zip(names, gq.map { $0.detached() }))
  }
}
