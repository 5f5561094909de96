// ONNXExport: `zl-pack export onnx` — the network of a `zl.bigru-attn` model (zlck-v1.md Appendix A)
// as an ONNX model (opset 17), written with our own protobuf encoder (no dependency). Inputs:
// `events` [batch, time, E] (each session's last model.max_length event inputs, zero-padded) and
// `lengths` [batch] (int32, each ≥ 1); output `p_anomaly` [batch]. ONNX's GRU takes the lengths
// (`sequence_lens`), so padding never enters the recurrence (the reverse direction starts at each
// session's own last event), and the attention softmax is masked to each session's events: scores of
// padded batches equal zl-score's.
//
// Graph: per layer a GRU (gates reordered from PyTorch's r, z, n to ONNX's z, r, h; linear_before_reset
// = 1, which is PyTorch's form), its output [T, D, B, H] → [B, T, D·H]; additive attention
// s = tanh(w₁·g + H w₂ + b) or QKV on the mean of the valid states; a mask from `lengths`; softmax;
// the weighted sum; the classifier; p = σ(l₁ − l₀).

import ZLBase
import ZLFormat
import ZLProfile

/// A minimal protobuf writer (proto3 wire format: varints, length-delimited fields, packed repeats).
struct ProtobufWriter {
  var bytes: [UInt8] = []

  mutating func varint(_ v: UInt64) {
    var x = v
    while x >= 0x80 {
      bytes.append(UInt8(x & 0x7F) | 0x80)
      x >>= 7
    }
    bytes.append(UInt8(x))
  }

  mutating func tag(_ field: Int, _ wire: Int) { varint(UInt64(field << 3 | wire)) }
  mutating func int(_ field: Int, _ v: Int64) {
    tag(field, 0)
    varint(UInt64(bitPattern: v))
  }
  mutating func bytesField(_ field: Int, _ b: [UInt8]) {
    tag(field, 2)
    varint(UInt64(b.count))
    bytes += b
  }
  mutating func string(_ field: Int, _ s: String) { bytesField(field, Array(s.utf8)) }
  mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
    var inner = ProtobufWriter()
    build(&inner)
    bytesField(field, inner.bytes)
  }
  mutating func float(_ field: Int, _ v: Float) {
    tag(field, 5)
    withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 }
  }
  mutating func packedInts(_ field: Int, _ vs: [Int64]) {
    var inner = ProtobufWriter()
    for v in vs { inner.varint(UInt64(bitPattern: v)) }
    bytesField(field, inner.bytes)
  }
}

/// An ONNX graph being built: nodes, initializers, fresh names.
struct ONNXGraph {
  enum Attribute {
    case int(Int64), float(Float), string(String), ints([Int64])
  }
  var nodes: [ProtobufWriter] = []
  var initializers: [ProtobufWriter] = []
  var counter = 0

  mutating func fresh(_ base: String) -> String {
    counter += 1
    return "\(base)_\(counter)"
  }

  /// Adds a node; returns its (first) output name.
  @discardableResult
  mutating func node(_ op: String, _ inputs: [String], _ attributes: [(String, Attribute)] = [], output: String? = nil) -> String {
    let outs = [output ?? fresh(op.lowercased())]
    var w = ProtobufWriter()
    for i in inputs { w.string(1, i) }
    for o in outs { w.string(2, o) }
    w.string(3, outs[0])
    w.string(4, op)
    for (name, a) in attributes {
      w.message(5) { m in
        m.string(1, name)
        switch a {
        case .int(let v):
          m.int(3, v)
          m.int(20, 2)
        case .float(let v):
          m.float(2, v)
          m.int(20, 1)
        case .string(let s):
          m.bytesField(4, Array(s.utf8))
          m.int(20, 3)
        case .ints(let vs):
          m.packedInts(8, vs)
          m.int(20, 7)
        }
      }
    }
    nodes.append(w)
    return outs[0]
  }

  /// A float initializer.
  mutating func constant(_ base: String, _ shape: [Int], _ values: [Float]) -> String {
    let name = fresh(base)
    var w = ProtobufWriter()
    w.packedInts(1, shape.map { Int64($0) })
    w.int(2, 1)  // FLOAT
    w.string(8, name)
    var raw: [UInt8] = []
    raw.reserveCapacity(values.count * 4)
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw += $0 } }
    w.bytesField(9, raw)
    initializers.append(w)
    return name
  }

  /// An int64 initializer.
  mutating func int64s(_ base: String, _ shape: [Int], _ values: [Int64]) -> String {
    let name = fresh(base)
    var w = ProtobufWriter()
    w.packedInts(1, shape.map { Int64($0) })
    w.int(2, 7)  // INT64
    w.string(8, name)
    var raw: [UInt8] = []
    for v in values { withUnsafeBytes(of: v.littleEndian) { raw += $0 } }
    w.bytesField(9, raw)
    initializers.append(w)
    return name
  }
}

