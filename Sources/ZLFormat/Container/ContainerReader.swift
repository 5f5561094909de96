// ContainerReader: reads and validates a .zlck container in the order of zlck-v1.md §9 —
// phases 1–3 (header, trailer, table) from a few byte ranges, phase 4 (bodies: padding, CRC,
// inflate, SHA-256) from the whole file. Section bodies are returned undecoded (see Checkpoint).

import ZLBase

/// Resource limits of a reader (zlck-v1.md §10); exceeding one is an error naming the limit.
public struct ReaderLimits: Sendable, Equatable {
  public var maxFileSize: UInt64
  public var maxSectionSize: UInt64
  public var maxTotalRawSize: UInt64
  /// The inflation budget (§10): the zlib sections' raw lengths together at most
  /// `inflationAllowance + inflationRatio × their stored lengths together`, so the work of reading a
  /// file is bounded by its size, not by what it claims.
  public var inflationRatio: UInt64
  public var inflationAllowance: UInt64

  public init(maxFileSize: UInt64 = 4 << 30, maxSectionSize: UInt64 = 2 << 30, maxTotalRawSize: UInt64 = 4 << 30,
              inflationRatio: UInt64 = 64, inflationAllowance: UInt64 = 16 << 20) {
    self.maxFileSize = maxFileSize
    self.maxSectionSize = maxSectionSize
    self.maxTotalRawSize = maxTotalRawSize
    self.inflationRatio = inflationRatio
    self.inflationAllowance = inflationAllowance
  }

  public static let standard = ReaderLimits()
}

/// A section body after phase 4: verified and decoded to its raw bytes.
public struct LoadedSection: Sendable {
  public var entry: SectionEntry
  /// The decoded bytes (SHA-256 verified).
  public var raw: [UInt8]
  /// The stored bytes as found in the file (for byte-for-byte copies); same as `raw` for codec none.
  public var stored: [UInt8]
  /// An unknown ancillary section the caller asked not to read (`raw` and `stored` are empty; it
  /// cannot be copied).
  public var skipped = false
}

/// A verified container: layout plus every section's raw bytes.
public struct Container: Sendable {
  public var info: ContainerInfo
  public var sections: [LoadedSection]

  public func section(_ type: SectionType) -> LoadedSection? { sections.first { $0.entry.type == type } }
}

public enum ContainerReader {
  /// The version of this reader, compared with a file's `min_reader` (§9 rule 6).
  public static let readerVersion = (major: ZLCK.major, minor: ZLCK.minor)

  /// Reads only the header, the table and the trailer (phases 1–3): the `inspect` path.
  /// - Throws: `CheckpointError` for a malformed file, `IOFailure` for a missing or unreadable one.
  public static func inspect(path: String, limits: ReaderLimits = .standard) throws -> ContainerInfo {
    try naming(path) {
      let file = try InputFile(path: path)
      return try readLayout(fileSize: file.size, limits: limits) { try file.read(at: $0, count: $1) }
    }
  }

  /// Reads and verifies a whole file (phases 1–4); errors name the file.
  /// - Parameter skipUnknownAncillary: leave unknown ancillary sections unread (not checked, not
  ///   inflated): what a reader that only uses the model does (zl-score); tools that copy or
  ///   verify read them.
  public static func load(path: String, limits: ReaderLimits = .standard, skipUnknownAncillary: Bool = false) throws -> Container {
    try naming(path) {
      let file = try InputFile(path: path)
      // Phases 1–3 first, from small reads, so a lying header never makes us read a huge file. The
      // ranges they read are kept and compared with the whole file read next (a file that changed
      // in between is refused), so phases 1–3 run once.
      var seen: [(UInt64, [UInt8])] = []
      let info = try readLayout(fileSize: file.size, limits: limits) { offset, count in
        let b = try file.read(at: offset, count: count)
        seen.append((offset, b))
        return b
      }
      let bytes = try file.readAll(limit: limits.maxFileSize)
      if UInt64(bytes.count) != info.fileLength {
        throw CheckpointError(.truncatedFile, "the file changed while it was read (\(bytes.count) bytes, the header says \(info.fileLength))")
      }
      for (offset, b) in seen where UInt64(bytes.count) < offset + UInt64(b.count) || !bytes[Int(offset)..<(Int(offset) + b.count)].elementsEqual(b) {
        throw CheckpointError(.truncatedFile, "the file changed while it was read (bytes at offset \(offset) differ)")
      }
      let sections = try bytes.withUnsafeBytes { try readBodies(info: info, file: $0, skipUnknownAncillary: skipUnknownAncillary) }
      return Container(info: info, sections: sections)
    }
  }

