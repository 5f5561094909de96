// InputFit: how well the lines fit the model — the shares of lines whose header does not match its
// log format, of lines no trained template matches, and of binary lines (a NUL byte, or not UTF-8) —
// said once, with the figures, when past a threshold: scoring the wrong logs with a model (HDFS lines
// with a BGL model, a compressed or binary file) otherwise looks like a flood of anomalies.

import ZLBase

public struct InputFit {
  /// Lines read before the first verdict (and at the end of input, at least `minimumLines`).
  public static let firstCheck = 1000
  public static let minimumLines = 20
  /// Shares past which the input does not fit.
  public static let maxUnmatchedFormat = 0.5
  public static let maxNewTemplates = 0.5
  public static let maxBinary = 0.01

  private(set) var said = false
  public init() {}

  /// The verdict on what the front end has read so far: nil when it fits (or was already said).
  public mutating func check(_ fe: FrontEnd, logFormat: String) -> String? {
    let n = fe.lines
    guard !said, n >= InputFit.minimumLines else { return nil }
    let unmatched = Double(fe.parser.unmatchedFormatLines) / Double(n)
    let new = Double(fe.newTemplateLines) / Double(n)
    let binary = Double(fe.binaryLines) / Double(n)
    var parts: [String] = []
    if binary > InputFit.maxBinary { parts.append("\(fixed(100 * binary, 1)) % are binary (a NUL byte, or not UTF-8)") }
    if unmatched > InputFit.maxUnmatchedFormat { parts.append("\(fixed(100 * unmatched, 1)) % do not match the model's log format '\(logFormat)'") }
    if new > InputFit.maxNewTemplates { parts.append("\(fixed(100 * new, 1)) % match no template the model was trained on") }
    guard !parts.isEmpty else { return nil }
    said = true
    return "of the first \(grouped(n)) lines, " + parts.joined(separator: ", ") + ": are these the logs the model was trained for?"
  }
}

/// The input does not fit the model (`--strict`).
public struct InputMismatch: ToolError {
  public let message: String
  public init(_ m: String) { message = m }
  public var exitStatus: ExitStatus { .dataError }
}
