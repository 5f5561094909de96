// Drain3Config: the settings in a drain3.ini (configparser syntax, INIFile), as Drain3's
// TemplateMinerConfig reads them: [DRAIN] sim_th, depth, max_children, max_clusters,
// extra_delimiters, parametrize_numeric_tokens; [MASKING] masking (a JSON list of
// {"regex_pattern", "mask_with"}), mask_prefix, mask_suffix.

import ZLBase
import ZLFormat

public struct Drain3Config: Sendable {
  public var masks: [MaskRule] = []
  public var maskPrefix = "<"
  public var maskSuffix = ">"
  public var drain = DrainConfig(depth: 4, similarityThreshold: 0.4, maxChildren: 100, maxClusters: 0)

  public init() {}

  /// Reads drain3.ini text as Drain3 0.9.x's TemplateMinerConfig.load does (configparser; see
  /// INIFile): [DRAIN] sim_th, depth, max_children, max_clusters, extra_delimiters,
  /// parametrize_numeric_tokens; [MASKING] masking, mask_prefix, mask_suffix. Absent keys keep
  /// Drain3's defaults; other sections and keys are ignored, as Drain3 ignores them.
  /// - Throws: `DrainError.badDrain3Config` naming the line or key (the caller names the file).
  public init(ini text: String) throws {
    let ini = try INIFile(text)
    func number(_ k: String) throws -> Double? {
      guard let v = try ini.value("DRAIN", k) else { return nil }
      guard let x = Double(v), x.isFinite else { throw DrainError(.badDrain3Config, "[DRAIN] \(k) = '\(v.prefix(40))' is not a number") }
      return x
    }
    func integer(_ k: String) throws -> Int? {
      guard let v = try ini.value("DRAIN", k) else { return nil }
      guard let x = Int(v) else { throw DrainError(.badDrain3Config, "[DRAIN] \(k) = '\(v.prefix(40))' is not an integer") }
      return x
    }
    if let x = try number("sim_th") { drain.similarityThreshold = x }
    if let x = try integer("depth") { drain.depth = x }
    if let x = try integer("max_children") { drain.maxChildren = x }
    if let x = try integer("max_clusters") { drain.maxClusters = x }
    if let v = try ini.value("DRAIN", "parametrize_numeric_tokens") {
      // configparser's getboolean: these words only, in any case.
      switch v.lowercased() {
      case "1", "yes", "true", "on": drain.parametrizeNumericTokens = true
      case "0", "no", "false", "off": drain.parametrizeNumericTokens = false
      default: throw DrainError(.badDrain3Config, "[DRAIN] parametrize_numeric_tokens = '\(v.prefix(40))' is not a boolean")
      }
    }
    if let v = try ini.value("DRAIN", "extra_delimiters") {
      // A Python list literal such as ["_", "="]: read it as JSON after swapping quote styles.
      let json = v.replacingSingleQuotes()
      guard let list = (try? JSONParser().parse(json))?.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
        throw DrainError(.badDrain3Config, "[DRAIN] extra_delimiters = '\(v.prefix(40))' is not a list of strings")
      }
      drain.extraDelimiters = list.compactMap { $0.stringValue }
    }
    if let p = try ini.value("MASKING", "mask_prefix") { maskPrefix = p }
    if let p = try ini.value("MASKING", "mask_suffix") { maskSuffix = p }
    if let v = try ini.value("MASKING", "masking") {
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
  func replacingSingleQuotes() -> String { String(map { $0 == "'" ? "\"" : $0 }) }
}
