// ContainerInfo+JSON: the `zl-pack inspect --json` listing. Its exact form (key order, 2-space
// indentation as Python's json.dumps(indent=2)) is shared with Tools/zlck.py and the vectors'
// .inspect.json files, so any difference between readers shows up as a text diff.

import ZLBase

extension ContainerInfo {
  /// The listing as JSON (header, digests, and one object per section; no section bodies).
  public var json: JSON {
    .object([
      ("format", .string("zlck")),
      ("version", .string("\(major).\(minor)")),
      ("min_reader_version", .string("\(minReaderMajor).\(minReaderMinor)")),
      ("alignment", .integer(Int64(alignment))),
      ("file_length", .integer(Int64(fileLength))),
      ("table_offset", .integer(Int64(tableOffset))),
      ("content_digest", .string(hexString(contentDigest))),
      ("manifest_digest", .string(hexString(manifestDigest))),
      ("sections", .array(entries.map { $0.json })),
    ])
  }

  /// Human-readable listing.
  public var text: String {
    var s = "format zlck \(major).\(minor) (reads with >= \(minReaderMajor).\(minReaderMinor)), \(fileLength) bytes, alignment \(alignment)\n"
    s += "content digest  \(hexString(contentDigest))\nmanifest digest \(hexString(manifestDigest))\n"
    s += "type  flags          codec   offset      stored         raw  crc32     sha256\n"
    for e in entries {
      var flags: [String] = []
      flags.append(e.flags.contains(.critical) ? "critical" : "ancillary")
      if e.flags.contains(.safeToCopy) { flags.append("copy") }
      let codec = e.codec == .zlib ? "zlib-\(e.level)" : "none"
      s += pad(e.type.description, 6) + pad(flags.joined(separator: ","), 15) + pad(codec, 8)
      s += lpad(String(e.offset), 6) + lpad(String(e.storedLength), 12) + lpad(String(e.rawLength), 12)
      s += "  " + hex32(e.crc32) + "  " + hexString(e.sha256.prefix(8)) + "…"
      if !e.isKnown { s += "  (unknown type)" }
      s += "\n"
    }
    return s
  }
}

extension SectionEntry {
  public var json: JSON {
    .object([
      ("type", .string(type.description)),
      ("schema_version", .integer(Int64(schemaVersion))),
      ("critical", .bool(flags.contains(.critical))),
      ("safe_to_copy", .bool(flags.contains(.safeToCopy))),
      ("known", .bool(isKnown)),
      ("codec", .string(codec.name)),
      ("level", .integer(Int64(level))),
      ("window_bits", .integer(Int64(windowBits))),
      ("mem_level", .integer(Int64(memLevel))),
      ("strategy", .integer(Int64(strategy))),
      ("offset", .integer(Int64(offset))),
      ("stored_length", .integer(Int64(storedLength))),
      ("raw_length", .integer(Int64(rawLength))),
      ("crc32", .string(hex32(crc32))),
      ("sha256", .string(hexString(sha256))),
    ])
  }
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
