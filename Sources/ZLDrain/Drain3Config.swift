// Drain3Config: the settings in a drain3.ini (configparser syntax: [SECTION], key = value, values
// continued on indented lines), as Drain3's TemplateMinerConfig reads them: [DRAIN] sim_th, depth,
// max_children, max_clusters, extra_delimiters, parametrize_numeric_tokens; [MASKING] masking (a JSON
// list of {"regex_pattern", "mask_with"}), mask_prefix, mask_suffix.

import ZLBase
import ZLFormat

public struct Drain3Config: Sendable {
  public var masks: [MaskRule] = []
  public var maskPrefix = "<"
  public var maskSuffix = ">"
  public var drain = DrainConfig(depth: 4, similarityThreshold: 0.4, maxChildren: 100, maxClusters: 0)

  public init() {}

  /// Parses drain3.ini text. Unknown sections and keys are ignored, as Drain3 ignores them.
  /// - Throws: `DrainError.badDrain3Config` naming the key whose value is malformed (the caller names the file).
  public init(ini text: String) throws {
    var sections: [String: [String: String]] = [:]
    var section = ""
    var lastKey: String? = nil
    for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = String(raw).trimmingSuffixCR()
      let t = line.trimmingASCIISpace()
      if t.isEmpty || t.hasPrefix("#") || t.hasPrefix(";") { continue }
      if let first = line.first, first == " " || first == "\t", let k = lastKey {
        sections[section, default: [:]][k, default: ""] += "\n" + t
        continue
      }
      if t.hasPrefix("[") && t.hasSuffix("]") {
        section = String(t.dropFirst().dropLast())
        lastKey = nil
        continue
      }
      guard let eq = t.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
        throw DrainError(.badDrain3Config, "'\(t.prefix(40))' is not KEY = VALUE")
      }
      let key = String(t[..<eq]).trimmingASCIISpace().lowercased()
      sections[section, default: [:]][key] = String(t[t.index(after: eq)...]).trimmingASCIISpace()
      lastKey = key
    }
    let d = sections["DRAIN"] ?? [:]
    func num(_ k: String) throws -> Double? {
      guard let v = d[k] else { return nil }
      guard let x = Double(v), x.isFinite else { throw DrainError(.badDrain3Config, "[DRAIN] \(k) = '\(v)' is not a number") }
      return x
    }
    if let x = try num("sim_th") { drain.similarityThreshold = x }
    if let x = try num("depth") { drain.depth = Int(x) }
    if let x = try num("max_children") { drain.maxChildren = Int(x) }
    if let x = try num("max_clusters") { drain.maxClusters = Int(x) }
    if let v = d["parametrize_numeric_tokens"] { drain.parametrizeNumericTokens = ["true", "yes", "on", "1"].contains(v.lowercased()) }
    if let v = d["extra_delimiters"] {
      // A Python list literal such as ["_", "="]: read it as JSON after swapping quote styles.
      let json = v.replacingSingleQuotes()
      guard let list = (try? JSONParser().parse(json))?.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
        throw DrainError(.badDrain3Config, "[DRAIN] extra_delimiters = '\(v.prefix(40))' is not a list of strings")
      }
      drain.extraDelimiters = list.compactMap { $0.stringValue }
    }
    let m = sections["MASKING"] ?? [:]
    if let p = m["mask_prefix"] { maskPrefix = p }
    if let p = m["mask_suffix"] { maskSuffix = p }
    if let v = m["masking"] {
      guard let list = (try? JSONParser().parse(v))?.arrayValue else {
        throw DrainError(.badDrain3Config, "[MASKING] masking is not a JSON list")
      }
      masks = try list.map { item in
        guard let p = item["regex_pattern"]?.stringValue, let n = item["mask_with"]?.stringValue else {
          throw DrainError(.badDrain3Config, "[MASKING] an entry lacks regex_pattern or mask_with")
        }
        return MaskRule(name: n, pattern: p)
      }
    }
  }
}

extension String {
  func trimmingSuffixCR() -> String { hasSuffix("\r") ? String(dropLast()) : self }
  func replacingSingleQuotes() -> String { String(map { $0 == "'" ? "\"" : $0 }) }
}
