// CheckpointError: one named error per rule of Formats/zlck-v1.md §9. The code names are stable
// (tests, vectors and the Python reader use them); the detail says what was found versus expected.

import ZLBase

/// A rejected checkpoint: the rule that failed (`code`) and what was found.
public struct CheckpointError: CodedError, Equatable {
  /// The rules of Formats/zlck-v1.md §9, in checking order.
  public enum Code: String, CaseIterable, Sendable {
    // Phase 1: header
    case fileTooSmall, badMagic, badByteOrderMark, unsupportedMajorVersion, badMinReaderVersion
    case requiresNewerReader, badHeaderSize, headerChecksumMismatch, unknownHeaderFlags, nonZeroReserved
    case badAlignment, badSectionEntrySize, tooManySections, truncatedFile, trailingBytes, fileTooLarge
    case badTableOffset
    // Phase 2: trailer
    case badTrailerMagic, trailerLengthMismatch, manifestDigestMismatch, contentDigestMismatch
    // Phase 3: table
    case badSectionType, unknownSectionFlags, unknownCodec, badCodecParameters, duplicateSection
    case sectionsOutOfOrder, sectionOverlap, sectionGap, sectionPastEnd, rawLengthMismatch
    case impossibleCompressionRatio, inflationBudgetExceeded, sectionTooLarge, wrongSectionFlags, unsupportedSectionVersion
    case gapBeforeTable
    // Phase 4: bodies
    case unknownCriticalSection, nonZeroPadding, sectionChecksumMismatch, inflateFailed, inflatedTooLong
    case inflatedTooShort, trailingCompressedData, sectionDigestMismatch
    // Phase 5: encodings
    case truncatedRecord, countExceedsData, badKey, duplicateKey, keysOutOfOrder, unknownValueType
    case badBool, invalidUTF8, stringTooLong, trailingRecordBytes, tooManyTensors, badTensorName
    case duplicateTensorName, tensorsOutOfOrder, unknownDType, badRank, zeroDimension, shapeOverflow
    case tensorSizeMismatch, tensorOverlap, tensorGap, tensorPastEnd, trailingTensorData, badQuantScale
    // Phase 6: schemas and model
    case missingKey, wrongValueType, badValue, lengthMismatch, notSorted, danglingReference
    case missingSection, modelMismatch
  }

  public let code: Code
  /// What was wrong, with found and expected values; starts with the object (section, key, tensor).
  public let detail: String

  public init(_ code: Code, _ detail: String) {
    self.code = code
    self.detail = detail
  }


  /// No hint line: a rejected file gets exactly one line on stderr (the detail says what to do
  /// where that is useful, e.g. which reader version is needed).
  public var hint: String? { nil }
}
