// ModelProfile: the `zl.bigru-attn` model profile of zlck-v1.md Appendix A — hyper-parameters
// read from META, the tensor names and shapes they imply, and the cross-checks that make a file
// format-valid but model-invalid fail at load (modelMismatch), never at scoring time. Shared by the
// network (ZLModel), the scorer (ZLScoring), training and zl-pack, so none imports another for it.

import ZLBase
import ZLFormat

/// Attention pooling variants.
public enum AttentionKind: String, Sendable {
  case additive
  case qkv
}

/// Hyper-parameters of a `zl.bigru-attn` model.
public struct ModelHyperParameters: Equatable, Sendable {
  public var inputSize: Int
  public var hiddenSize: Int
  public var layers: Int
  public var bidirectional: Bool
  public var attention: AttentionKind
  public var classes: Int
  public var maxLength: Int
  /// Per-event severity features after each event vector (0, or 3: the LEVL thermometer code);
  /// `inputSize` counts them (the event vectors are `inputSize - severityFeatures` wide).
  public var severityFeatures: Int

  public init(inputSize: Int, hiddenSize: Int = 100, layers: Int = 2, bidirectional: Bool = true,
              attention: AttentionKind = .additive, classes: Int = 2, maxLength: Int = 500, severityFeatures: Int = 0) {
    self.severityFeatures = severityFeatures
    self.inputSize = inputSize
    self.hiddenSize = hiddenSize
    self.layers = layers
    self.bidirectional = bidirectional
    self.attention = attention
    self.classes = classes
    self.maxLength = maxLength
  }

  /// Directions: 2 when bidirectional.
  public var directions: Int { bidirectional ? 2 : 1 }
  /// Width of the sequence representation (D·H).
  public var featureSize: Int { directions * hiddenSize }

  /// The META keys of Appendix A.
  public var record: Record {
    Record([
      ("model.input_size", .uint(UInt64(inputSize))), ("model.hidden_size", .uint(UInt64(hiddenSize))),
      ("model.layers", .uint(UInt64(layers))), ("model.bidirectional", .bool(bidirectional)),
      ("model.attention", .string(attention.rawValue)), ("model.classes", .uint(UInt64(classes))),
      ("model.max_length", .uint(UInt64(maxLength))),
    ] + (severityFeatures > 0 ? [("model.severity_features", .uint(UInt64(severityFeatures)))] : []))
  }

  /// Width of the event vectors (the GLOV dimension).
  public var eventVectorSize: Int { inputSize - severityFeatures }
}

public enum ModelProfile {
  public static let architecture = "zl.bigru-attn"

  /// Reads and range-checks the Appendix A keys of META.
  /// - Throws: `CheckpointError` (missingKey, wrongValueType, badValue).
  public static func hyperParameters(from meta: Record) throws -> ModelHyperParameters {
    func value(_ k: String) throws -> Value {
      guard let v = meta[k] else { throw CheckpointError(.missingKey, "section META: required key '\(k)' is missing") }
      return v
    }
    func uint(_ k: String, _ range: ClosedRange<UInt64>) throws -> Int {
      let v = try value(k)
      guard case .uint(let x) = v else { throw CheckpointError(.wrongValueType, "section META: key '\(k)' is \(v.typeName), expected u64") }
      guard range.contains(x) else { throw CheckpointError(.badValue, "section META: key '\(k)' is \(x), expected \(range.lowerBound)-\(range.upperBound)") }
      return Int(x)
    }
    let input = try uint("model.input_size", 1...65_536)
    let hidden = try uint("model.hidden_size", 1...65_536)
    let layers = try uint("model.layers", 1...8)
    let bv = try value("model.bidirectional")
    guard case .bool(let bidirectional) = bv else { throw CheckpointError(.wrongValueType, "section META: key 'model.bidirectional' is \(bv.typeName), expected bool") }
    let av = try value("model.attention")
    guard case .string(let a) = av else { throw CheckpointError(.wrongValueType, "section META: key 'model.attention' is \(av.typeName), expected string") }
    guard let attention = AttentionKind(rawValue: a) else { throw CheckpointError(.badValue, "section META: key 'model.attention' is '\(a)', expected additive or qkv") }
    let classes = try uint("model.classes", 2...2)
    let maxLength = try uint("model.max_length", 1...1_000_000)
    // Optional (format 1.1): 0 when absent, as in every 1.0 file.
    let severity = meta["model.severity_features"] == nil ? 0 : try uint("model.severity_features", 0...3)
    if severity != 0 && severity != 3 { throw CheckpointError(.badValue, "section META: key 'model.severity_features' is \(severity); zl-levels/1 features are 0 (none) or 3") }
    if severity >= input { throw CheckpointError(.badValue, "section META: key 'model.severity_features' (\(severity)) leaves no room for event vectors in model.input_size \(input)") }
    return ModelHyperParameters(inputSize: input, hiddenSize: hidden, layers: layers, bidirectional: bidirectional,
                                attention: attention, classes: classes, maxLength: maxLength, severityFeatures: severity)
  }

