// ContainerWriter: writes the canonical layout of zlck-v1.md §2 deterministically — sections sorted
// by type, zero padding, compression from a fixed policy — streaming the bodies and patching the
// header last, into memory or atomically into a file (temp file + fsync + rename).

import ZLBase

/// What to write for one section.
public struct SectionInput: Sendable {
  public enum Body: Sendable {
    /// Raw bytes to store with the given codec (zlib parameters used only for `.zlib`).
    case raw([UInt8], codec: Codec, parameters: DeflateParameters)
    /// A section loaded from another file, copied byte for byte (its entry's CRC and SHA are kept).
    case copy(LoadedSection)
  }

  public var type: SectionType
  public var schemaVersion: UInt16
  public var flags: SectionFlags
  public var body: Body

  public init(type: SectionType, schemaVersion: UInt16 = 1, flags: SectionFlags, body: Body) {
    self.type = type
    self.schemaVersion = schemaVersion
    self.flags = flags
    self.body = body
  }

  /// A known section type with the spec's flags and the default codec policy (§6, §12): tensor sets
  /// uncompressed (mappable), records zlib level 6.
  public static func known(_ type: SectionType, raw: [UInt8], compress: Bool? = nil) -> SectionInput {
    let k = KnownSection.lookup(type)!
    let zlib = compress ?? (k.encoding == .record)
    return SectionInput(type: type, schemaVersion: k.schemaVersion, flags: k.flags,
                        body: .raw(raw, codec: zlib ? .zlib : .none, parameters: .standard))
  }

  /// Copies a loaded section unchanged.
  public static func copy(_ s: LoadedSection) -> SectionInput {
    SectionInput(type: s.entry.type, schemaVersion: s.entry.schemaVersion, flags: s.entry.flags, body: .copy(s))
  }
}

/// A destination for the writer: memory or an atomic file.
protocol ByteSink: AnyObject {
  var position: UInt64 { get }
  func write(_ bytes: UnsafeRawBufferPointer) throws
  func patch(at offset: UInt64, _ bytes: [UInt8]) throws
}

final class MemorySink: ByteSink {
  var bytes: [UInt8] = []
  var position: UInt64 { UInt64(bytes.count) }
  func write(_ b: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: b) }
  func patch(at offset: UInt64, _ b: [UInt8]) throws {
    bytes.replaceSubrange(Int(offset)..<(Int(offset) + b.count), with: b)
  }
}

extension AtomicFileWriter: ByteSink {}

public enum ContainerWriter {
  /// Encodes a container in memory.
  /// - Throws: `InternalError` for duplicate types (a programmer error), zlib failures.
  /// - Parameter minimumMinor: the lowest minor version the content needs beyond its section types
  ///   (record keys or values a later minor defined, §11).
  public static func encode(_ sections: [SectionInput], alignment: UInt32 = ZLCK.defaultAlignment, minimumMinor: UInt16 = 0) throws -> [UInt8] {
    let sink = MemorySink()
    _ = try write(sections, to: sink, alignment: alignment, minimumMinor: minimumMinor)
    return sink.bytes
  }

  /// Writes a container to `path` atomically; on any error the destination is left untouched.
  /// - Returns: the layout written (what `inspect` will show).
  @discardableResult
  public static func write(_ sections: [SectionInput], toFile path: String, alignment: UInt32 = ZLCK.defaultAlignment,
                           minimumMinor: UInt16 = 0) throws -> ContainerInfo {
    let file = try AtomicFileWriter(path: path)
    do {
      let info = try write(sections, to: file, alignment: alignment, minimumMinor: minimumMinor)
      try file.commit()
      return info
    } catch {
      file.abandon()
      throw error
    }
  }

