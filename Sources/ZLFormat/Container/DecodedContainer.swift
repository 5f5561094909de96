// DecodedContainer: phase 5 of zlck-v1.md §9 — every known section's body decoded by its encoding
// (record or tensor set), in table order. What a record or tensor set *means* (phase 6) is each
// domain's schema; the container only knows which encoding a known section type uses.

import ZLBase

/// A verified container whose known sections are decoded to records and tensor sets.
public struct DecodedContainer: Sendable {
  public var info: ContainerInfo
  /// Known section types in table order.
  public var order: [SectionType]
  public var records: [SectionType: Record]
  public var tensorSets: [SectionType: TensorSet]
  /// Sections of types this reader does not know (ancillary: a critical unknown one was refused in
  /// phase 4), kept so rewriting tools can copy the safe-to-copy ones.
  public var unknown: [LoadedSection]

  /// Phase 5 on a verified container.
  /// - Throws: `CheckpointError` (the record and tensor-set encoding rules).
  public init(_ c: Container) throws {
    info = c.info
    order = []
    records = [:]
    tensorSets = [:]
    unknown = []
    let alignment = Int(c.info.alignment)
    for s in c.sections {
      guard let known = KnownSection.lookup(s.entry.type) else {
        unknown.append(s)
        continue
      }
      let name = "section \(s.entry.type)"
      order.append(s.entry.type)
      switch known.encoding {
      case .record: records[s.entry.type] = try Record.decode(s.raw, section: name)
      case .tensorSet: tensorSets[s.entry.type] = try TensorSet.decode(s.raw, alignment: alignment, section: name)
      }
    }
  }

  /// Reads, verifies (phases 1–4) and decodes (phase 5) a file.
  public static func load(path: String, limits: ReaderLimits = .standard, skipUnknownAncillary: Bool = false) throws -> DecodedContainer {
    try DecodedContainer(try ContainerReader.load(path: path, limits: limits, skipUnknownAncillary: skipUnknownAncillary))
  }
}
