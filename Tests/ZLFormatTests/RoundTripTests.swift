// Seeded round-trip property tests (random records and tensor sets survive write → read), writer
// determinism, dtype conversions, and the atomic-write guarantees.

import Testing
import ZLBase
import ZLFormat
import _ZLTestSupport

func randomValue(_ rng: inout SplitMix64) -> Value {
  let n = Int.random(in: 0...6, using: &rng)
  func str() -> String {
    let alphabet = Array("abcXYZ _-é✓\n\"\\0")
    return String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
  }
  switch Int.random(in: 0...14, using: &rng) {
  case 0: return .bool(Bool.random(using: &rng))
  case 1: return .int(Int64(bitPattern: rng.next()))
  case 2: return .uint(rng.next())
  case 3: return .double(Double(bitPattern: rng.next()))
  case 4: return .float(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())))
  case 5: return .uint32(UInt32(truncatingIfNeeded: rng.next()))
  case 6: return .string(str())
  case 7: return .bytes((0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
  case 8: return .bools((0..<n).map { _ in Bool.random(using: &rng) })
  case 9: return .ints((0..<n).map { _ in Int64(bitPattern: rng.next()) })
  case 10: return .uints((0..<n).map { _ in rng.next() })
  case 11: return .doubles((0..<n).map { _ in Double(bitPattern: rng.next()) })
  case 12: return .strings((0..<n).map { _ in str() })
  case 13: return .floats((0..<n).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) })
  default: return .uint32s((0..<n).map { _ in UInt32(truncatingIfNeeded: rng.next()) })
  }
}

func randomKey(_ rng: inout SplitMix64) -> String {
  let first = Array("abcdefghij"), rest = Array("abcz019_")
  var k = String(first[Int.random(in: 0..<first.count, using: &rng)])
  for _ in 0..<Int.random(in: 0...8, using: &rng) { k.append(rest[Int.random(in: 0..<rest.count, using: &rng)]) }
  if Bool.random(using: &rng) { k += "." + String(rest[Int.random(in: 0..<rest.count, using: &rng)]) }
  return k
}

func randomTensor(_ name: String, _ rng: inout SplitMix64) -> Tensor {
  let shape = (0..<Int.random(in: 1...4, using: &rng)).map { _ in Int.random(in: 1...5, using: &rng) }
  let n = shape.reduce(1, *)
  let dtype = DType.allCases[Int.random(in: 0..<DType.allCases.count, using: &rng)]
  if dtype == .i32 { return Tensor(name: name, shape: shape, int32s: (0..<n).map { _ in Int32(truncatingIfNeeded: rng.next()) }) }
  return Tensor(name: name, shape: shape, floats: (0..<n).map { _ in Float.random(in: -3...3, using: &rng) }, dtype: dtype)
}

/// A container of a META record and a TENS tensor set (the encodings only; no schema).
func encodeContainer(meta: Record, tensors: TensorSet, alignment: UInt32 = ZLCK.defaultAlignment) throws -> [UInt8] {
  try ContainerWriter.encode([.known(.metadata, raw: meta.encoded()), .known(.tensors, raw: tensors.encoded(alignment: Int(alignment)))],
                             alignment: alignment)
}

@Test func randomContainersRoundTrip() throws {
  var rng = SplitMix64(seed: testSeed)
  for trial in 0..<200 {
    var meta = Record()
    meta["general.architecture"] = .string("example")
    for _ in 0..<Int.random(in: 0...12, using: &rng) { meta[randomKey(&rng)] = randomValue(&rng) }
    var names = Set<String>()
    while names.count < Int.random(in: 0...6, using: &rng) { names.insert(randomKey(&rng)) }
    let tensors = TensorSet(names.map { randomTensor($0, &rng) })
    let alignment = UInt32(1 << Int.random(in: 3...8, using: &rng))
    let bytes = try encodeContainer(meta: meta, tensors: tensors, alignment: alignment)
    let back = try DecodedContainer(try ContainerReader.load(bytes: bytes))
    #expect(back.records[.metadata] == meta, "trial \(trial), seed \(testSeed)")
    #expect(back.tensorSets[.tensors] == tensors, "trial \(trial), seed \(testSeed)")
    let again = try encodeContainer(meta: back.records[.metadata]!, tensors: back.tensorSets[.tensors]!, alignment: alignment)
    #expect(again == bytes, "trial \(trial) not byte-identical, seed \(testSeed)")
  }
}

@Test func writerIsDeterministic() throws {
  var rng = SplitMix64(seed: testSeed &+ 1)
  var meta = Record()
  meta["general.architecture"] = .string("example")
  for _ in 0..<50 { meta[randomKey(&rng)] = randomValue(&rng) }
  let tensors = TensorSet((0..<8).map { randomTensor("t\($0)", &rng) })
  let a = try encodeContainer(meta: meta, tensors: tensors), b = try encodeContainer(meta: meta, tensors: tensors)
  #expect(a == b)
}

@Test(arguments: [DType.f16, .bf16, .i8])
func conversionErrorIsBounded(_ dtype: DType) {
  var rng = SplitMix64(seed: testSeed)
  let values = (0..<4096).map { _ in Float.random(in: -2...2, using: &rng) }
  let t = Tensor(name: "w", shape: [64, 64], floats: values, dtype: dtype)
  let back = t.floats()
  var worst: Float = 0
  for k in values.indices { worst = max(worst, abs(values[k] - back[k])) }
  // Half an ulp at |x| ≤ 2: f16 2^-10, bf16 2^-7; i8: half a step of max|row|/127 ≤ 2/254.
  let bound: Float = dtype == .f16 ? 1.0 / 1024 : dtype == .bf16 ? 1.0 / 128 : 2.0 / 254 + 1e-6
  #expect(worst <= bound, "\(dtype.name) max error \(worst)")
}

@Test func atomicWriteLeavesNoPartialFile() throws {
  let dir = try uniqueDirectory("zl-atomic")
  let path = dir + "/out.zlck"
  try writeFileAtomically(path, Array("old".utf8))
  // A duplicate section type is refused while writing: the old file stays and no temp file remains.
  let s = SectionInput.known(.metadata, raw: Record([("general.architecture", .string("x"))]).encoded())
  #expect(throws: InternalError.self) { try ContainerWriter.write([s, s], toFile: path) }
  #expect(try readWholeFile(path) == Array("old".utf8))
  #expect(try listDirectory(dir) == ["out.zlck"])
  // A missing directory is a clear "cannot create" (exit 73).
  do {
    try ContainerWriter.write([s], toFile: dir + "/missing/x.zlck")
    Issue.record("wrote into a missing directory")
  } catch let e as IOFailure {
    #expect(e.exitStatus == .cantCreate)
  }
}

@Test func inflateNeverExceedsDeclaredSize() throws {
  let raw = [UInt8](repeating: 7, count: 1 << 20)
  let z = try Zlib.deflate(raw)
  #expect(try z.withUnsafeBytes { try Zlib.inflateExact($0, rawLength: raw.count) } == raw)
  #expect(throws: InflateFailure.tooLong) { _ = try z.withUnsafeBytes { try Zlib.inflateExact($0, rawLength: 1000) } }
  #expect(throws: InflateFailure.self) { _ = try z.withUnsafeBytes { try Zlib.inflateExact($0, rawLength: raw.count + 1) } }
}
