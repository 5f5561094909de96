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
  /// Every piece is made in memory first (the checkpoint is read and verified within the reader's
  /// limits before anything is written); if a write fails, the pieces already written are removed.
  public static func extract(input: String, to directory: String) throws -> [String] {
    let cp = try Checkpoint.load(path: input)
    var pieces: [(path: String, bytes: [UInt8])] = []
    var doc: [(String, JSON)] = [("format", .string(formatName)), ("alignment", .integer(Int64(cp.info?.alignment ?? ZLCK.defaultAlignment)))]
    var records: [(String, JSON)] = []
    if let c = cp.card { records.append(("CARD", c.record.typedJSON)) }
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
      pieces.append((directory + "/tensors.safetensors", Safetensors.encode(t.tensors, metadata: [("format", "pt")])))
      doc.append(("tensors", .object([("file", .string("tensors.safetensors"))])))
    }
    if let g = cp.glove {
      guard let vocab = cp.vocabulary else { throw PackError(.missingSection, "\(input): GLOV without VOCB") }
      let words = g.wordIDs.map { vocab.words[Int($0)] }
      pieces.append((directory + "/glove.txt", Array(GloveText.encode(words: words, vectors: g.vectors.floats(), dim: g.dim).utf8)))
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
    pieces.insert((directory + "/checkpoint.json", Array((JSON.object(doc).serialized(indent: 1) + "\n").utf8)), at: 0)
    try makeDirectories(directory)
    var written: [String] = []
    do {
      for p in pieces {
        try writeFileAtomically(p.path, p.bytes)
        written.append(p.path)
      }
    } catch {
      for p in written { unlinkQuietly(p) }
      throw error
    }
    return written
  }

  /// The GloVe dtypes a bundle may ask for.
  static let gloveDTypes: [DType] = [.f32, .f16, .bf16, .i8]

  /// Builds a checkpoint from a checkpoint.json (and the files it names, inside its folder, unless
  /// `tensors` or `glove` give other paths), validates every field and section, and writes it
  /// atomically. A validator: any malformed field is an error naming it; the JSON cannot make it
  /// read a file outside its folder (no absolute path, no `..`, no symbolic link out).
  public static func build(json jsonPath: String, tensors: String?, glove: String?, output: String) throws -> ContainerInfo {
    let doc: JSON
    doc = try naming(jsonPath) { try JSONParser().parse(try readWholeFile(jsonPath, limit: 1 << 31)) }
    func bad(_ what: String) -> PackError { PackError(.badBundle, "\(jsonPath): \(what)") }
    guard case .object(let top) = doc else { throw bad("the document is not a JSON object") }
    let known = ["format", "alignment", "records", "tensors", "glove", "other_sections"]
    if let k = top.first(where: { !known.contains($0.0) })?.0 {
      throw bad("unknown key \"\(k.prefix(64))\" (expected \(known.joined(separator: ", ")))")
    }
    guard doc["format"]?.stringValue == formatName else { throw bad("\"format\" is not \(formatName)") }
    let base = directoryName(jsonPath)
    /// A file the JSON names: relative, inside the bundle's folder, even through symbolic links.
    func resolve(_ p: String, key: String) throws -> String {
      let parts = p.split(separator: "/", omittingEmptySubsequences: false)
      if p.isEmpty || p.hasPrefix("/") || parts.contains("..") || p.utf8.contains(0) {
        throw bad("\(key) must name a file inside the bundle's folder (a relative path without '..')")
      }
      let full = base + "/" + p
      if let realBase = canonicalPath(base), let realFull = canonicalPath(full), !realFull.hasPrefix(realBase + "/") {
        throw bad("\(key) leads outside the bundle's folder (through a symbolic link)")
      }
      return full
    }
    func string(_ j: JSON?, _ key: String) throws -> String? {
      guard let j else { return nil }
      guard let s = j.stringValue else { throw bad("\(key) is not a string") }
      return s
    }
    func dtypeField(_ j: JSON?, _ key: String, default d: DType) throws -> DType {
      guard let name = try string(j, key) else { return d }
      guard let t = DType(name: name), gloveDTypes.contains(t) else {
        throw bad("\(key) '\(name.prefix(16))' is not one of \(gloveDTypes.map(\.name).joined(separator: ", "))")
      }
      return t
    }
    if let a = doc["alignment"], a.integerValue == nil { throw bad("alignment is not an integer") }
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
    cp.card = try section("CARD") { try ModelCard(record: $0) }
    cp.drain = try section("DRAN") { try DrainSection(record: $0) }
    cp.levels = try section("LEVL") { try LevelSection(record: $0) }
    cp.metadata = records["META"]
    cp.repro = records["REPR"]
    cp.session = try section("SESS") { try SessionSection(record: $0) }
    cp.detectors = try section("TDET") { try TargetDetectorSection(record: $0) }
    cp.threshold = try section("THRS") { try ThresholdSection(record: $0) }
    cp.vocabulary = try section("VOCB") { try VocabularySection(record: $0) }
    for k in records.keys where !["CARD", "DRAN", "LEVL", "META", "REPR", "SESS", "TDET", "THRS", "VOCB"].contains(k) {
      throw PackError(.badBundle, "\(jsonPath): records.\(k) is not a record section type")
    }
    if let t = doc["tensors"], t.objectValue == nil { throw bad("tensors is not an object") }
    let tensorsFile = try string(doc["tensors"]?["file"], "tensors.file")
    if doc["tensors"] != nil && tensorsFile == nil && tensors == nil { throw bad("tensors.file is missing") }
    if let tensorsPath = try tensors ?? tensorsFile.map({ try resolve($0, key: "tensors.file") }) {
      let (list, _) = try Safetensors.decode(try readWholeFile(tensorsPath, limit: 4 << 30), path: tensorsPath)
      cp.tensors = TensorSet(list)
    }
    if let g = doc["glove"], g.objectValue == nil { throw bad("glove is not an object") }
    if let gloveDoc = doc["glove"] ?? (glove != nil ? .object([]) : nil) {
      guard let vocab = cp.vocabulary else { throw PackError(.badBundle, "\(jsonPath): a GloVe subset needs records.VOCB") }
      let path = try glove ?? resolve(try string(gloveDoc["file"], "glove.file") ?? "glove.txt", key: "glove.file")
      let dtype = try dtypeField(gloveDoc["dtype"], "glove.dtype", default: .f32)
      var rows: [(Int32, [Float])] = []
      let (dim, _, _) = try GloveText.read(path: path) { word, v in
        guard let id = vocab.index(of: word) else { throw PackError(.badBundle, "\(path): word '\(word)' is not in the vocabulary (records.VOCB)") }
        rows.append((Int32(id), v))
      }
      rows.sort { $0.0 < $1.0 }
      guard let unknownJ = gloveDoc["unknown"]?.arrayValue else { throw PackError(.badBundle, "\(jsonPath): glove.unknown (the unknown-event vector) is missing") }
      let unknown = try unknownJ.map { j -> Float in
        guard let d = j.doubleValue, d.magnitude <= 1e6 else { throw bad("glove.unknown holds a value that is not a number of at most 1e6 in magnitude") }
        return Float(d)
      }
      if unknown.count != dim { throw PackError(.badBundle, "\(jsonPath): glove.unknown has \(unknown.count) values, the GloVe file \(dim)") }
      if rows.isEmpty { throw PackError(.badBundle, "\(path): no GloVe rows") }
      let unknownDType = try dtypeField(gloveDoc["unknown_dtype"], "glove.unknown_dtype", default: dtype)
      cp.glove = GloveSection(vectors: Tensor(name: "vectors", shape: [rows.count, dim], floats: rows.flatMap { $0.1 }, dtype: dtype),
                              wordIDs: rows.map { $0.0 }, unknown: Tensor(name: "unknown", shape: [dim], floats: unknown, dtype: unknownDType))
    }
    var inputs = cp.sectionInputs(alignment: Int(alignment))
    if let o = doc["other_sections"], o.arrayValue == nil { throw bad("other_sections is not an array") }
    for (k, o) in (doc["other_sections"]?.arrayValue ?? []).enumerated() {
      let schema = o["schema_version"]?.integerValue ?? 1
      guard let t = o["type"]?.stringValue.flatMap(SectionType.init), t.isWellFormed, KnownSection.lookup(t) == nil,
            let flags = o["flags"]?.integerValue, flags >= 0, flags <= 3, (0...0xFFFF).contains(schema),
            let raw = o["raw"]?.stringValue.flatMap(bytesFromHex) else {
        throw bad("other_sections[\(k)] is malformed (type: four characters A-Z 0-9 not of §8, flags 0-3, schema_version 0-65535, raw: hex)")
      }
      inputs.append(SectionInput(type: t, schemaVersion: UInt16(schema), flags: SectionFlags(rawValue: UInt32(flags)),
                                 body: .raw(raw, codec: .zlib, parameters: .standard)))
    }
    let bytes = try ContainerWriter.encode(inputs, alignment: UInt32(alignment), minimumMinor: cp.minimumMinor)
    // Validate the result as a reader would before it becomes visible.
    _ = try Checkpoint.decode(try ContainerReader.load(bytes: bytes))
    try writeFileAtomically(output, bytes)
    return try ContainerReader.load(bytes: bytes).info
  }
}
