// ParserOptions: the front-end flags shared by parse, fit and eval (preset, log format, masks,
// Drain settings), resolved against a preset.

import ZLBase
import ZLCommandLine
import ZLDrain
import ZLFormat

struct ParserOptions {
  var preset: LogPreset?
  var settings: ParserSettings

  static let help = """
      --preset NAME          system preset: \(LogPresets.names.joined(separator: ", "))
      --log-format FMT       header format, e.g. '<Date> <Time> <Pid> <Level> <Component>: <Content>'
      --mask NAME=REGEX      masking rule (repeatable, in order; replaces the preset's); NAME '*' gives <*>
      --mask-prefix P        text before a mask name (default <)
      --mask-suffix S        text after a mask name (default >)
      --depth N              Drain depth (>= 3)
      --sim X                Drain similarity threshold (0-1)
      --max-children N       Drain max children per node (default 100)
      --max-clusters N       Drain template limit, least recently used evicted (0 = unlimited)
      --extra-delimiter D    also split tokens on D (repeatable)
    """

  /// Parses the shared flags. `detection` picks the preset's anomaly-detection settings.
  static func parse(_ args: inout Arguments, detection: Bool = false, flagPrefix: String = "") throws -> ParserOptions {
    let presetName = try args.option("--\(flagPrefix)preset")
    var preset: LogPreset? = nil
    if let n = presetName, n != "custom" {
      guard let p = LogPresets.named(n) else {
        throw args.error("unknown preset '\(n)'; presets: \(LogPresets.names.joined(separator: ", ")), custom")
      }
      preset = p
    }
    let format = try args.option("--\(flagPrefix)log-format")
    var base = (detection ? preset?.detection : nil) ?? preset?.parsing
    if base == nil {
      guard let f = format else { throw args.error("give --\(flagPrefix)log-format or --\(flagPrefix)preset") }
      base = ParserSettings(logFormat: f, masks: [], drain: DrainConfig(depth: 4, similarityThreshold: 0.4))
    }
    var s = base!
    if let f = format { s.logFormat = f }
    let masks = try args.options("--\(flagPrefix)mask")
    if !masks.isEmpty {
      s.masks = try masks.map { m in
        guard let eq = m.firstIndex(of: "="), eq != m.startIndex else { throw args.error("--mask '\(m)' is not NAME=REGEX") }
        return MaskRule(name: String(m[..<eq]), pattern: String(m[m.index(after: eq)...]))
      }
    }
    if let p = try args.option("--\(flagPrefix)mask-prefix") { s.maskPrefix = p }
    if let p = try args.option("--\(flagPrefix)mask-suffix") { s.maskSuffix = p }
    if let d = try args.int("--\(flagPrefix)depth", in: 3...64) { s.drain.depth = d }
    if let x = try args.double("--\(flagPrefix)sim", in: 0...1) { s.drain.similarityThreshold = x }
    if let n = try args.int("--\(flagPrefix)max-children", in: 1...1_000_000) { s.drain.maxChildren = n }
    if let n = try args.int("--\(flagPrefix)max-clusters", in: 0...100_000_000) { s.drain.maxClusters = n }
    let extra = try args.options("--\(flagPrefix)extra-delimiter")
    if !extra.isEmpty { s.drain.extraDelimiters = extra }
    for m in s.masks where m.name.isEmpty || m.name.utf8.count > 64 || !m.name.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2A }) {
      throw args.error("mask name '\(m.name)' is not 1-64 characters of [A-Za-z0-9_*]")
    }
    // Validate now, so a bad pattern or format is a usage error before any input is read.
    do { _ = try LogParser(settings: s) } catch {
      throw args.error("\(error)")
    }
    return ParserOptions(preset: preset, settings: s)
  }
}
