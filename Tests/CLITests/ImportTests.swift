// zl-pack import pytorch: networks trained in PyTorch (the golden cases of
// Formats/vectors/reference/network-golden.json, made with PyTorch by Tools/reference/make_network_golden.py)
// saved under PyTorch module names as safetensors, imported with a settings file, score as PyTorch did
// (1e-5); errors name the missing or mis-shaped tensor by its PyTorch name; a torch.save file is
// recognised and refused with the way to write safetensors.

import Testing
import ZLBase
import ZLCheckpoint
import ZLEmbedding
import ZLFormat
import ZLScoring
import _ZLTestSupport

struct Golden: CustomStringConvertible {
  let json: JSON
  var description: String { json["name"]!.stringValue! }
  func ints(_ k: String) -> [Int] { json[k]!.arrayValue!.map { Int($0.integerValue!) } }
  func doubles(_ k: String) -> [Double] { json[k]!.arrayValue!.map { $0.doubleValue! } }
  static let all: [Golden] = {
    guard let d = try? JSONParser().parse(readWholeFile(fixture("Formats/vectors/reference/network-golden.json"))) else { return [] }
    return d["cases"]!.arrayValue!.map { Golden(json: $0) }
  }()
}

/// A front end (the vector model's) whose GloVe vectors have `dim` dimensions.
func frontEnd(dim: Int, dir: String) throws -> String {
  var cp = try Checkpoint.load(path: vectorModel)
  let g = cp.glove!
  let rows = g.vectors.shape[0]
  cp.glove = GloveSection(vectors: Tensor(name: "vectors", shape: [rows, dim], floats: (0..<(rows * dim)).map { Float($0 % 7) / 10 - 0.3 }),
                          wordIDs: g.wordIDs, unknown: Tensor(name: "unknown", shape: [dim], floats: [Float](repeating: 0.05, count: dim)))
  // Any network of the right input size makes a valid front-end model; the import replaces it.
  let path = dir + "/front-\(dim).zlck"
  var meta = cp.metadata!
  meta["model.input_size"] = .uint(UInt64(dim))
  cp.metadata = meta
  var tensors = cp.tensors!
  for name in ["gru.weight_ih_l0", "gru.weight_ih_l0_reverse"] where tensors[name] != nil {
    tensors.insert(Tensor(name: name, shape: [tensors[name]!.shape[0], dim], floats: [Float](repeating: 0.1, count: tensors[name]!.shape[0] * dim)))
  }
  cp.tensors = tensors
  try cp.write(to: path)
  return path
}

