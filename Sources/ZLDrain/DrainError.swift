// DrainError: every error of the log front end's inputs — a header format, a masking rule, a
// session rule, a label file, a Drain3 state or drain3.ini — one code per check, like the format's
// CheckpointError. Loaders that know the file put its name in front (`naming`).

import ZLBase

/// Bad front-end input (exit 65): the check that failed (`code`) and what was found.
public struct DrainError: CodedError, Equatable {
  public enum Code: String, CaseIterable, Sendable {
    /// A header format that has no `<Content>`, repeats a field, or is not a valid pattern.
    case badLogFormat
    /// A masking rule whose pattern is not valid zl-re/1 or whose name is not allowed.
    case badMask
    /// A session rule that does not parse.
    case badSessionRule
    /// A session rule that reads a field (node, time) the log format does not have.
    case sessionRuleNeedsField
    /// A label file row that is not `KEY,LABEL` with a known label, or a file with no labels.
    case badLabelFile
    /// A Drain3 state that is not the plain-data shape Drain3 0.9.x writes, or is inconsistent.
    case badDrain3State
    /// A drain3.ini key whose value is malformed.
    case badDrain3Config
    /// A Drain state that Drain3 cannot represent exactly (export).
    case notRepresentableInDrain3
  }

  public let code: Code
  /// What was wrong, with found and expected values.
  public let detail: String

  public init(_ code: Code, _ detail: String) {
    self.code = code
    self.detail = detail
  }

}