  /// Verifies a container held in memory (phases 1–4).
  public static func load(bytes: [UInt8], limits: ReaderLimits = .standard) throws -> Container {
    let info = try readLayout(fileSize: UInt64(bytes.count), limits: limits) { offset, count in
      let start = Int(offset)
      let end = min(bytes.count, start + count)
      return Array(bytes[start..<end])
    }
    let sections = try bytes.withUnsafeBytes { try readBodies(info: info, file: $0) }
    return Container(info: info, sections: sections)
  }

  // MARK: - Phases 1–3

  /// Phases 1–3 of §9. `read(offset, count)` returns up to `count` bytes at `offset`.
  static func readLayout(fileSize: UInt64, limits: ReaderLimits,
                         read: (UInt64, Int) throws -> [UInt8]) throws -> ContainerInfo {
    let minimum = UInt64(ZLCK.headerSize + ZLCK.trailerSize)
    if fileSize < minimum {
      throw CheckpointError(.fileTooSmall, "file is \(fileSize) bytes, shorter than the \(minimum) bytes of header and trailer")
    }
    let header = try read(0, ZLCK.headerSize)
    guard header.count == ZLCK.headerSize else {
      throw CheckpointError(.fileTooSmall, "could read only \(header.count) header bytes")
    }
    let h = try parseHeader(header, fileSize: fileSize, limits: limits)

    let tableLength = h.sectionCount * ZLCK.entrySize
    let tail = try read(h.tableOffset, tableLength + ZLCK.trailerSize)
    guard tail.count == tableLength + ZLCK.trailerSize else {
      throw CheckpointError(.truncatedFile, "file ends inside the section table")
    }
    let table = Array(tail[0..<tableLength])
    let trailer = Array(tail[tableLength...])
    let digests = try checkTrailer(trailer, header: header, table: table, fileLength: h.fileLength)
    let entries = try parseTable(table, header: h, limits: limits)
    if contentDigest(of: entries) != digests.content {
      throw CheckpointError(.contentDigestMismatch, "trailer: content digest \(hexString(digests.content)) does not match the section table (\(hexString(contentDigest(of: entries))))")
    }
    return ContainerInfo(major: h.major, minor: h.minor, minReaderMajor: h.minReaderMajor,
                         minReaderMinor: h.minReaderMinor, alignment: h.alignment,
                         tableOffset: h.tableOffset, fileLength: h.fileLength, entries: entries,
                         contentDigest: digests.content, manifestDigest: digests.manifest)
  }

  struct Header {
    var major: UInt16, minor: UInt16, minReaderMajor: UInt16, minReaderMinor: UInt16
    var alignment: UInt32, sectionCount: Int, tableOffset: UInt64, fileLength: UInt64
  }

