// DTypeConversion: `zl-pack convert --dtype` — re-encode every float tensor of TENS and GLOV as
// f32, f16, bf16 or per-row i8, measure the largest absolute change per tensor, and copy every
// other section byte for byte.

import ZLBase
import ZLFormat

public enum DTypeConversion {
  /// One converted tensor and the largest |new − old| over its values.
  public struct TensorReport: Sendable {
    public var section: SectionType
    public var name: String
    public var from: DType
    public var to: DType
    public var maxAbsError: Double
  }

  /// Converts and writes `output`; returns one report per float tensor.
  public static func convert(input: String, to dtype: DType, output: String) throws -> (ContainerInfo, [TensorReport]) {
    precondition(dtype.isFloating)
    let container = try ContainerReader.load(path: input)
    let checkpoint = try naming(input) { try Checkpoint.decode(container) }
    var reports: [TensorReport] = []
    func convertSet(_ set: TensorSet, _ section: SectionType) throws -> TensorSet {
      var out = TensorSet()
      for t in set.tensors {
        guard t.dtype.isFloating else {
          out.insert(t)
          continue
        }
        let c = t.converted(to: dtype)
        let a = t.floats(), b = c.floats()
        var m = 0.0
        for k in a.indices where a[k].isFinite {
          // A value the new type cannot hold (f16 above 65504) would become infinite: refused.
          if !b[k].isFinite {
            throw PackError(.brokenModel, "section \(section): tensor '\(t.name)' holds \(a[k]) at element \(k), beyond what \(dtype.name) can hold; nothing written")
          }
          m = max(m, abs(Double(a[k]) - Double(b[k])))
        }
        reports.append(TensorReport(section: section, name: t.name, from: t.dtype, to: dtype, maxAbsError: m))
        out.insert(c)
      }
      return out
    }
    var inputs: [SectionInput] = []
    for s in container.sections {
      switch s.entry.type {
      case .tensors:
        inputs.append(.known(.tensors, raw: try convertSet(checkpoint.tensors!, .tensors).encoded(alignment: Int(container.info.alignment))))
      case .glove:
        inputs.append(.known(.glove, raw: try convertSet(checkpoint.glove!.tensorSet, .glove).encoded(alignment: Int(container.info.alignment))))
      default:
        if !s.entry.isKnown && !s.entry.flags.contains(.safeToCopy) { continue }
        inputs.append(.copy(s))
      }
    }
    // The content's meaning is unchanged, so the file keeps its minor version.
    let info = try ContainerWriter.write(inputs, toFile: output, alignment: container.info.alignment,
                                         minimumMinor: min(container.info.minor, ZLCK.minor))
    return (info, reports)
  }
}
