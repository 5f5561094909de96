// PyTorchImport: `zl-pack import pytorch` — a network trained in PyTorch, saved as safetensors
// (`save_file(model.state_dict(), …)`), becomes a zl.bigru-attn model: its `nn.GRU` and `nn.Linear`
// parameters are found under the names a small settings JSON gives, checked tensor by tensor (an error
// names the missing or mis-shaped one by its PyTorch name), and joined to the front end (Drain state,
// vocabulary, GloVe subset, session rule, levels) of an existing zl model, whose GloVe dimension must be
// the GRU's input size (less the severity features, if any).
//
// settings.json (the keys; README "zl-pack"):
//   {"gru": "encoder.rnn",                      prefix of nn.GRU's weight_ih_l0, …, (…_reverse)
//    "attention": {"kind": "additive", "guide": "att.guide", "weight": "att.score.weight", "bias": "att.score.bias"}
//              or {"kind": "qkv", "query": "att.q.weight", "key": "att.k.weight", "value": "att.v.weight"},
//    "classifier": "fc",                        nn.Linear(F, 2): fc.weight [2, F], fc.bias [2]
//    "max_length": 500, "threshold": 0.5, "severity_features": 0, "name": "…"}   (optional, these defaults)

import ZLBase
import ZLFormat
import ZLProfile

public enum PyTorchImport {
  struct Settings {
    var gru: String
    var attention: AttentionKind
    var attentionNames: [String: String]
    var classifier: String
    var maxLength = 500
    var threshold = 0.5
    var severityFeatures = 0
    var name: String? = nil
  }

  static func settings(_ json: JSON, path: String) throws -> Settings {
    func bad(_ m: String) -> PackError { PackError(.badImport, "\(path): \(m)") }
    guard case .object(let top) = json else { throw bad("the settings are not a JSON object") }
    let known = ["gru", "attention", "classifier", "max_length", "threshold", "severity_features", "name"]
    if let k = top.first(where: { !known.contains($0.0) })?.0 { throw bad("unknown key \"\(k.prefix(64))\" (expected \(known.joined(separator: ", ")))") }
    func string(_ j: JSON?, _ k: String) throws -> String {
      guard let s = j?.stringValue, !s.isEmpty else { throw bad("\(k) must be a non-empty string") }
      return s
    }
    guard let att = json["attention"], case .object(let am) = att else { throw bad("attention must be an object with a kind") }
    let kind = try string(att["kind"], "attention.kind")
    guard let attention = AttentionKind(rawValue: kind) else { throw bad("attention.kind '\(kind.prefix(16))' is not additive or qkv") }
    let parts = attention == .additive ? ["guide", "weight", "bias"] : ["query", "key", "value"]
    if let k = am.first(where: { $0.0 != "kind" && !parts.contains($0.0) })?.0 {
      throw bad("attention.\(k.prefix(32)) is not a tensor of \(kind) attention (\(parts.joined(separator: ", ")))")
    }
    var names: [String: String] = [:]
    for p in parts { names[p] = try string(att[p], "attention.\(p)") }
    var s = Settings(gru: try string(json["gru"], "gru"), attention: attention, attentionNames: names,
                     classifier: try string(json["classifier"], "classifier"))
    if let v = json["max_length"] {
      guard let n = v.integerValue, (1...1_000_000).contains(n) else { throw bad("max_length must be an integer in 1...1000000") }
      s.maxLength = Int(n)
    }
    if let v = json["threshold"] {
      guard let t = v.doubleValue, t >= 0, t <= 1 else { throw bad("threshold must be a number in 0...1") }
      s.threshold = t
    }
    if let v = json["severity_features"] {
      guard let n = v.integerValue, n == 0 || n == 3 else { throw bad("severity_features must be 0 or 3") }
      s.severityFeatures = Int(n)
    }
    if let v = json["name"] { s.name = try string(v, "name") }
    return s
  }