  static func write(_ input: [SectionInput], to sink: ByteSink, alignment: UInt32, minimumMinor: UInt16) throws -> ContainerInfo {
    precondition(minimumMinor <= ZLCK.minor, "content of a minor version this writer does not implement")
    precondition(alignment >= 8 && alignment <= 4096 && alignment & (alignment - 1) == 0, "alignment must be a power of two in 8...4096")
    let sections = input.sorted { $0.type < $1.type }
    for k in sections.indices.dropFirst() where sections[k].type == sections[k - 1].type {
      throw InternalError("two sections of type \(sections[k].type) given to the writer")
    }
    if sections.count > ZLCK.maxSections { throw InternalError("more than \(ZLCK.maxSections) sections") }
    let a = UInt64(alignment)
    try zeros(sink, count: ZLCK.headerSize)  // the header is patched in at the end
    var entries: [SectionEntry] = []
    for s in sections {
      try padTo(sink, alignment: a)
      let offset = sink.position
      var entry: SectionEntry
      switch s.body {
      case .copy(let loaded):
        if loaded.skipped { throw InternalError("section \(loaded.entry.type) was not read, so it cannot be copied") }
        entry = loaded.entry
        try loaded.stored.withUnsafeBytes { try sink.write($0) }
      case .raw(let raw, let codec, let p):
        let stored = codec == .zlib ? try Zlib.deflate(raw, parameters: p) : raw
        try stored.withUnsafeBytes { try sink.write($0) }
        entry = SectionEntry(
          type: s.type, schemaVersion: s.schemaVersion, codec: codec,
          level: codec == .zlib ? UInt8(p.level) : 0, flags: s.flags,
          windowBits: codec == .zlib ? UInt8(p.windowBits) : 0,
          memLevel: codec == .zlib ? UInt8(p.memLevel) : 0,
          strategy: codec == .zlib ? UInt8(p.strategy) : 0,
          offset: 0, storedLength: UInt64(stored.count), rawLength: UInt64(raw.count),
          crc32: Zlib.crc32(stored), sha256: SHA256.hash(raw))
      }
      entry.type = s.type
      entry.flags = s.flags
      entry.schemaVersion = s.schemaVersion
      entry.offset = offset
      entries.append(entry)
    }
    try padTo(sink, alignment: a)
    let tableOffset = sink.position
    var table: [UInt8] = []
    for e in entries { table += e.encoded() }
    let fileLength = tableOffset + UInt64(table.count) + UInt64(ZLCK.trailerSize)
    // The lowest version that can hold the content (§11): 1.0 unless a section type came later.
    let minor = max(minimumMinor, sections.map { KnownSection.lookup($0.type)?.sinceMinor ?? 0 }.max() ?? 0)
    let header = encodeHeader(alignment: alignment, sectionCount: entries.count, tableOffset: tableOffset, fileLength: fileLength, minor: minor)
    var manifest = SHA256()
    manifest.update(header)
    manifest.update(table)
    let manifestDigest = manifest.finalize()
    let content = contentDigest(of: entries)
    var trailer = ByteWriter(capacity: ZLCK.trailerSize)
    trailer.raw(content)
    trailer.raw(manifestDigest)
    trailer.u64(fileLength)
    trailer.raw(ZLCK.endMagic)
    try table.withUnsafeBytes { try sink.write($0) }
    try trailer.bytes.withUnsafeBytes { try sink.write($0) }
    try sink.patch(at: 0, header)
    return ContainerInfo(major: ZLCK.major, minor: minor, minReaderMajor: ZLCK.major, minReaderMinor: minor,
                         alignment: alignment, tableOffset: tableOffset, fileLength: fileLength,
                         entries: entries, contentDigest: content, manifestDigest: manifestDigest)
  }

  /// The 64 header bytes (§3) with their CRC.
  static func encodeHeader(alignment: UInt32, sectionCount: Int, tableOffset: UInt64, fileLength: UInt64, minor: UInt16) -> [UInt8] {
    var w = ByteWriter(capacity: ZLCK.headerSize)
    w.raw(ZLCK.magic)
    w.u16(ZLCK.major)
    w.u16(minor)
    w.u16(ZLCK.major)
    w.u16(minor)
    w.u32(ZLCK.byteOrderMark)
    w.u32(UInt32(ZLCK.headerSize))
    w.u32(UInt32(ZLCK.entrySize))
    w.u32(alignment)
    w.u32(0)
    w.u32(UInt32(sectionCount))
    w.u64(tableOffset)
    w.u64(fileLength)
    w.u32(0)
    w.u32(Zlib.crc32(w.bytes))
    return w.bytes
  }

  static func zeros(_ sink: ByteSink, count: Int) throws {
    if count <= 0 { return }
    try [UInt8](repeating: 0, count: count).withUnsafeBytes { try sink.write($0) }
  }

  static func padTo(_ sink: ByteSink, alignment: UInt64) throws {
    let r = sink.position % alignment
    if r != 0 { try zeros(sink, count: Int(alignment - r)) }
  }
}
