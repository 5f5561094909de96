// InterchangeError: what is wrong with a file in a format other tools use — a safetensors file, or
// the typed JSON form of records (`zl-pack extract` / `build`) — one code per check. The loaders
// that know the file put its name in front (`naming`).

import ZLBase

/// A rejected interchange file (exit 65): the check that failed and what was found.
public struct InterchangeError: CodedError, Equatable {
  public enum Code: String, CaseIterable, Sendable {
    // safetensors (the checks of the safetensors library's own reader, plus zl's dtype and rank limits)
    case tooShort, headerTooLarge, headerPastEnd, headerNotJSON, duplicateKey, badMetadata, missingField
    case badDimension, offsetsOutOfRange, gapOrOverlap, unsupportedDType, badRank, zeroDimension, badTensorName
    case shapeOverflow, sizeMismatch, missingScales, badScales, notSafetensors
    // typed JSON records
    case notAnObject, badKey, missingTypeOrValue, badTypedValue, unknownType
  }

  public let code: Code
  public let detail: String

  public init(_ code: Code, _ detail: String) {
    self.code = code
    self.detail = detail
  }

}
