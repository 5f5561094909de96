// MetadataEdit: `zl-pack set-meta` — parse KEY=VALUE assignments (typed from the existing key, an
// explicit KEY:TYPE, or the value's form), rewrite only META and copy every other section byte for
// byte, so the content digests of untouched sections stay valid.

import ZLBase
import ZLFormat
import ZLProfile

public enum MetadataEdit {
  /// Keys whose change would make the tensors mean something else.
  public static func isProtected(_ key: String) -> Bool { key == "general.architecture" || key.hasPrefix("model.") }

  /// Parses `KEY=VALUE` or `KEY:TYPE=VALUE` into a typed value. Without a type, the existing key's
  /// type is kept; a new key is bool for true/false, u64 or i64 for integers, f64 for other numbers,
  /// else string. Arrays take JSON text (`[1,2]`).
  /// - Throws: `PackError.badAssignment` naming the assignment.
  public static func parseAssignment(_ text: String, existing: Record) throws -> (String, Value) {
    guard let eq = text.firstIndex(of: "=") else { throw PackError(.badAssignment, "'\(text)' is not KEY=VALUE") }
    var key = String(text[..<eq])
    let raw = String(text[text.index(after: eq)...])
    var type: String? = nil
    if let colon = key.firstIndex(of: ":") {
      type = String(key[key.index(after: colon)...])
      key = String(key[..<colon])
    }
    guard Record.isValidKey(Array(key.utf8)) else {
      throw PackError(.badAssignment, "'\(key)' is not a valid key ([a-z][a-z0-9_]* segments joined by '.')")
    }
    let t: String
    if let explicit = type { t = explicit } else if let old = existing[key] { t = old.typeName } else if raw == "true" || raw == "false" {
      t = "bool"
    } else if UInt64(raw) != nil { t = "u64" } else if Int64(raw) != nil { t = "i64" } else if let d = Double(raw), d.isFinite { t = "f64" } else { t = "string" }
    let json: JSON
    switch t {
    case "string": json = .string(raw)
    case "bytes": json = .string(raw)
    case "bool":
      guard raw == "true" || raw == "false" else { throw PackError(.badAssignment, "\(key): '\(raw)' is not true or false") }
      json = .bool(raw == "true")
    case "i64", "u64", "u32":
      guard let i = Int64(raw) ?? (UInt64(raw).map { _ in Int64.max }) else { throw PackError(.badAssignment, "\(key): '\(raw)' is not an integer") }
      json = UInt64(raw).map { $0 > UInt64(Int64.max) ? .number(Double($0)) : .integer(Int64($0)) } ?? .integer(i)
    case "f64", "f32":
      if ["nan", "inf", "-inf"].contains(raw) { json = .string(raw) } else {
        guard let d = Double(raw) else { throw PackError(.badAssignment, "\(key): '\(raw)' is not a number") }
        json = .number(d)
      }
    default:
      do { json = try JSONParser().parse(raw) } catch { throw PackError(.badAssignment, "\(key): '\(raw)' is not a JSON array for type \(t)") }
    }
    do { return (key, try Value.parse(type: t, json: json)) } catch let e as InterchangeError {
      throw PackError(.badAssignment, "\(key): \(e.detail)")
    }
  }

  /// Applies assignments and deletions to META and writes `output` with every other section copied.
  /// Unknown ancillary sections not marked safe-to-copy are dropped (returned).
  /// - Throws: `CheckpointError` for a bad input file, `PackError` for bad assignments.
  public static func apply(input: String, assignments: [String], deletions: [String], output: String,
                           allowModelKeys: Bool = false) throws -> (ContainerInfo, dropped: [SectionType]) {
    let container = try ContainerReader.load(path: input)
    let checkpoint = try naming(input) { try Checkpoint.decode(container) }  // validates everything first
    var meta = checkpoint.metadata ?? Record()
    for k in deletions {
      if isProtected(k) && !allowModelKeys { throw PackError(.protectedKey, "'\(k)' describes the tensors; changing it would break the model") }
      if meta[k] == nil { throw PackError(.unknownKey, "key '\(k)' is not in the metadata") }
      meta[k] = nil
    }
    for a in assignments {
      let (k, v) = try parseAssignment(a, existing: meta)
      if isProtected(k) && !allowModelKeys { throw PackError(.protectedKey, "'\(k)' describes the tensors; changing it would break the model") }
      meta[k] = v
    }
    if meta["general.architecture"] == nil { throw PackError(.missingArchitecture, "META needs general.architecture") }
    // Even a forced edit must leave a model that passes its checks (§8.9), or nothing is written.
    var edited = checkpoint
    edited.metadata = meta
    if [ModelProfile.architecture, HybridProfile.architecture].contains(edited.architecture) {
      do { _ = try edited.scoringSections() } catch let e as CheckpointError {
        throw PackError(.brokenModel, "the edit would leave a model that fails its checks (\(e.code.rawValue)): \(e.detail)")
      }
    }
    var inputs: [SectionInput] = [.known(.metadata, raw: meta.encoded())]
    var dropped: [SectionType] = []
    for s in container.sections where s.entry.type != .metadata {
      if !s.entry.isKnown && !s.entry.flags.contains(.safeToCopy) {
        dropped.append(s.entry.type)
        continue
      }
      inputs.append(.copy(s))
    }
    // The file keeps its minor version, unless the edit added content of a later one.
    let info = try ContainerWriter.write(inputs, toFile: output, alignment: container.info.alignment,
                                         minimumMinor: max(edited.minimumMinor, min(container.info.minor, ZLCK.minor)))
    return (info, dropped)
  }
}
