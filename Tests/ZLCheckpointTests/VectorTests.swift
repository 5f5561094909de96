// The test-vector corpus (Formats/vectors/v1): every valid file lists as its .inspect.json says,
// loads, and is re-written byte for byte; every invalid file raises the error its name gives.

import Testing
import ZLBase
import ZLCheckpoint
import ZLFormat
import ZLProfile
import _ZLTestSupport

@Test(arguments: Vectors.valid)
func validVectorListsAsRecorded(_ v: Vector) throws {
  let info = try ContainerReader.inspect(path: v.path)
  let expected = try readText("Formats/vectors/v1/valid/\(v.name).inspect.json")
  #expect(info.json.serialized(indent: 2) + "\n" == expected)
}

@Test(arguments: Vectors.valid)
func validVectorLoadsAndRewritesByteForByte(_ v: Vector) throws {
  let container = try ContainerReader.load(bytes: v.bytes)
  let checkpoint = try Checkpoint.decode(container)
  if [ModelProfile.architecture, HybridProfile.architecture].contains(checkpoint.architecture) { _ = try checkpoint.scoringSections() }
  // Container level: the same raw sections with the recorded codec parameters give the same bytes.
  let inputs = container.sections.map { s in
    SectionInput(type: s.entry.type, schemaVersion: s.entry.schemaVersion, flags: s.entry.flags,
                 body: .raw(s.raw, codec: s.entry.codec, parameters: DeflateParameters(
                   level: Int32(s.entry.level), windowBits: 15, memLevel: Int32(s.entry.memLevel), strategy: Int32(s.entry.strategy))))
  }
  let rewritten = try ContainerWriter.encode(inputs, alignment: container.info.alignment, minimumMinor: checkpoint.minimumMinor)
  // This writer emits the lowest version that holds the content (§11): its section types and keys.
  let emitted = max(checkpoint.minimumMinor, container.sections.map { KnownSection.lookup($0.entry.type)?.sinceMinor ?? 0 }.max() ?? 0)
  if container.info.minor == emitted {
    #expect(rewritten == v.bytes, "re-written \(v.name) differs")
  } else {
    // Written by a newer minor version: this writer emits its own (lowest) version, same content.
    #expect(try ContainerReader.load(bytes: rewritten).info.contentDigest == container.info.contentDigest)
  }
  // Typed level: every known section re-encodes to exactly its raw bytes (canonical encodings).
  let alignment = Int(container.info.alignment)
  for s in container.sections {
    let again: [UInt8]?
    switch s.entry.type {
    case .drain: again = checkpoint.drain?.record.encoded()
    case .glove: again = checkpoint.glove?.tensorSet.encoded(alignment: alignment)
    case .levels: again = checkpoint.levels?.record.encoded()
    case .detectors: again = checkpoint.detectors?.record.encoded()
    case .metadata: again = checkpoint.metadata?.encoded()
    case .repro: again = checkpoint.repro?.encoded()
    case .session: again = checkpoint.session?.record.encoded()
    case .tensors: again = checkpoint.tensors?.encoded(alignment: alignment)
    case .threshold: again = checkpoint.threshold?.record.encoded()
    case .vocabulary: again = checkpoint.vocabulary?.record.encoded()
    default: again = nil
    }
    if let a = again { #expect(a == s.raw, "\(v.name): section \(s.entry.type) does not re-encode to its bytes") }
  }
}

@Test(arguments: Vectors.invalid)
func invalidVectorRaisesItsError(_ v: Vector) throws {
  let code = try #require(v.expectedCode)
  #expect(CheckpointError.Code(rawValue: code) != nil, "file name \(v.name) names no error code")
  do {
    let container = try ContainerReader.load(bytes: v.bytes, limits: v.limits)
    let checkpoint = try Checkpoint.decode(container)
    // A file that names a model profile is checked as a model (§8.9), as `zl-pack verify` does.
    if [ModelProfile.architecture, HybridProfile.architecture].contains(checkpoint.architecture) { _ = try checkpoint.scoringSections() }
    Issue.record("\(v.name) was accepted by the reader")
  } catch let e as CheckpointError {
    #expect(e.code.rawValue == code, "\(v.name): raised \(e.code) (\(e.detail))")
  }
}

@Test func everyErrorCodeHasAnInvalidVector() throws {
  let names = Set(Vectors.invalid.compactMap { $0.expectedCode })
  let missing = CheckpointError.Code.allCases.map { $0.rawValue }.filter { !names.contains($0) }
  #expect(missing.isEmpty, "no invalid vector for \(missing)")
}

@Test func inspectReadsOnlyHeaderTableAndTrailer() throws {
  // A file whose section bodies are corrupt still lists: inspect does not read them.
  let v = try #require(Vectors.invalid.first { $0.name == "sectionChecksumMismatch" })
  #expect(throws: Never.self) { _ = try ContainerReader.inspect(path: v.path) }
}

@Test(arguments: Vectors.valid)
func everyTruncationIsAnError(_ v: Vector) {
  for cut in 0..<v.bytes.count {
    do {
      _ = try Checkpoint.decode(try ContainerReader.load(bytes: Array(v.bytes[0..<cut])))
      Issue.record("\(v.name) cut at \(cut) was accepted")
    } catch is CheckpointError {
    } catch {
      Issue.record("\(v.name) cut at \(cut): unexpected \(error)")
    }
  }
}

@Test(arguments: Vectors.valid)
func everyByteFlipIsAnError(_ v: Vector) {
  // Every byte of the file (header, padding, bodies, table, trailer) is covered by a check.
  let limit = min(v.bytes.count, 40_000)
  for k in 0..<limit {
    var b = v.bytes
    b[k] ^= 0xFF
    do {
      _ = try Checkpoint.decode(try ContainerReader.load(bytes: b))
      Issue.record("\(v.name) with byte \(k) flipped was accepted")
    } catch is CheckpointError {
    } catch {
      Issue.record("\(v.name) byte \(k): unexpected \(error)")
    }
  }
}
