// PackError: what the whole-checkpoint operations refuse — a metadata edit that is not a typed
// assignment or would change what the tensors mean, a bundle (checkpoint.json and the files it
// names) that does not describe a checkpoint — one code per check. zl-pack decides which of these
// are usage errors (its own arguments) and which are bad data (a file).

import ZLBase

public struct PackError: CodedError, Equatable {
  public enum Code: String, CaseIterable, Sendable {
    /// `KEY=VALUE` that does not parse, or a value that is not of the key's type.
    case badAssignment
    /// A key that describes the tensors (`general.architecture`, `model.*`), changed without --force.
    case protectedKey
    /// A key to delete that is not there.
    case unknownKey
    /// An edit that would leave META without `general.architecture`.
    case missingArchitecture
    /// checkpoint.json that is not the `zlck-extract/1` form, or a piece it names that is malformed.
    case badBundle
    /// A section an operation needs is not in the checkpoint.
    case missingSection
    /// An edit (even with --force) that would leave a model failing its own checks.
    case brokenModel
    /// An import (PyTorch weights and settings) that does not make a model: a missing or mis-shaped
    /// tensor, a settings key that is unknown or malformed.
    case badImport
  }

  public let code: Code
  public let detail: String

  public init(_ code: Code, _ detail: String) {
    self.code = code
    self.detail = detail
  }

}
