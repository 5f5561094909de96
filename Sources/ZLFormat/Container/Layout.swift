// Layout: the fixed structures of Formats/zlck-v1.md §2–5 — header, section table entry, trailer —
// their constants, and the section types of §8 with their required flags. No I/O here.

import ZLBase

/// Constants of the container layout (zlck-v1.md §3–5).
public enum ZLCK {
  /// `\x89ZLK\r\n\x1a\n`
  public static let magic: [UInt8] = [0x89, 0x5A, 0x4C, 0x4B, 0x0D, 0x0A, 0x1A, 0x0A]
  /// `\x89END\r\n\x1a\n`
  public static let endMagic: [UInt8] = [0x89, 0x45, 0x4E, 0x44, 0x0D, 0x0A, 0x1A, 0x0A]
  public static let byteOrderMark: UInt32 = 0x0A0B_0C0D
  public static let headerSize = 64
  public static let entrySize = 80
  public static let trailerSize = 80
  public static let maxSections = 64
  public static let defaultAlignment: UInt32 = 64
  /// The format version this library reads and writes.
  public static let major: UInt16 = 1
  /// The newest minor version this reader implements (1.1 adds the LEVL and TDET sections, THRS's hybrid score, META's model.severity_features and the zl.hybrid profile).
  public static let minor: UInt16 = 1
  /// DEFLATE cannot expand more than 1032:1; a larger declared ratio is impossible.
  public static let maxDeflateRatio: UInt64 = 1032
}

/// A 4-byte section type code such as `TENS`, ordered bytewise.
public struct SectionType: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// The four bytes, big-endian in one integer so that integer order is bytewise order.
  public let code: UInt32

  public init(code: UInt32) { self.code = code }

  public init(bytes b: [UInt8]) {
    precondition(b.count == 4)
    code = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
  }

  /// A type from four characters `A`–`Z`, `0`–`9`; nil otherwise.
  public init?(_ text: String) {
    let u = Array(text.utf8)
    guard u.count == 4, u.allSatisfy(SectionType.isTypeByte) else { return nil }
    self.init(bytes: u)
  }

  public var bytes: [UInt8] { [UInt8(code >> 24), UInt8(truncatingIfNeeded: code >> 16), UInt8(truncatingIfNeeded: code >> 8), UInt8(truncatingIfNeeded: code)] }

  /// True when every byte is `A`–`Z` or `0`–`9`.
  public var isWellFormed: Bool { bytes.allSatisfy(SectionType.isTypeByte) }

  static func isTypeByte(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) }

  /// The code as text; bytes outside printable ASCII are shown as `\xNN`.
  public var description: String {
    var s = ""
    for c in bytes {
      if c >= 0x20 && c < 0x7F && c != 0x5C { s.unicodeScalars.append(Unicode.Scalar(c)) } else {
        let h = String(c, radix: 16)
        s += "\\x" + (h.count == 1 ? "0" : "") + h
      }
    }
    return s
  }

  public static func < (a: SectionType, b: SectionType) -> Bool { a.code < b.code }

  public static let card = SectionType("CARD")!
  public static let drain = SectionType("DRAN")!
  public static let glove = SectionType("GLOV")!
  public static let levels = SectionType("LEVL")!
  public static let metadata = SectionType("META")!
  public static let repro = SectionType("REPR")!
  public static let session = SectionType("SESS")!
  public static let detectors = SectionType("TDET")!
  public static let tensors = SectionType("TENS")!
  public static let threshold = SectionType("THRS")!
  public static let vocabulary = SectionType("VOCB")!
}

/// Section property bits (zlck-v1.md §4).
public struct SectionFlags: OptionSet, Hashable, Sendable {
  public let rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }
  /// Unknown to a reader → the file must be refused.
  public static let critical = SectionFlags(rawValue: 1)
  /// Unknown ancillary sections with this bit may be copied unchanged by rewriting tools.
  public static let safeToCopy = SectionFlags(rawValue: 2)
  public static let all: SectionFlags = [.critical, .safeToCopy]
}

/// How a section body is stored.
public enum Codec: UInt8, Sendable {
  case none = 0
  case zlib = 1
  public var name: String { self == .none ? "none" : "zlib" }
}

/// The two body encodings of §7.
public enum SectionEncoding: Sendable {
  case record
  case tensorSet
}

