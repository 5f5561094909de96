// Arguments: a small imperative argument parser shared by zl-train, zl-pack and zl-score
// (no third-party packages). Long options as `--name value` or `--name=value`, short `-o value`,
// repeatable options, `--` to end options, and "-" as a positional (standard input).

import ZLBase

/// A command-line usage error (exit 64); printed with the command's usage line and a help pointer.
public struct UsageError: ToolError, Equatable {
  public let message: String
  public var usage: String?
  public var helpCommand: String?
  public var exitStatus: ExitStatus { .usage }
  public init(_ message: String, usage: String? = nil, helpCommand: String? = nil) {
    self.message = message
    self.usage = usage
    self.helpCommand = helpCommand
  }
}

/// Pulls options and positionals out of an argument list; `finish()` rejects anything left over,
/// suggesting the nearest option the command asked for.
public struct Arguments {
  private var items: [String?]
  private let usage: String
  private let helpCommand: String
  private var endOfOptions: Int
  /// Every option name the command asked about (for "did you mean" suggestions).
  private var known: [String] = []
  /// The names asked about as flags (options without a value).
  private var flags: Set<String> = []

  /// - Parameters:
  ///   - args: the arguments after the subcommand name.
  ///   - usage: the command's usage line, printed with every usage error.
  ///   - helpCommand: what to run for help, e.g. `zl-pack help inspect`.
  public init(_ args: [String], usage: String, helpCommand: String) {
    items = args
    self.usage = usage
    self.helpCommand = helpCommand
    endOfOptions = args.firstIndex(of: "--") ?? args.count
  }

  /// True when `name` appears among the options not yet consumed.
  public func contains(_ name: String) -> Bool {
    (0..<endOfOptions).contains { items[$0] == name || (items[$0]?.hasPrefix(name + "=") ?? false) }
  }

  /// Adds arguments before the others (defaults from a configuration file; the command line,
  /// checked with `contains`, wins).
  public mutating func prepend(_ extra: [String]) {
    items = extra.map { Optional($0) } + items
    endOfOptions += extra.count
  }

  /// True when help was asked for (`-h`, `--help`); consumes it.
  public mutating func wantsHelp() -> Bool { flag("-h", "--help") }

  public func error(_ message: String) -> UsageError {
    UsageError(message, usage: usage, helpCommand: helpCommand)
  }

  /// Consumes a boolean flag; true if it appeared (any number of times).
  public mutating func flag(_ names: String...) -> Bool {
    known += names
    flags.formUnion(names)
    var found = false
    for k in 0..<endOfOptions {
      if let a = items[k], names.contains(a) {
        items[k] = nil
        found = true
      }
    }
    return found
  }

  /// Consumes every occurrence of an option that takes a value, in order: `--name value`,
  /// `--name=value`, `-o value` and `-oVALUE` (a one-letter option with its value attached).
  public mutating func options(_ names: String...) throws -> [String] {
    known += names
    var values: [String] = []
    var k = 0
    while k < endOfOptions {
      guard let a = items[k] else {
        k += 1
        continue
      }
      if names.contains(a) {
        guard k + 1 < endOfOptions, let v = items[k + 1] else {
          throw error("option \(a) needs a value")
        }
        values.append(v)
        items[k] = nil
        items[k + 1] = nil
        k += 2
        continue
      }
      if let eq = a.firstIndex(of: "="), a.hasPrefix("--"), names.contains(String(a[..<eq])) {
        values.append(String(a[a.index(after: eq)...]))
        items[k] = nil
      } else if !a.hasPrefix("--"), a.count > 2, names.contains(String(a.prefix(2))), String(a.prefix(2)).count == 2 {
        values.append(String(a.dropFirst(2)))
        items[k] = nil
      }
      k += 1
    }
    return values
  }

  /// Consumes an option that may appear at most once.
  public mutating func option(_ names: String...) throws -> String? {
    var values: [String] = []
    for n in names { values += try options(n) }
    if values.count > 1 { throw error("option \(names[0]) given \(values.count) times") }
    return values.first
  }

  /// An option naming a file the command writes: `-` (standard output) is refused, since these
  /// outputs are written atomically to a named file.
  public mutating func outputFile(_ names: String...) throws -> String? {
    var values: [String] = []
    for n in names { values += try options(n) }
    if values.count > 1 { throw error("option \(names[0]) given \(values.count) times") }
    if values.first == "-" { throw error("\(names[0]) -: this output is written to a named file (atomically), not to standard output") }
    if values.first == "" { throw error("\(names[0]) needs a file name") }
    return values.first
  }

  /// An integer option within `range`.
  public mutating func int(_ name: String, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
    guard let s = try option(name) else { return nil }
    guard let v = Int(s), range.contains(v) else {
      throw error("option \(name): '\(s)' is not an integer in \(range.lowerBound)...\(range.upperBound)")
    }
    return v
  }

  /// A finite floating-point option within `range`.
  public mutating func double(_ name: String, in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws -> Double? {
    guard let s = try option(name) else { return nil }
    guard let v = Double(s), v.isFinite, range.contains(v) else {
      throw error("option \(name): '\(s)' is not a number in \(range.lowerBound)...\(range.upperBound)")
    }
    return v
  }

  /// An option whose value must be one of `choices`.
  public mutating func choice(_ name: String, _ choices: [String]) throws -> String? {
    guard let s = try option(name) else { return nil }
    guard choices.contains(s) else {
      throw error("option \(name): '\(s)' is not one of \(choices.joined(separator: ", "))")
    }
    return s
  }

  /// Returns the positionals and fails on any unconsumed option.
  /// - Parameters:
  ///   - min: fewest positionals accepted.
  ///   - max: most positionals accepted.
  ///   - names: how to call them in the error ("FILE").
  public mutating func finish(min: Int = 0, max: Int = Int.max, names: String = "argument") throws -> [String] {
    var positionals: [String] = []
    for k in 0..<items.count {
      guard let a = items[k] else { continue }
      if k == endOfOptions { continue }
      if k < endOfOptions && a.hasPrefix("-") && a != "-" {
        let name = a.firstIndex(of: "=").map { String(a[..<$0]) } ?? a
        if name != a && flags.contains(name) { throw error("\(name) takes no value (got '\(a)')") }
        if let near = Arguments.nearest(name, in: known) { throw error("unknown option '\(name)'; did you mean '\(near)'?") }
        throw error("unknown option '\(name)'")
      }
      positionals.append(a)
    }
    if positionals.count < min {
      throw error(min == 1 && max == 1 ? "missing \(names)" : "expected at least \(min) \(names)")
    }
    if positionals.count > max {
      throw error("unexpected argument '\(positionals[max])'")
    }
    return positionals
  }

  /// The known option closest to `name` by edit distance, if close enough to be a likely typo
  /// (at most a third of its length, and at least one edit shorter than the name itself).
  public static func nearest(_ name: String, in known: [String]) -> String? {
    let a = Array(name.utf8)
    var best: (String, Int)? = nil
    for k in Set(known).sorted() {
      let d = editDistance(a, Array(k.utf8))
      if best == nil || d < best!.1 { best = (k, d) }
    }
    guard let (k, d) = best, d <= max(1, (a.count - 2) / 3) else { return nil }
    return k
  }

  /// Levenshtein distance (insert, delete, substitute: cost 1 each).
  public static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    if a.isEmpty { return b.count }
    var prev = Array(0...b.count)
    var cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      cur[0] = i
      for j in stride(from: 1, through: b.count, by: 1) {
        cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      swap(&prev, &cur)
    }
    return prev[b.count]
  }
}