  /// Phase 1 (rules 1–17).
  static func parseHeader(_ b: [UInt8], fileSize: UInt64, limits: ReaderLimits) throws -> Header {
    if Array(b[0..<8]) != ZLCK.magic {
      throw CheckpointError(.badMagic, "header: magic is \(hexString(b[0..<8])), expected \(hexString(ZLCK.magic))")
    }
    let bom = b.le(16, as: UInt32.self)
    if bom != ZLCK.byteOrderMark {
      let swapped = bom == ZLCK.byteOrderMark.byteSwapped
      throw CheckpointError(.badByteOrderMark, "header: byte-order mark is 0x\(String(bom, radix: 16))" +
        (swapped ? " (byte-swapped: the file was written big-endian)" : ", expected 0x0a0b0c0d"))
    }
    let major = b.le(8, as: UInt16.self), minor = b.le(10, as: UInt16.self)
    let rMajor = b.le(12, as: UInt16.self), rMinor = b.le(14, as: UInt16.self)
    if major != ZLCK.major {
      throw CheckpointError(.unsupportedMajorVersion, "header: format version \(major).\(minor) is not supported; this reader reads 1.x (newest \(ZLCK.major).\(ZLCK.minor))")
    }
    if (rMajor, rMinor) > (major, minor) {
      throw CheckpointError(.badMinReaderVersion, "header: minimum reader version \(rMajor).\(rMinor) is newer than the file's own version \(major).\(minor)")
    }
    if (rMajor, rMinor) > readerVersion {
      throw CheckpointError(.requiresNewerReader, "header: file needs a reader of version \(rMajor).\(rMinor) or newer; this reader is \(readerVersion.major).\(readerVersion.minor)")
    }
    let headerSize = b.le(20, as: UInt32.self)
    if headerSize != UInt32(ZLCK.headerSize) {
      throw CheckpointError(.badHeaderSize, "header: header size is \(headerSize), expected 64")
    }
    let crc = b.le(60, as: UInt32.self)
    let actual = Zlib.crc32(b[0..<60])
    if crc != actual {
      throw CheckpointError(.headerChecksumMismatch, "header: CRC-32 is \(hex32(crc)), computed \(hex32(actual))")
    }
    let flags = b.le(32, as: UInt32.self)
    if flags != 0 { throw CheckpointError(.unknownHeaderFlags, "header: flags are 0x\(String(flags, radix: 16)), expected 0") }
    let reserved = b.le(56, as: UInt32.self)
    if reserved != 0 { throw CheckpointError(.nonZeroReserved, "header: reserved field at byte 56 is \(reserved), expected 0") }
    let alignment = b.le(28, as: UInt32.self)
    if alignment < 8 || alignment > 4096 || alignment & (alignment - 1) != 0 {
      throw CheckpointError(.badAlignment, "header: alignment \(alignment) is not a power of two in 8...4096")
    }
    let entrySize = b.le(24, as: UInt32.self)
    if entrySize != UInt32(ZLCK.entrySize) {
      throw CheckpointError(.badSectionEntrySize, "header: section entry size is \(entrySize), expected 80")
    }
    let count = b.le(36, as: UInt32.self)
    if count > UInt32(ZLCK.maxSections) {
      throw CheckpointError(.tooManySections, "header: \(count) sections, over the limit of \(ZLCK.maxSections)")
    }
    let tableOffset = b.le(40, as: UInt64.self)
    let fileLength = b.le(48, as: UInt64.self)
    if fileSize < fileLength {
      throw CheckpointError(.truncatedFile, "file is \(fileSize) bytes but the header says \(fileLength)")
    }
    if fileSize > fileLength {
      throw CheckpointError(.trailingBytes, "file is \(fileSize) bytes, \(fileSize - fileLength) more than the \(fileLength) the header says")
    }
    if fileLength > limits.maxFileSize {
      throw CheckpointError(.fileTooLarge, "file is \(fileLength) bytes, over the reader's limit of \(limits.maxFileSize)")
    }
    let tableBytes = UInt64(count) * UInt64(ZLCK.entrySize) + UInt64(ZLCK.trailerSize)
    let (tableEnd, overflow) = tableOffset.addingReportingOverflow(tableBytes)
    if overflow || tableEnd != fileLength || tableOffset % UInt64(alignment) != 0 || tableOffset < UInt64(ZLCK.headerSize) {
      throw CheckpointError(.badTableOffset, "header: table offset \(tableOffset) with \(count) entries does not end at the trailer (file length \(fileLength), alignment \(alignment))")
    }
    return Header(major: major, minor: minor, minReaderMajor: rMajor, minReaderMinor: rMinor,
                  alignment: alignment, sectionCount: Int(count), tableOffset: tableOffset, fileLength: fileLength)
  }

  /// Phase 2 (rules 18–20); returns the two digests.
  static func checkTrailer(_ t: [UInt8], header: [UInt8], table: [UInt8], fileLength: UInt64) throws -> (content: [UInt8], manifest: [UInt8]) {
    if Array(t[72..<80]) != ZLCK.endMagic {
      throw CheckpointError(.badTrailerMagic, "trailer: end magic is \(hexString(t[72..<80])), expected \(hexString(ZLCK.endMagic))")
    }
    let length = t.le(64, as: UInt64.self)
    if length != fileLength {
      throw CheckpointError(.trailerLengthMismatch, "trailer: file length \(length) differs from the header's \(fileLength)")
    }
    var h = SHA256()
    h.update(header)
    h.update(table)
    let manifest = h.finalize()
    if Array(t[32..<64]) != manifest {
      throw CheckpointError(.manifestDigestMismatch, "trailer: manifest digest \(hexString(t[32..<64])) does not match the header and table (\(hexString(manifest)))")
    }
    return (Array(t[0..<32]), manifest)
  }