  /// Builds the checkpoint (not written).
  public static func checkpoint(weightsPath: String, settingsPath: String, frontEnd base: Checkpoint, frontEndPath: String) throws -> Checkpoint {
    let set = try settings(try naming(settingsPath) { try JSONParser().parse(try readWholeFile(settingsPath, limit: 1 << 20)) }, path: settingsPath)
    let (list, _) = try Safetensors.decode(try readWholeFile(weightsPath, limit: 4 << 30), path: weightsPath)
    var byName: [String: Tensor] = [:]
    for t in list { byName[t.name] = t }
    func bad(_ m: String) -> PackError { PackError(.badImport, "\(weightsPath): \(m)") }
    func tensor(_ name: String, _ shapes: [[Int]]) throws -> [Float] {
      guard let t = byName[name] else {
        let near = byName.keys.sorted().filter { $0.hasPrefix(name.split(separator: ".").first.map(String.init) ?? "") }.prefix(4)
        throw bad("tensor '\(name)' is missing" + (near.isEmpty ? "" : " (there are \(near.joined(separator: ", ")))"))
      }
      guard t.dtype.isFloating else { throw bad("tensor '\(name)' is \(t.dtype.name), expected a float type") }
      guard shapes.contains(t.shape) else {
        throw bad("tensor '\(name)' has shape \(t.shape), expected \(shapes.map { "\($0)" }.joined(separator: " or "))")
      }
      return t.floats()
    }
    // The GRU: layers and directions from the names present, sizes from the first layer.
    let g = set.gru
    guard let hh = byName["\(g).weight_hh_l0"], hh.shape.count == 2, hh.shape[0] == 3 * hh.shape[1], hh.shape[1] > 0 else {
      throw bad("tensor '\(g).weight_hh_l0' (nn.GRU, [3H, H]) is missing or not of that shape")
    }
    let h = hh.shape[1]
    var layers = 0
    while byName["\(g).weight_ih_l\(layers)"] != nil { layers += 1 }
    guard (1...8).contains(layers) else { throw bad("\(layers) GRU layers under '\(g)' (1-8 supported)") }
    let bidirectional = byName["\(g).weight_ih_l0_reverse"] != nil
    let d = bidirectional ? 2 : 1, f = d * h
    guard let ih0 = byName["\(g).weight_ih_l0"], ih0.shape.count == 2 else { throw bad("tensor '\(g).weight_ih_l0' is not [3H, E]") }
    let e = ih0.shape[1]
    var tens: [Tensor] = []
    for l in 0..<layers {
      for suffix in (bidirectional ? ["", "_reverse"] : [""]) {
        let inSize = l == 0 ? e : f
        tens.append(Tensor(name: "gru.weight_ih_l\(l)\(suffix)", shape: [3 * h, inSize], floats: try tensor("\(g).weight_ih_l\(l)\(suffix)", [[3 * h, inSize]])))
        tens.append(Tensor(name: "gru.weight_hh_l\(l)\(suffix)", shape: [3 * h, h], floats: try tensor("\(g).weight_hh_l\(l)\(suffix)", [[3 * h, h]])))
        tens.append(Tensor(name: "gru.bias_ih_l\(l)\(suffix)", shape: [3 * h], floats: try tensor("\(g).bias_ih_l\(l)\(suffix)", [[3 * h]])))
        tens.append(Tensor(name: "gru.bias_hh_l\(l)\(suffix)", shape: [3 * h], floats: try tensor("\(g).bias_hh_l\(l)\(suffix)", [[3 * h]])))
      }
    }
    let a = set.attentionNames
    switch set.attention {
    case .additive:
      tens.append(Tensor(name: "attention.guide", shape: [f], floats: try tensor(a["guide"]!, [[f], [1, f]])))
      tens.append(Tensor(name: "attention.weight", shape: [2 * f], floats: try tensor(a["weight"]!, [[2 * f], [1, 2 * f]])))
      tens.append(Tensor(name: "attention.bias", shape: [1], floats: try tensor(a["bias"]!, [[1], [1, 1]])))
    case .qkv:
      for p in ["query", "key", "value"] {
        tens.append(Tensor(name: "attention.\(p)", shape: [f, f], floats: try tensor(a[p]!, [[f, f]])))
      }
    }
    tens.append(Tensor(name: "classifier.weight", shape: [2, f], floats: try tensor("\(set.classifier).weight", [[2, f]])))
    tens.append(Tensor(name: "classifier.bias", shape: [2], floats: try tensor("\(set.classifier).bias", [[2]])))
    for t in tens {
      if let k = t.floats().firstIndex(where: { !($0.magnitude <= 1e6) }) {
        throw bad("tensor for \(t.name) holds \(t.floats()[k]) at element \(k): a model's values must be finite and at most 1e6 in magnitude")
      }
    }
    // The front end of the base model.
    guard let drain = base.drain, let glove = base.glove, let vocabulary = base.vocabulary, let session = base.session else {
      throw PackError(.badImport, "\(frontEndPath): the front-end model has no network front end (it needs DRAN, GLOV, VOCB and SESS: a model trained with a network method)")
    }
    if glove.dim + set.severityFeatures != e {
      throw PackError(.badImport, "\(weightsPath): the GRU's input size is \(e) but the GloVe vectors of \(frontEndPath) have \(glove.dim) dimensions" +
                      (set.severityFeatures > 0 ? " (+ \(set.severityFeatures) severity features)" : ""))
    }
    if set.severityFeatures > 0 && base.levels == nil {
      throw PackError(.badImport, "\(settingsPath): severity_features needs a front end with a level field (LEVL); \(frontEndPath) has none")
    }
    let hp = ModelHyperParameters(inputSize: e, hiddenSize: h, layers: layers, bidirectional: bidirectional, attention: set.attention,
                                  maxLength: set.maxLength, severityFeatures: set.severityFeatures)
    var meta = hp.record
    meta["general.architecture"] = .string(ModelProfile.architecture)
    meta["general.converted_from"] = .string("PyTorch safetensors \(baseName(weightsPath)) (settings \(baseName(settingsPath)))")
    if let n = set.name { meta["general.name"] = .string(n) }
    var cp = Checkpoint()
    cp.metadata = meta
    cp.tensors = TensorSet(tens)
    cp.drain = drain
    cp.glove = glove
    cp.vocabulary = vocabulary
    cp.session = session
    cp.levels = base.levels
    cp.threshold = ThresholdSection(threshold: set.threshold, method: "manual")
    _ = try naming(weightsPath) { try cp.scoringSections() }
    return cp
  }
}
