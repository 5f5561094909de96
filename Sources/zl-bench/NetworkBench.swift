// zl-bench network: the numerics core's speed on random data of a given shape — C inference
// (batch and batch-1 latency), a training step (forward + backward + Adam), and ZeroLog meta-steps
// of first and second order — best of R runs after one warm-up, as one JSON line.

import ZLBase
import ZLCommandLine
import ZLKernels
import ZLModel
import ZLProfile
import ZLScoring
import ZLTensor

let networkBenchCommand = Command(
  name: "network", summary: "inference, training and meta-learning step speed for one network shape",
  usage: "network [--batch B] [--length T] [--input E] [--hidden H] [--layers L] [--bidirectional] [--attention additive|qkv] [--threads N] [--repeat R] [--skip-train] [--skip-meta]",
  help: """
    Times on random inputs of full length T (defaults: B 256, T 50, E 300, H 100, L 2, one thread):
      infer_seq_per_s    C forward (zl-score's path), sequences per second
      infer_b1_ms        latency of one sequence
      train_seq_per_s    supervised step: forward + backward + Adam on B sequences
      maml1_step_ms      ZeroLog first-order meta-step, support B/2 source + B/2 target, query the same
      maml2_step_ms      the same with the exact second-order meta-gradient
      train_peak_rss_mib peak resident memory after the inference and training measurements
      peak_rss_mib       peak resident memory of the process (after the meta-steps too)
    """
) { args in
  let b = try args.int("--batch", in: 2...65_536) ?? 256
  let t = try args.int("--length", in: 1...10_000) ?? 50
  let e = try args.int("--input", in: 1...4096) ?? 300
  let h = try args.int("--hidden", in: 1...4096) ?? 100
  let layers = try args.int("--layers", in: 1...8) ?? 2
  let bi = args.flag("--bidirectional")
  let attentionName = try args.option("--attention") ?? "additive"
  let threads = try args.int("--threads", in: 1...64) ?? 1
  let repeats = try args.int("--repeat", in: 1...100) ?? 3
  let skipTrain = args.flag("--skip-train")
  let skipMeta = args.flag("--skip-meta")
  _ = try args.finish(min: 0, max: 0, names: "")
  guard let attention = AttentionKind(rawValue: attentionName) else { throw args.error("--attention must be additive or qkv") }
  Kernels.setThreads(threads)
  Kernels.tuneAllocator()
  let config = NetworkConfig(model: ModelHyperParameters(inputSize: e, hiddenSize: h, layers: layers, bidirectional: bi, attention: attention))
  let params: ParameterMap<Float> = Network.initialParameters(config, seed: 1)
  var rng = SeededRNG(seed: 2)
  let seqs: [[Float]] = (0..<b).map { _ in (0..<(t * e)).map { _ in Float(rng.uniform(-1, 1)) } }
  let labels: [Double] = (0..<b).map { Double($0 % 2) }
  func best(_ n: Int, _ body: () -> Void) -> Double {
    body()  // warm-up
    var m = Double.infinity
    for _ in 0..<n {
      let t0 = monotonicSeconds()
      body()
      m = min(m, monotonicSeconds() - t0)
    }
    return m
  }
  let model = CompiledModel(config.model, tensors: params.filter { !$0.key.hasPrefix("domain.") }.mapValues { $0.data })
  let inferS = best(repeats) { _ = model.score(seqs, batchSize: b) }
  let one = [seqs[0]]
  let b1 = best(max(repeats, 20)) { _ = model.score(one) }
  var fields: [(String, JSON)] = [
    ("bench", .string("network")), ("batch", .integer(Int64(b))), ("length", .integer(Int64(t))), ("input", .integer(Int64(e))),
    ("hidden", .integer(Int64(h))), ("layers", .integer(Int64(layers))), ("bidirectional", .bool(bi)),
    ("attention", .string(attention.rawValue)), ("threads", .integer(Int64(threads))), ("isa", .string(Kernels.isa)),
    ("infer_seq_per_s", .number(Double(b) / inferS)), ("infer_b1_ms", .number(b1 * 1000)),
  ]
  if !skipTrain {
    let batch = SequenceBatch(sequences: seqs, width: e, maxLength: t)
    let half = b / 2
    let src = LabelledBatch(SequenceBatch(sequences: Array(seqs[..<half]), width: e, maxLength: t), labels: Array(labels[..<half]))
    let tgt = SequenceBatch(sequences: Array(seqs[half...]), width: e, maxLength: t)
    func trainer(order: Int) -> Trainer<Float> {
      var meta = MetaConfig()
      meta.order = order
      return Trainer(network: config, meta: meta, params: params, adamG: AdamConfig(), adamC: AdamConfig(), adamD: AdamConfig(), seed: 1)
    }
    let sup = trainer(order: 1)
    let trainS = best(repeats) { _ = sup.supervisedStep(LabelledBatch(batch, labels: labels)) }
    fields.append(("train_seq_per_s", .number(Double(b) / trainS)))
    fields.append(("train_peak_rss_mib", .number(Double(peakResidentBytes()) / 1_048_576)))
    if !skipMeta {
      let m1 = trainer(order: 1), m2 = trainer(order: 2)
      let maml1 = best(repeats) { _ = m1.zerologStep(support: (src, tgt), query: (src, tgt)) }
      let maml2 = best(repeats) { _ = m2.zerologStep(support: (src, tgt), query: (src, tgt)) }
      fields += [
        ("maml1_step_ms", .number(maml1 * 1000)), ("maml2_step_ms", .number(maml2 * 1000)), ("maml2_over_maml1", .number(maml2 / maml1)),
      ]
    }
  }
  fields.append(("peak_rss_mib", .number(Double(peakResidentBytes()) / 1_048_576)))
  let out = StandardOutput()
  try out.line(JSON.object(fields).serialized())
  try out.flush()
  return .ok
}