  /// Phase 3 (rules 22–37).
  static func parseTable(_ table: [UInt8], header h: Header, limits: ReaderLimits) throws -> [SectionEntry] {
    var entries: [SectionEntry] = []
    entries.reserveCapacity(h.sectionCount)
    let alignment = UInt64(h.alignment)
    var expected = alignUp(UInt64(ZLCK.headerSize), alignment)!
    var totalRaw: UInt64 = 0
    var zlibRaw: UInt64 = 0, zlibStored: UInt64 = 0
    for i in 0..<h.sectionCount {
      let base = i * ZLCK.entrySize
      let e = Array(table[base..<(base + ZLCK.entrySize)])
      let type = SectionType(bytes: Array(e[0..<4]))
      let name = "section \(i) (\(type))"
      if !type.isWellFormed {
        throw CheckpointError(.badSectionType, "\(name): type code is not four characters A-Z or 0-9")
      }
      let flags = e.le(8, as: UInt32.self)
      if flags & ~SectionFlags.all.rawValue != 0 {
        throw CheckpointError(.unknownSectionFlags, "\(name): flags 0x\(String(flags, radix: 16)) set unknown bits")
      }
      if e[15] != 0 || e.le(44, as: UInt32.self) != 0 {
        throw CheckpointError(.nonZeroReserved, "\(name): reserved bytes of the table entry are not zero")
      }
      guard let codec = Codec(rawValue: e[6]) else {
        throw CheckpointError(.unknownCodec, "\(name): codec \(e[6]) is not 0 (none) or 1 (zlib)")
      }
      let level = e[7], wbits = e[12], mem = e[13], strategy = e[14]
      switch codec {
      case .none:
        if level != 0 || wbits != 0 || mem != 0 || strategy != 0 {
          throw CheckpointError(.badCodecParameters, "\(name): codec none with compression parameters \(level)/\(wbits)/\(mem)/\(strategy), expected all 0")
        }
      case .zlib:
        if level > 9 || wbits != 15 || mem < 1 || mem > 9 || strategy > 4 {
          throw CheckpointError(.badCodecParameters, "\(name): zlib parameters level \(level), window bits \(wbits), memory level \(mem), strategy \(strategy) are outside 0-9/15/1-9/0-4")
        }
      }
      if let prev = entries.last {
        if prev.type == type { throw CheckpointError(.duplicateSection, "\(name): type \(type) appears twice") }
        if type < prev.type { throw CheckpointError(.sectionsOutOfOrder, "\(name): type \(type) sorts before the previous \(prev.type)") }
      }
      let offset = e.le(16, as: UInt64.self)
      let stored = e.le(24, as: UInt64.self)
      let raw = e.le(32, as: UInt64.self)
      if offset < expected {
        throw CheckpointError(.sectionOverlap, "\(name): body starts at \(offset), before \(expected) where the previous structure ends")
      }
      if offset > expected {
        throw CheckpointError(.sectionGap, "\(name): body starts at \(offset), leaving a gap after \(expected)")
      }
      let (end, overflow) = offset.addingReportingOverflow(stored)
      if overflow || end > h.tableOffset {
        throw CheckpointError(.sectionPastEnd, "\(name): body of \(stored) bytes at \(offset) runs past the section table at \(h.tableOffset)")
      }
      if codec == .none && stored != raw {
        throw CheckpointError(.rawLengthMismatch, "\(name): uncompressed body has stored length \(stored) but raw length \(raw)")
      }
      if codec == .zlib {
        let (bound, o) = stored.multipliedReportingOverflow(by: ZLCK.maxDeflateRatio)
        if !o && raw > bound {
          throw CheckpointError(.impossibleCompressionRatio, "\(name): \(stored) compressed bytes cannot inflate to the declared \(raw) bytes (more than 1032:1)")
        }
        // (raw ≤ 1032 × stored ≤ 1032 × file length < 2^59 here: the sums cannot overflow.)
        zlibRaw += raw
        zlibStored += stored
        let (scaled, o3) = limits.inflationRatio.multipliedReportingOverflow(by: zlibStored)
        let (budget, o4) = limits.inflationAllowance.addingReportingOverflow(scaled)
        if !o3 && !o4 && zlibRaw > budget {
          throw CheckpointError(.inflationBudgetExceeded, "\(name): the compressed sections so far declare \(zlibRaw) raw bytes from \(zlibStored) stored, over the reader's inflation budget (\(limits.inflationAllowance) + \(limits.inflationRatio) × stored)")
        }
      }
      let (total, o2) = totalRaw.addingReportingOverflow(raw)
      if raw > limits.maxSectionSize || o2 || total > limits.maxTotalRawSize {
        throw CheckpointError(.sectionTooLarge, "\(name): raw size \(raw) bytes exceeds the reader's limit (\(limits.maxSectionSize) per section, \(limits.maxTotalRawSize) in all)")
      }
      totalRaw = total
      let sectionFlags = SectionFlags(rawValue: flags)
      if let known = KnownSection.lookup(type) {
        if known.flags != sectionFlags {
          throw CheckpointError(.wrongSectionFlags, "\(name): flags 0x\(String(flags, radix: 16)) differ from the spec's 0x\(String(known.flags.rawValue, radix: 16))")
        }
        let schema = e.le(4, as: UInt16.self)
        if schema != known.schemaVersion {
          throw CheckpointError(.unsupportedSectionVersion, "\(name): schema version \(schema) is not supported (this reader knows \(known.schemaVersion))")
        }
      }
      entries.append(SectionEntry(
        type: type, schemaVersion: e.le(4, as: UInt16.self), codec: codec, level: level, flags: sectionFlags,
        windowBits: wbits, memLevel: mem, strategy: strategy, offset: offset, storedLength: stored,
        rawLength: raw, crc32: e.le(40, as: UInt32.self), sha256: Array(e[48..<80])))
      expected = alignUp(end, alignment)!
    }
    if expected != h.tableOffset {
      throw CheckpointError(.gapBeforeTable, "section table starts at \(h.tableOffset), expected \(expected) right after the last section")
    }
    return entries
  }

