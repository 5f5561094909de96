// Safetensors: reading and writing the Hugging Face safetensors format for `zl-pack extract` and
// `build` (and for moving weights to PyTorch). The reader treats the file as untrusted: header cap,
// checked arithmetic, and offsets that must tile the data exactly (no gaps, overlaps or tail).

import ZLBase

public enum Safetensors {
  /// Largest JSON header accepted (the safetensors library's own cap).
  public static let maxHeaderSize = 100_000_000

  static func name(_ d: DType) -> String {
    switch d {
    case .f32: return "F32"
    case .f16: return "F16"
    case .bf16: return "BF16"
    case .i8: return "I8"
    case .i32: return "I32"
    }
  }

  /// Suffix of the companion tensor that carries an i8 tensor's per-row scales.
  public static let scaleSuffix = ":scale"

  /// Encodes tensors (sorted by name) and string metadata. i8 tensors become an I8 tensor plus
  /// an F32 tensor `NAME:scale` with one scale per row.
  public static func encode(_ tensors: [Tensor], metadata: [(String, String)] = []) -> [UInt8] {
    var parts: [(String, String, [Int], [UInt8])] = []
    for t in tensors {
      if t.dtype == .i8 {
        let cols = t.shape.last ?? 1
        let rows = t.elementCount / max(cols, 1)
        parts.append((t.name, "I8", t.shape, Array(t.data[(rows * 4)...])))
        parts.append((t.name + scaleSuffix, "F32", [rows], Array(t.data[0..<(rows * 4)])))
      } else {
        parts.append((t.name, name(t.dtype), t.shape, t.data))
      }
    }
    parts.sort { bytewiseLess($0.0.utf8, $1.0.utf8) }
    var members: [(String, JSON)] = []
    if !metadata.isEmpty {
      members.append(("__metadata__", .object(metadata.sorted { $0.0 < $1.0 }.map { ($0.0, .string($0.1)) })))
    }
    var offset = 0
    for (n, d, shape, data) in parts {
      members.append((n, .object([
        ("dtype", .string(d)), ("shape", .array(shape.map { .integer(Int64($0)) })),
        ("data_offsets", .array([.integer(Int64(offset)), .integer(Int64(offset + data.count))])),
      ])))
      offset += data.count
    }
    var header = Array(JSON.object(members).serialized().utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    var w = ByteWriter(capacity: 8 + header.count + offset)
    w.u64(UInt64(header.count))
    w.raw(header)
    for p in parts { w.raw(p.3) }
    return w.bytes
  }

  /// Decodes and validates a safetensors file. `NAME` (I8) + `NAME:scale` (F32) pairs become one
  /// i8 tensor. Other dtypes than F32, F16, BF16, I8, I32 are refused.
  /// - Throws: `InterchangeError` naming the file and the tensor.
  public static func decode(_ bytes: [UInt8], path: String) throws -> (tensors: [Tensor], metadata: [(String, String)]) {
    try naming(path) { try decode(bytes) }
  }

  static func decode(_ bytes: [UInt8]) throws -> (tensors: [Tensor], metadata: [(String, String)]) {
    func fail(_ code: InterchangeError.Code, _ m: String) -> InterchangeError { InterchangeError(code, m) }
    guard bytes.count >= 8 else { throw fail(.tooShort, "file is \(bytes.count) bytes, too short for a safetensors header") }
    // What people hand over instead: torch.save's zip or pickle, and NumPy's .npy/.npz.
    if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || (bytes[0] == 0x80 && (2...5).contains(bytes[1])) {
      throw fail(.notSafetensors, "this is a PyTorch pickle (torch.save), which zl does not load (unpickling runs code); save the state dict as safetensors instead: from safetensors.torch import save_file; save_file(model.state_dict(), 'weights.safetensors')")
    }
    if bytes.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) {
      throw fail(.notSafetensors, "this is a NumPy .npy file, not safetensors (safetensors.numpy.save_file writes one)")
    }
    let n = bytes.le(0, as: UInt64.self)
    if n > UInt64(maxHeaderSize) { throw fail(.headerTooLarge, "header size \(n) exceeds \(maxHeaderSize) bytes") }
    if n > UInt64(bytes.count - 8) { throw fail(.headerPastEnd, "header size \(n) runs past the end of the file (\(bytes.count) bytes)") }
    let headerEnd = 8 + Int(n)
    let doc: JSON
    do { doc = try JSONParser().parse(Array(bytes[8..<headerEnd])) } catch let e as JSONError {
      throw fail(.headerNotJSON, "header is not valid JSON (\(e.message))")
    }
    guard case .object(let members) = doc else { throw fail(.headerNotJSON, "header is not a JSON object") }
    var seen = Set<String>()
    var metadata: [(String, String)] = []
    struct Entry { var name: String; var dtype: String; var shape: [Int]; var begin: Int; var end: Int }
    var entries: [Entry] = []
    let dataSize = bytes.count - headerEnd
    for (key, value) in members {
      if !seen.insert(key).inserted { throw fail(.duplicateKey, "header has key '\(key)' twice") }
      if key == "__metadata__" {
        guard case .object(let m) = value else { throw fail(.badMetadata, "__metadata__ is not an object") }
        for (k, v) in m {
          guard let s = v.stringValue else { throw fail(.badMetadata, "__metadata__ value of '\(k)' is not a string") }
          metadata.append((k, s))
        }
        continue
      }
      guard case .object = value, let dtype = value["dtype"]?.stringValue, let shapeJ = value["shape"]?.arrayValue,
            let offs = value["data_offsets"]?.arrayValue, offs.count == 2 else {
        throw fail(.missingField, "tensor '\(key)' needs dtype, shape and data_offsets")
      }
      var shape: [Int] = []
      for d in shapeJ {
        guard let v = d.integerValue, v >= 0, v <= 1 << 40 else { throw fail(.badDimension, "tensor '\(key)' has a bad dimension") }
        shape.append(Int(v))
      }
      guard let b = offs[0].integerValue, let e = offs[1].integerValue, b >= 0, e >= b, e <= Int64(dataSize) else {
        throw fail(.offsetsOutOfRange, "tensor '\(key)' data_offsets are outside the \(dataSize) data bytes")
      }
      entries.append(Entry(name: key, dtype: dtype, shape: shape, begin: Int(b), end: Int(e)))
    }
    // Offsets must tile the data area exactly (the safetensors validation rule).
    let byOffset = entries.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
    var expected = 0
    for e in byOffset {
      if e.begin != expected { throw fail(.gapOrOverlap, "tensor '\(e.name)' starts at \(e.begin), expected \(expected) (gap or overlap)") }
      expected = e.end
    }
    if expected != dataSize { throw fail(.gapOrOverlap, "tensors end at \(expected) but the data area has \(dataSize) bytes") }
    var raw: [String: (DType, [Int], [UInt8])] = [:]
    for e in entries {
      let dtype: DType
      switch e.dtype {
      case "F32": dtype = .f32
      case "F16": dtype = .f16
      case "BF16": dtype = .bf16
      case "I8": dtype = .i8
      case "I32": dtype = .i32
      default: throw fail(.unsupportedDType, "tensor '\(e.name)' has dtype \(e.dtype); zl supports F32, F16, BF16, I8, I32")
      }
      if e.shape.isEmpty || e.shape.count > 4 { throw fail(.badRank, "tensor '\(e.name)' has rank \(e.shape.count); zl supports 1-4") }
      if e.shape.contains(0) { throw fail(.zeroDimension, "tensor '\(e.name)' has a zero dimension") }
      guard TensorSet.isValidName(Array(e.name.utf8)) else { throw fail(.badTensorName, "tensor name '\(e.name)' is not of [A-Za-z0-9_.:-]") }
      var count: UInt64 = 1
      for d in e.shape {
        let (p, o) = count.multipliedReportingOverflow(by: UInt64(d))
        if o || p > 1 << 40 { throw fail(.shapeOverflow, "tensor '\(e.name)' shape overflows") }
        count = p
      }
      let size = dtype == .i8 ? 1 : (dtype == .f16 || dtype == .bf16 ? 2 : 4)
      if count * UInt64(size) != UInt64(e.end - e.begin) {
        throw fail(.sizeMismatch, "tensor '\(e.name)' has \(e.end - e.begin) bytes, but \(e.dtype) \(e.shape) needs \(count * UInt64(size))")
      }
      raw[e.name] = (dtype, e.shape, Array(bytes[(headerEnd + e.begin)..<(headerEnd + e.end)]))
    }
    var tensors: [Tensor] = []
    for (name, (dtype, shape, data)) in raw {
      if name.hasSuffix(scaleSuffix), let base = raw[String(name.dropLast(scaleSuffix.count))], base.0 == .i8 { continue }
      if dtype == .i8 {
        guard let scale = raw[name + scaleSuffix], scale.0 == .f32 else {
          throw fail(.missingScales, "i8 tensor '\(name)' has no F32 companion '\(name + scaleSuffix)' with its per-row scales")
        }
        let rows = shape.dropLast().reduce(1, *)
        if scale.1 != [rows] { throw fail(.badScales, "tensor '\(name + scaleSuffix)' has shape \(scale.1), expected [\(rows)]") }
        tensors.append(Tensor(name: name, dtype: .i8, shape: shape, data: scale.2 + data))
      } else {
        tensors.append(Tensor(name: name, dtype: dtype, shape: shape, data: data))
      }
    }
    tensors.sort { bytewiseLess($0.name.utf8, $1.name.utf8) }
    return (tensors, metadata)
  }
}
