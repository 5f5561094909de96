// Bundle: `zl-pack extract` and `zl-pack build` — a checkpoint as pieces other tools read
// (tensors.safetensors, glove.txt, checkpoint.json with every record section in typed JSON) and
// back. extract then build gives the same content digest for f32/f16/bf16 files.

import ZLBase
import ZLDrain
import ZLEmbedding
import ZLFormat
import ZLProfile

public enum Bundle {
  public static let formatName = "zlck-extract/1"

  /// Writes the pieces of `input` into `directory` (created if missing); returns the files written.
  public static func extract(input: String, to directory: String) throws -> [String] {
    let cp = try Checkpoint.load(path: input)
    try makeDirectories(directory)
    var written: [String] = []
    var doc: [(String, JSON)] = [("format", .string(formatName)), ("alignment", .integer(Int64(cp.info?.alignment ?? ZLCK.defaultAlignment)))]
    var records: [(String, JSON)] = []
    if let d = cp.drain { records.append(("DRAN", d.record.typedJSON)) }
    if let l = cp.levels { records.append(("LEVL", l.record.typedJSON)) }
    if let m = cp.metadata { records.append(("META", m.typedJSON)) }
    if let r = cp.repro { records.append(("REPR", r.typedJSON)) }
    if let s = cp.session { records.append(("SESS", s.record.typedJSON)) }
    if let d = cp.detectors { records.append(("TDET", d.record.typedJSON)) }
    if let t = cp.threshold { records.append(("THRS", t.record.typedJSON)) }
    if let v = cp.vocabulary { records.append(("VOCB", v.record.typedJSON)) }
    doc.append(("records", .object(records)))
    if let t = cp.tensors {
      let path = directory + "/tensors.safetensors"
      try writeFileAtomically(path, Safetensors.encode(t.tensors, metadata: [("format", "pt")]))
      written.append(path)
      doc.append(("tensors", .object([("file", .string("tensors.safetensors"))])))
    }
    if let g = cp.glove {
      guard let vocab = cp.vocabulary else { throw PackError(.missingSection, "\(input): GLOV without VOCB") }
      let words = g.wordIDs.map { vocab.words[Int($0)] }
      let path = directory + "/glove.txt"
      try writeFileAtomically(path, GloveText.encode(words: words, vectors: g.vectors.floats(), dim: g.dim))
      written.append(path)
      doc.append(("glove", .object([
        ("file", .string("glove.txt")), ("dtype", .string(g.vectors.dtype.name)),
        ("unknown_dtype", .string(g.unknown.dtype.name)),
        ("unknown", .array(g.unknown.floats().map { .number(Double($0)) })),
      ])))
    }
    if !cp.otherSections.isEmpty {
      doc.append(("other_sections", .array(cp.otherSections.map { s in
        .object([("type", .string(s.entry.type.description)), ("schema_version", .integer(Int64(s.entry.schemaVersion))),
                 ("flags", .integer(Int64(s.entry.flags.rawValue))), ("raw", .string(hexString(s.raw)))])
      })))
    }
    let jsonPath = directory + "/checkpoint.json"
    try writeFileAtomically(jsonPath, JSON.object(doc).serialized(indent: 1) + "\n")
    written.insert(jsonPath, at: 0)
    return written
  }