  /// The scoring tensors of a model, in name order, with their shapes.
  public static func expectedShapes(_ hp: ModelHyperParameters) -> [(String, [Int])] {
    var out: [(String, [Int])] = []
    let h = hp.hiddenSize, d = hp.directions
    for l in 0..<hp.layers {
      for suffix in (hp.bidirectional ? ["", "_reverse"] : [""]) {
        let inSize = l == 0 ? hp.inputSize : d * h
        out.append(("gru.weight_ih_l\(l)\(suffix)", [3 * h, inSize]))
        out.append(("gru.weight_hh_l\(l)\(suffix)", [3 * h, h]))
        out.append(("gru.bias_ih_l\(l)\(suffix)", [3 * h]))
        out.append(("gru.bias_hh_l\(l)\(suffix)", [3 * h]))
      }
    }
    let f = hp.featureSize
    switch hp.attention {
    case .additive:
      out.append(("attention.guide", [f]))
      out.append(("attention.weight", [2 * f]))
      out.append(("attention.bias", [1]))
    case .qkv:
      out.append(("attention.query", [f, f]))
      out.append(("attention.key", [f, f]))
      out.append(("attention.value", [f, f]))
    }
    out.append(("classifier.weight", [hp.classes, f]))
    out.append(("classifier.bias", [hp.classes]))
    return out.sorted { bytewiseLess($0.0.utf8, $1.0.utf8) }
  }

  /// Checks a model's metadata and weights against the profile: architecture, hyper-parameters,
  /// and every tensor's presence, dtype and shape. (The GloVe dimension against the input size is
  /// the whole checkpoint's check: ZLCheckpoint.)
  /// - Throws: `CheckpointError` (modelMismatch, META key errors).
  public static func validate(metadata meta: Record, tensors: TensorSet) throws -> ModelHyperParameters {
    guard architecture(of: meta) == architecture else {
      throw CheckpointError(.modelMismatch, "section META: general.architecture is '\(architecture(of: meta) ?? "")'; this reader implements \(architecture)")
    }
    let hp = try hyperParameters(from: meta)
    let expected = expectedShapes(hp)
    let names = Set(expected.map { $0.0 })
    for t in tensors.tensors where !names.contains(t.name) && !t.name.hasPrefix("domain.") && !t.name.hasPrefix("optimizer.") {
      throw CheckpointError(.modelMismatch, "section TENS: tensor '\(t.name)' is not part of \(architecture) with these hyper-parameters")
    }
    for (name, shape) in expected {
      guard let t = tensors[name] else {
        throw CheckpointError(.modelMismatch, "section TENS: tensor '\(name)' \(shape) is missing for \(architecture) (hidden \(hp.hiddenSize), layers \(hp.layers))")
      }
      if !t.dtype.isFloating { throw CheckpointError(.modelMismatch, "section TENS: tensor '\(name)' is \(t.dtype.name), expected a float dtype") }
      if t.shape != shape {
        throw CheckpointError(.modelMismatch, "section TENS: tensor '\(name)' has shape \(t.shape), expected \(shape) from the META hyper-parameters")
      }
    }
    return hp
  }

  /// The model architecture a META record names, if any.
  public static func architecture(of meta: Record) -> String? {
    if case .string(let s)? = meta["general.architecture"] { return s }
    return nil
  }
}

/// The `zl.hybrid` profile (zlck-v1.md Appendix C): a model that decides by its hybrid evidence alone
/// (THRS `hybrid`, `hybrid.network` none), with no network: no TENS, GLOV or VOCB are needed.
public enum HybridProfile {
  public static let architecture = "zl.hybrid"
}