  // MARK: - Phase 4

  /// Phase 4 (rules 38–45): padding, CRC, decoding and SHA-256 of every body.
  static func readBodies(info: ContainerInfo, file: UnsafeRawBufferPointer, skipUnknownAncillary: Bool = false) throws -> [LoadedSection] {
    var sections: [LoadedSection] = []
    var previousEnd = ZLCK.headerSize
    for (i, e) in info.entries.enumerated() {
      let name = "section \(i) (\(e.type))"
      if !e.isKnown && e.flags.contains(.critical) {
        throw CheckpointError(.unknownCriticalSection, "\(name): critical section type \(e.type) is unknown to this reader (format \(info.major).\(info.minor), reader \(readerVersion.major).\(readerVersion.minor))")
      }
      let start = Int(e.offset), end = start + Int(e.storedLength)
      try checkZero(file, previousEnd..<start, what: "padding before \(name)")
      if skipUnknownAncillary && !e.isKnown {
        sections.append(LoadedSection(entry: e, raw: [], stored: [], skipped: true))
        previousEnd = end
        continue
      }
      let stored = UnsafeRawBufferPointer(rebasing: file[start..<end])
      let crc = Zlib.crc32(stored)
      if crc != e.crc32 {
        throw CheckpointError(.sectionChecksumMismatch, "\(name): CRC-32 of the stored bytes is \(hex32(crc)), table says \(hex32(e.crc32))")
      }
      let raw: [UInt8]
      switch e.codec {
      case .none:
        raw = Array(stored)
      case .zlib:
        do {
          raw = try Zlib.inflateExact(stored, rawLength: Int(e.rawLength))
        } catch let f as InflateFailure {
          switch f {
          case .failed(let msg): throw CheckpointError(.inflateFailed, "\(name): zlib stream is corrupt (\(msg))")
          case .tooLong: throw CheckpointError(.inflatedTooLong, "\(name): zlib stream inflates to more than the declared \(e.rawLength) bytes")
          case .tooShort(let n): throw CheckpointError(.inflatedTooShort, "\(name): zlib stream ends after \(n) of the declared \(e.rawLength) bytes")
          case .trailingInput(let n): throw CheckpointError(.trailingCompressedData, "\(name): \(n) stored bytes follow the end of the zlib stream")
          }
        }
      }
      let digest = SHA256.hash(raw)
      if digest != e.sha256 {
        throw CheckpointError(.sectionDigestMismatch, "\(name): SHA-256 of the content is \(hexString(digest)), table says \(hexString(e.sha256))")
      }
      sections.append(LoadedSection(entry: e, raw: raw, stored: e.codec == .none ? raw : Array(stored)))
      previousEnd = end
    }
    try checkZero(file, previousEnd..<Int(info.tableOffset), what: "padding before the section table")
    return sections
  }

  static func checkZero(_ file: UnsafeRawBufferPointer, _ range: Range<Int>, what: String) throws {
    for k in range where file[k] != 0 {
      throw CheckpointError(.nonZeroPadding, "\(what): byte \(k) is 0x\(String(file[k], radix: 16)), expected 0")
    }
  }
}

func hex32(_ v: UInt32) -> String {
  let s = String(v, radix: 16)
  return String(repeating: "0", count: 8 - s.count) + s
}