public enum ONNXExport {
  public static let opset: Int64 = 17

  /// The ONNX model of a checkpoint's network.
  /// - Throws: `PackError.missingSection` / `CheckpointError` when the checkpoint has no network or
  ///   fails its profile.
  public static func model(_ cp: Checkpoint) throws -> [UInt8] {
    let s = try cp.scoringSections()
    guard let n = s.network else {
      throw PackError(.missingSection, "a \(s.architecture) model has no network to export (its decision is in THRS and TDET, Formats/scoring-v1.md §11)")
    }
    let hp = n.hyperParameters
    func w(_ name: String) throws -> [Float] {
      guard let t = n.tensors[name] else { throw InternalError("tensor \(name) passed the profile check but is absent") }
      return t.floats()
    }
    let h = hp.hiddenSize, d = hp.directions, f = hp.featureSize, e = hp.inputSize
    var g = ONNXGraph()
    // Inputs: events [B, T, E] → X [T, B, E]; lengths [B] int32.
    var x = g.node("Transpose", ["events"], [("perm", .ints([1, 0, 2]))])
    let zero = g.int64s("zero", [1], [0]), one = g.int64s("one", [1], [1])
    let shape = g.node("Shape", ["events"])
    let time = g.node("Gather", [shape, one], [("axis", .int(0))])     // [1]
    for l in 0..<hp.layers {
      // PyTorch rows r, z, n → ONNX z, r, h.
      func reorder(_ v: [Float], cols: Int) -> [Float] {
        let block = h * cols
        return Array(v[block..<(2 * block)]) + Array(v[0..<block]) + Array(v[(2 * block)..<(3 * block)])
      }
      let inSize = l == 0 ? e : f
      var wv: [Float] = [], rv: [Float] = [], bv: [Float] = []
      for suffix in (hp.bidirectional ? ["", "_reverse"] : [""]) {
        wv += reorder(try w("gru.weight_ih_l\(l)\(suffix)"), cols: inSize)
        rv += reorder(try w("gru.weight_hh_l\(l)\(suffix)"), cols: h)
        bv += reorder(try w("gru.bias_ih_l\(l)\(suffix)"), cols: 1) + reorder(try w("gru.bias_hh_l\(l)\(suffix)"), cols: 1)
      }
      let W = g.constant("W\(l)", [d, 3 * h, inSize], wv)
      let R = g.constant("R\(l)", [d, 3 * h, h], rv)
      let B = g.constant("B\(l)", [d, 6 * h], bv)
      let y = g.node("GRU", [x, W, R, B, "lengths"], [
        ("hidden_size", .int(Int64(h))), ("direction", .string(hp.bidirectional ? "bidirectional" : "forward")),
        ("linear_before_reset", .int(1)),
      ])
      // Y [T, D, B, H] → [T, B, D, H] → [T, B, D·H].
      let yt = g.node("Transpose", [y], [("perm", .ints([0, 2, 1, 3]))])
      let flat = g.int64s("shape", [3], [0, 0, Int64(f)])
      x = g.node("Reshape", [yt, flat])
    }
    let states = g.node("Transpose", [x], [("perm", .ints([1, 0, 2]))])   // [B, T, F]
    // The mask [B, T]: position < length.
    let t0 = g.node("Squeeze", [time, zero])
    let z0 = g.int64s("start", [], [0]), s1 = g.int64s("step", [], [1])
    let positions = g.node("Range", [z0, t0, s1])                         // [T] int64
    let lengths64 = g.node("Cast", ["lengths"], [("to", .int(7))])
    let lengthsCol = g.node("Unsqueeze", [lengths64, one])                // [B, 1]
    let mask = g.node("Less", [positions, lengthsCol])                     // [B, T]
    var values = states
    let scores: String
    switch hp.attention {
    case .additive:
      let aw = try w("attention.weight"), guide = try w("attention.guide")
      var c = Double(try w("attention.bias")[0])
      for k in 0..<f { c += Double(aw[k]) * Double(guide[k]) }
      let w2 = g.constant("attention_w2", [f], Array(aw[f...]))
      let dotted = g.node("MatMul", [states, w2])                            // [B, T]
      let biased = g.node("Add", [dotted, g.constant("attention_c", [], [Float(c)])])
      scores = g.node("Tanh", [biased])
    case .qkv:
      let sum = g.node("ReduceSum", [states, one], [("keepdims", .int(0))])  // [B, F]
      let lengthsF = g.node("Cast", ["lengths"], [("to", .int(1))])
      let mean = g.node("Div", [sum, g.node("Unsqueeze", [lengthsF, one])])
      func transposed(_ name: String) throws -> String {
        let m = try w(name)
        var t = [Float](repeating: 0, count: f * f)
        for r in 0..<f { for c in 0..<f { t[c * f + r] = m[r * f + c] } }
        return g.constant(name.replacingDots, [f, f], t)
      }
      let q = g.node("MatMul", [mean, try transposed("attention.query")])      // [B, F]
      let k = g.node("MatMul", [states, try transposed("attention.key")])      // [B, T, F]
      values = g.node("MatMul", [states, try transposed("attention.value")])
      let qcol = g.node("Unsqueeze", [q, g.int64s("axis2", [1], [2])])         // [B, F, 1]
      let raw = g.node("Squeeze", [g.node("MatMul", [k, qcol]), g.int64s("axis2", [1], [2])])
      scores = g.node("Div", [raw, g.constant("sqrt_f", [], [Float(Double(f).squareRoot())])])
    }
    let masked = g.node("Where", [mask, scores, g.constant("minus_inf", [], [-1e30])])
    let alpha = g.node("Softmax", [masked], [("axis", .int(1))])                 // [B, T]
    let weighted = g.node("MatMul", [g.node("Unsqueeze", [alpha, one]), values]) // [B, 1, F]
    let pooled = g.node("Squeeze", [weighted, one])                              // [B, F]
    let cw = try w("classifier.weight"), cb = try w("classifier.bias")
    // l₁ − l₀ = (w₁ − w₀)·r + (b₁ − b₀), then σ.
    let diff = g.constant("classifier_diff", [f], (0..<f).map { cw[f + $0] - cw[$0] })
    let logit = g.node("Add", [g.node("MatMul", [pooled, diff]), g.constant("classifier_bias_diff", [], [cb[1] - cb[0]])])
    g.node("Sigmoid", [logit], output: "p_anomaly")

    // The model.
    var m = ProtobufWriter()
    m.int(1, 8)  // ir_version
    m.string(2, "zl-pack")
    m.string(3, zlVersion)
    m.message(8) { o in
      o.string(1, "")
      o.int(2, opset)
    }
    m.message(7) { gr in
      for nd in g.nodes { gr.bytesField(1, nd.bytes) }
      gr.string(2, "zl.bigru-attn")
      for i in g.initializers { gr.bytesField(5, i.bytes) }
      func valueInfo(_ name: String, _ type: Int64, _ dims: [Any]) -> [UInt8] {
        var v = ProtobufWriter()
        v.string(1, name)
        v.message(2) { t in
          t.message(1) { tt in
            tt.int(1, type)
            tt.message(2) { sh in
              for dim in dims {
                sh.message(1) { dm in
                  if let i = dim as? Int { dm.int(1, Int64(i)) } else { dm.string(2, "\(dim)") }
                }
              }
            }
          }
        }
        return v.bytes
      }
      gr.bytesField(11, valueInfo("events", 1, ["batch", "time", e]))
      gr.bytesField(11, valueInfo("lengths", 6, ["batch"]))
      gr.bytesField(12, valueInfo("p_anomaly", 1, ["batch"]))
    }
    // Metadata: what the inputs are and where they come from.
    for (k, v) in [("zl.architecture", s.architecture), ("zl.input_size", String(e)), ("zl.max_length", String(hp.maxLength)),
                   ("zl.severity_features", String(hp.severityFeatures)),
                   ("zl.inputs", "events: each session's last zl.max_length event inputs (Formats/scoring-v1.md §10), zero-padded; lengths: events per session (1..zl.max_length)"),
                   ("zl.content_digest", cp.info.map { hexString($0.contentDigest) } ?? "")] {
      m.message(14) { p in
        p.string(1, k)
        p.string(2, v)
      }
    }
    return m.bytes
  }
}

extension String {
  var replacingDots: String { String(map { $0 == "." ? "_" : $0 }) }
}
