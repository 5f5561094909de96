// ResumeState: the epoch checkpoint behind `zl-train fit --resume` — a .zlck holding every
// parameter (the domain classifier's too), the three Adam states, the epoch history and the run's
// fingerprint (settings + input digests), so a resumed run continues exactly where it stopped and
// ends with the same file as an uninterrupted one. Per-epoch random streams derive from (seed,
// epoch), so no generator state needs saving.

import ZLBase
import ZLCheckpoint
import ZLFormat
import ZLModel
import ZLTensor

struct ResumeState {
  var history: [EpochRecord]
  var best: ParameterMap<Float>?
  var bestLoss: Double

  static func save(path: String, fingerprint: String, trainer: Trainer<Float>, history: [EpochRecord],
                   best: ParameterMap<Float>?, bestLoss: Double) throws {
    var cp = Checkpoint()
    cp.metadata = Record([
      ("general.architecture", .string("zl.resume")), ("resume.fingerprint", .string(fingerprint)),
      ("resume.epochs", .uint(UInt64(history.count))), ("resume.history", .doubles(history.flatMap { $0.values })),
      ("resume.best_loss", .double(bestLoss.isFinite ? bestLoss : -1)),
    ])
    var ts: [ZLFormat.Tensor] = []
    for (name, t) in trainer.params.sorted(by: { $0.key < $1.key }) {
      ts.append(ZLFormat.Tensor(name: "param." + name, shape: t.shape, floats: t.data))
    }
    if let b = best {
      for (name, t) in b.sorted(by: { $0.key < $1.key }) { ts.append(ZLFormat.Tensor(name: "best." + name, shape: t.shape, floats: t.data)) }
    }
    for (tag, opt) in [("G", trainer.optG), ("C", trainer.optC), ("D", trainer.optD)] {
      for (name, values, shape) in opt.state() {
        ts.append(ZLFormat.Tensor(name: "optimizer.\(tag).\(name)", shape: shape, floats: values))
      }
    }
    cp.tensors = TensorSet(ts)
    _ = try cp.write(to: path)
  }

  static func load(path: String, fingerprint: String, trainer: Trainer<Float>) throws -> ResumeState {
    let cp = try Checkpoint.load(path: path)
    guard let meta = cp.metadata, let tensors = cp.tensors, case .string(let fp)? = meta["resume.fingerprint"],
          case .uint(let n)? = meta["resume.epochs"], case .doubles(let h)? = meta["resume.history"], h.count == Int(n) * 8 else {
      throw TrainingError(.badResumeFile, "\(path): not a zl-train resume file")
    }
    guard fp == fingerprint else {
      throw TrainingError(.badResumeFile, "\(path): written by a run with other settings or inputs", hint: "remove it or drop --resume")
    }
    var params = trainer.params
    for (name, t) in trainer.params {
      guard let s = tensors["param." + name], s.shape == t.shape else { throw TrainingError(.badResumeFile, "\(path): parameter '\(name)' missing or mis-shaped") }
      params[name] = ZLTensor.Tensor(s.floats(), shape: t.shape, requiresGrad: true)
    }
    trainer.params = params
    var best: ParameterMap<Float>? = nil
    if tensors["best." + trainer.params.keys.sorted()[0]] != nil {
      var b = params
      for (name, t) in params {
        guard let s = tensors["best." + name], s.shape == t.shape else { throw TrainingError(.badResumeFile, "\(path): best parameter '\(name)' missing") }
        b[name] = ZLTensor.Tensor(s.floats(), shape: t.shape, requiresGrad: true)
      }
      best = b
    }
    for (tag, opt) in [("G", trainer.optG), ("C", trainer.optC), ("D", trainer.optD)] {
      var state: [String: [Float]] = [:]
      for t in tensors.tensors where t.name.hasPrefix("optimizer.\(tag).") {
        state[String(t.name.dropFirst("optimizer.\(tag).".count))] = t.floats()
      }
      opt.restore(state)
    }
    var bl = -1.0
    if case .double(let d)? = meta["resume.best_loss"] { bl = d }
    let history = (0..<Int(n)).map { EpochRecord(values: Array(h[($0 * 8)..<($0 * 8 + 8)])) }
    return ResumeState(history: history, best: best, bestLoss: bl < 0 ? .infinity : bl)
  }
}