/// What the spec fixes for each known section type (§8).
public struct KnownSection: Sendable {
  public let type: SectionType
  public let flags: SectionFlags
  public let encoding: SectionEncoding
  public let schemaVersion: UInt16
  public let summary: String
  /// The format minor version that introduced the type: a file holding it is written as 1.`sinceMinor`
  /// and needs a reader of at least that version (§11).
  public var sinceMinor: UInt16 = 0

  public static let all: [KnownSection] = [
    KnownSection(type: .card, flags: .safeToCopy, encoding: .record, schemaVersion: 1, summary: "model card"),
    KnownSection(type: .drain, flags: .critical, encoding: .record, schemaVersion: 1, summary: "Drain parser state"),
    KnownSection(type: .glove, flags: .critical, encoding: .tensorSet, schemaVersion: 1, summary: "GloVe subset"),
    KnownSection(type: .levels, flags: .critical, encoding: .record, schemaVersion: 1, summary: "level field and severity scale", sinceMinor: 1),
    KnownSection(type: .metadata, flags: .critical, encoding: .record, schemaVersion: 1, summary: "metadata"),
    KnownSection(type: .repro, flags: .safeToCopy, encoding: .record, schemaVersion: 1, summary: "reproducibility record"),
    KnownSection(type: .session, flags: .critical, encoding: .record, schemaVersion: 1, summary: "session rule"),
    KnownSection(type: .detectors, flags: .critical, encoding: .record, schemaVersion: 1, summary: "target-side detectors", sinceMinor: 1),
    KnownSection(type: .tensors, flags: .critical, encoding: .tensorSet, schemaVersion: 1, summary: "model weights"),
    KnownSection(type: .threshold, flags: .critical, encoding: .record, schemaVersion: 1, summary: "decision threshold"),
    KnownSection(type: .vocabulary, flags: .critical, encoding: .record, schemaVersion: 1, summary: "vocabulary and IDF"),
  ]

  public static func lookup(_ type: SectionType) -> KnownSection? { all.first { $0.type == type } }
}

/// One entry of the section table (§4), as read or as written.
public struct SectionEntry: Equatable, Sendable {
  public var type: SectionType
  public var schemaVersion: UInt16
  public var codec: Codec
  public var level: UInt8
  public var flags: SectionFlags
  public var windowBits: UInt8
  public var memLevel: UInt8
  public var strategy: UInt8
  public var offset: UInt64
  public var storedLength: UInt64
  public var rawLength: UInt64
  public var crc32: UInt32
  public var sha256: [UInt8]

  public var isKnown: Bool { KnownSection.lookup(type) != nil }

  /// The 80 bytes of the entry.
  public func encoded() -> [UInt8] {
    var w = ByteWriter(capacity: ZLCK.entrySize)
    w.raw(type.bytes)
    w.u16(schemaVersion)
    w.u8(codec.rawValue)
    w.u8(level)
    w.u32(flags.rawValue)
    w.u8(windowBits)
    w.u8(memLevel)
    w.u8(strategy)
    w.u8(0)
    w.u64(offset)
    w.u64(storedLength)
    w.u64(rawLength)
    w.u32(crc32)
    w.u32(0)
    w.raw(sha256)
    return w.bytes
  }

  /// The 50 bytes this entry contributes to the content digest (§5).
  func contentDigestInput() -> [UInt8] {
    var w = ByteWriter(capacity: 50)
    w.raw(type.bytes)
    w.u16(schemaVersion)
    w.u32(flags.rawValue)
    w.u64(rawLength)
    w.raw(sha256)
    return w.bytes
  }
}

/// The header, table and trailer of a file: everything `zl-pack inspect` shows.
public struct ContainerInfo: Equatable, Sendable {
  public var major: UInt16
  public var minor: UInt16
  public var minReaderMajor: UInt16
  public var minReaderMinor: UInt16
  public var alignment: UInt32
  public var tableOffset: UInt64
  public var fileLength: UInt64
  public var entries: [SectionEntry]
  public var contentDigest: [UInt8]
  public var manifestDigest: [UInt8]
}

/// The content digest of a list of entries (§5).
public func contentDigest(of entries: [SectionEntry]) -> [UInt8] {
  var h = SHA256()
  for e in entries { h.update(e.contentDigestInput()) }
  return h.finalize()
}