@Test(arguments: Golden.all)
func importedPyTorchNetworkScoresAsPyTorch(_ g: Golden) throws {
  let dir = try scratchDirectory("import")
  // The golden parameters under PyTorch module names, as a model.state_dict() would hold them.
  let params = g.json["parameters"]!.objectValue!
  var tensors: [Tensor] = []
  let f = (g.json["bidirectional"]!.boolValue! ? 2 : 1) * g.json["hidden_size"]!.integerValue!
  for (name, value) in params where !name.hasPrefix("domain.") {
    let v = value["values"]!.arrayValue!
    let shape = value["shape"]!.arrayValue!.map { Int($0.integerValue!) }
    var torchName = name.replacingPrefix("gru.", with: "encoder.rnn.").replacingPrefix("classifier.", with: "head.fc.")
    var torchShape = shape
    switch name {
    case "attention.weight": torchName = "att.score.weight"; torchShape = [1, Int(2 * f)]
    case "attention.bias": torchName = "att.score.bias"
    case "attention.guide": torchName = "att.guide"
    case "attention.query", "attention.key", "attention.value": torchName = "att." + name.dropFirst(10) + ".weight"
    default: break
    }
    tensors.append(Tensor(name: torchName, shape: torchShape, floats: v.map { Float($0.doubleValue!) }))
  }
  try writeFileAtomically(dir + "/w.safetensors", Safetensors.encode(tensors))
  let attention = g.json["attention"]!.stringValue! == "additive"
    ? #"{"kind": "additive", "guide": "att.guide", "weight": "att.score.weight", "bias": "att.score.bias"}"#
    : #"{"kind": "qkv", "query": "att.query.weight", "key": "att.key.weight", "value": "att.value.weight"}"#
  try writeFileAtomically(dir + "/s.json", Array(#"{"gru": "encoder.rnn", "classifier": "head.fc", "attention": \#(attention), "name": "golden"}"#.utf8))
  let e = g.json["input_size"]!.integerValue!
  let front = try frontEnd(dim: Int(e), dir: dir)
  let r = try runTool("zl-pack", ["import", "pytorch", dir + "/w.safetensors", "--settings", dir + "/s.json", "--front-end", front, "-o", dir + "/m.zlck"])
  #expect(r.status == 0, "\(r)")
  #expect(try runTool("zl-pack", ["verify", dir + "/m.zlck", "--scoring"]).status == 0)
  // The imported network on the golden inputs: PyTorch's scores.
  let m = try ScoringModel.load(path: dir + "/m.zlck")
  let net = try #require(m.network)
  let model = CompiledModel(net.hyperParameters, tensors: net.weights)
  let lens = g.ints("lengths"), x = g.doubles("x"), t = lens.max()!
  let seqs: [[Float]] = lens.enumerated().map { b, n in (0..<(n * Int(e))).map { Float(x[b * t * Int(e) + $0]) } }
  let (scores, _) = model.score(seqs)
  for (a, b) in zip(scores, g.doubles("scores")) { #expect(isClose(Double(a), b, rtol: 1e-5, atol: 1e-6), "\(g): \(a) vs PyTorch \(b)") }
}

@Test func importRefusesWhatIsNotAModel() throws {
  let dir = try scratchDirectory("import-bad")
  let front = vectorModel
  try writeFileAtomically(dir + "/s.json", Array(#"{"gru": "rnn", "classifier": "fc", "attention": {"kind": "additive", "guide": "g", "weight": "w", "bias": "b"}}"#.utf8))
  // A torch.save file (a zip) and a pickle.
  try writeFileAtomically(dir + "/m.pt", [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 60))
  try writeFileAtomically(dir + "/m.pkl", [0x80, 0x04, 0x95] + [UInt8](repeating: 0, count: 60))
  for f in ["m.pt", "m.pkl"] {
    let r = try runTool("zl-pack", ["import", "pytorch", dir + "/" + f, "--settings", dir + "/s.json", "--front-end", front, "-o", dir + "/o.zlck"])
    #expect(r.status == 65 && r.stderrLines.count == 1 && r.stderr.contains("torch.save") && r.stderr.contains("save_file("), "\(r)")
  }
  // A missing and a mis-shaped tensor, named by their PyTorch names.
  let h = 3
  var t = [Tensor(name: "rnn.weight_ih_l0", shape: [3 * h, 4], floats: [Float](repeating: 0.1, count: 3 * h * 4)),
           Tensor(name: "rnn.weight_hh_l0", shape: [3 * h, h], floats: [Float](repeating: 0.1, count: 3 * h * h)),
           Tensor(name: "rnn.bias_ih_l0", shape: [3 * h], floats: [Float](repeating: 0, count: 3 * h)),
           Tensor(name: "rnn.bias_hh_l0", shape: [3 * h], floats: [Float](repeating: 0, count: 3 * h))]
  try writeFileAtomically(dir + "/a.safetensors", Safetensors.encode(t))
  let missing = try runTool("zl-pack", ["import", "pytorch", dir + "/a.safetensors", "--settings", dir + "/s.json", "--front-end", front, "-o", dir + "/o.zlck"])
  #expect(missing.status == 65 && missing.stderr.contains("tensor 'g' is missing") && missing.stderr.contains("[badImport]"), "\(missing)")
  t += [Tensor(name: "g", shape: [h], floats: [1, 2, 3]), Tensor(name: "w", shape: [2 * h], floats: [Float](repeating: 0, count: 2 * h)),
        Tensor(name: "b", shape: [1], floats: [0]), Tensor(name: "fc.weight", shape: [2, h + 1], floats: [Float](repeating: 0, count: 2 * (h + 1))),
        Tensor(name: "fc.bias", shape: [2], floats: [0, 0])]
  try writeFileAtomically(dir + "/b.safetensors", Safetensors.encode(t))
  let shaped = try runTool("zl-pack", ["import", "pytorch", dir + "/b.safetensors", "--settings", dir + "/s.json", "--front-end", front, "-o", dir + "/o.zlck"])
  #expect(shaped.status == 65 && shaped.stderr.contains("tensor 'fc.weight' has shape [2, 4], expected [2, 3]"), "\(shaped)")
  // Settings with an unknown key.
  try writeFileAtomically(dir + "/u.json", Array(#"{"gru": "rnn", "classifer": "fc", "attention": {"kind": "qkv"}}"#.utf8))
  let unknown = try runTool("zl-pack", ["import", "pytorch", dir + "/b.safetensors", "--settings", dir + "/u.json", "--front-end", front, "-o", dir + "/o.zlck"])
  #expect(unknown.status == 65 && unknown.stderr.contains("unknown key \"classifer\""), "\(unknown)")
  #expect(!fileExists(dir + "/o.zlck"))
}

extension String {
  func replacingPrefix(_ p: String, with r: String) -> String { hasPrefix(p) ? r + dropFirst(p.count) : self }
}