  /// Builds a checkpoint from a checkpoint.json (and the files it names, relative to it, unless
  /// `tensors` or `glove` give other paths), validates every section, and writes it atomically.
  public static func build(json jsonPath: String, tensors: String?, glove: String?, output: String) throws -> ContainerInfo {
    let doc: JSON
    doc = try naming(jsonPath) { try JSONParser().parse(try readWholeFile(jsonPath, limit: 1 << 31)) }
    guard doc["format"]?.stringValue == formatName else { throw PackError(.badBundle, "\(jsonPath): \"format\" is not \(formatName)") }
    let base = directoryName(jsonPath)
    func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : base + "/" + p }
    let alignment = doc["alignment"]?.integerValue ?? Int64(ZLCK.defaultAlignment)
    guard alignment >= 8 && alignment <= 4096 && alignment & (alignment - 1) == 0 else {
      throw PackError(.badBundle, "\(jsonPath): alignment \(alignment) is not a power of two in 8...4096")
    }
    var cp = Checkpoint()
    var records: [String: Record] = [:]
    if let r = doc["records"] {
      guard case .object(let members) = r else { throw PackError(.badBundle, "\(jsonPath): \"records\" is not an object") }
      for (type, value) in members { records[type] = try Record(typedJSON: value, context: "\(jsonPath): records.\(type)") }
    }
    func section<T>(_ type: String, _ make: (Record) throws -> T) throws -> T? {
      guard let r = records[type] else { return nil }
      return try naming("\(jsonPath): records.\(type)") { try make(r) }
    }
    cp.drain = try section("DRAN") { try DrainSection(record: $0) }
    cp.levels = try section("LEVL") { try LevelSection(record: $0) }
    cp.metadata = records["META"]
    cp.repro = records["REPR"]
    cp.session = try section("SESS") { try SessionSection(record: $0) }
    cp.detectors = try section("TDET") { try TargetDetectorSection(record: $0) }
    cp.threshold = try section("THRS") { try ThresholdSection(record: $0) }
    cp.vocabulary = try section("VOCB") { try VocabularySection(record: $0) }
    for k in records.keys where !["DRAN", "LEVL", "META", "REPR", "SESS", "TDET", "THRS", "VOCB"].contains(k) {
      throw PackError(.badBundle, "\(jsonPath): records.\(k) is not a record section type")
    }
    if let tensorsPath = tensors ?? doc["tensors"]?["file"]?.stringValue.map(resolve) {
      let (list, _) = try Safetensors.decode(try readWholeFile(tensorsPath, limit: 4 << 30), path: tensorsPath)
      cp.tensors = TensorSet(list)
    }
    if let gloveDoc = doc["glove"] ?? (glove != nil ? .object([]) : nil) {
      guard let vocab = cp.vocabulary else { throw PackError(.badBundle, "\(jsonPath): a GloVe subset needs records.VOCB") }
      let path = glove ?? resolve(gloveDoc["file"]?.stringValue ?? "glove.txt")
      let dtype = DType(name: gloveDoc["dtype"]?.stringValue ?? "f32") ?? .f32
      var rows: [(Int32, [Float])] = []
      let (dim, _, _) = try GloveText.read(path: path) { word, v in
        guard let id = vocab.index(of: word) else { throw PackError(.badBundle, "\(path): word '\(word)' is not in the vocabulary (records.VOCB)") }
        rows.append((Int32(id), v))
      }
      rows.sort { $0.0 < $1.0 }
      guard let unknownJ = gloveDoc["unknown"]?.arrayValue else { throw PackError(.badBundle, "\(jsonPath): glove.unknown (the unknown-event vector) is missing") }
      let unknown = try unknownJ.map { j -> Float in
        guard let d = j.doubleValue else { throw PackError(.badBundle, "\(jsonPath): glove.unknown holds a non-number") }
        return Float(d)
      }
      if unknown.count != dim { throw PackError(.badBundle, "\(jsonPath): glove.unknown has \(unknown.count) values, the GloVe file \(dim)") }
      if rows.isEmpty { throw PackError(.badBundle, "\(path): no GloVe rows") }
      let unknownDType = DType(name: gloveDoc["unknown_dtype"]?.stringValue ?? dtype.name) ?? dtype
      cp.glove = GloveSection(vectors: Tensor(name: "vectors", shape: [rows.count, dim], floats: rows.flatMap { $0.1 }, dtype: dtype),
                              wordIDs: rows.map { $0.0 }, unknown: Tensor(name: "unknown", shape: [dim], floats: unknown, dtype: unknownDType))
    }
    var inputs = cp.sectionInputs(alignment: Int(alignment))
    for o in doc["other_sections"]?.arrayValue ?? [] {
      guard let t = o["type"]?.stringValue.flatMap(SectionType.init), KnownSection.lookup(t) == nil,
            let flags = o["flags"]?.integerValue, flags >= 0, flags <= 3, let raw = o["raw"]?.stringValue.flatMap(bytesFromHex) else {
        throw PackError(.badBundle, "\(jsonPath): an entry of other_sections is malformed or names a known type")
      }
      inputs.append(SectionInput(type: t, schemaVersion: UInt16(o["schema_version"]?.integerValue ?? 1), flags: SectionFlags(rawValue: UInt32(flags)),
                                 body: .raw(raw, codec: .zlib, parameters: .standard)))
    }
    let bytes = try ContainerWriter.encode(inputs, alignment: UInt32(alignment), minimumMinor: cp.minimumMinor)
    // Validate the result as a reader would before it becomes visible.
    _ = try Checkpoint.decode(try ContainerReader.load(bytes: bytes))
    try writeFileAtomically(output, bytes)
    return try ContainerReader.load(bytes: bytes).info
  }
}
