// FitConfig: every setting of a training run, with defaults, a canonical record for the checkpoint's
// REPR section (one typed key per setting) and a fingerprint that ties a resume file to its run.

import ZLBase
import ZLDrain
import ZLFormat
import ZLModel
import ZLProfile
import ZLScoring

public enum ModelSelection: String, Sendable { case last, sourceValidationLoss = "source-val-loss" }

/// What `zl-train fit` builds: the hybrid detector (severity, the target's own structure and rarity,
/// and a network), or one of the papers' methods as published (a network alone).
public enum FitMethod: String, CaseIterable, Sendable {
  case hybrid
  case zerolog
  case metalog
  case zerologNoMeta = "zerolog-nometa"
  case supervised
}
public enum ThresholdMethod: String, Sendable { case fixed = "default", sourceValidationF1 = "source-validation-f1" }

public struct FitConfig: Sendable {
  /// The labelled system (the network's training data; a hybrid without a network needs none).
  public var source: SystemSpec?
  public var target: SystemSpec
  /// GloVe vectors for the network's event vectors (needed only with a network).
  public var glovePath: String?
  /// GloVe's most frequent words added to the subset, so unseen templates still embed.
  public var gloveTopWords = 2000
  public var method: FitMethod = .hybrid
  /// The hybrid's network: how it is trained, and whether its probability is evidence in the score.
  public var hybridNetworkMethod: TrainingMethod = .zerolog
  public var hybridNetworkRole: HybridDecision.NetworkRole = .none
  /// Epochs of self-training (the hybrid's decisions on the target's adaptation sessions as labels).
  public var selfTrainEpochs = 0
  /// True when the method trains a network (every paper method; the hybrid when its network takes part).
  public var needsNetwork: Bool { method != .hybrid || hybridNetworkRole != .none }

  /// How the network is trained (the method itself, or the hybrid's network method).
  public var networkMethod: TrainingMethod { method == .hybrid ? hybridNetworkMethod : TrainingMethod(rawValue: method.rawValue)! }
  public var metaOrder = 1
  public var epochs = 10
  public var batchSize = 128
  public var seed: UInt64 = 1
  public var threads = 1
  public var hiddenSize = 100
  public var layers = 2
  public var bidirectional = true
  public var attention: AttentionKind = .additive
  public var maxLength = 500
  public var learningRate = 3e-3
  public var domainLearningRate = 3e-3
  public var meta = MetaConfig()
  public var layerDropout = 0.0
  public var domainDropout = 0.3
  /// Source normals kept per source anomaly (the reference's balanced source); 0 keeps all.
  public var sourceNormalRatio = 1.0
  /// Share of labelled source sessions held out for validation (threshold, selection, report).
  public var sourceValidationFraction = 0.2
  /// Share of target sessions held out as the test part, never seen in training.
  public var targetTestFraction = 0.5
  /// MetaLog: share of the target adaptation part whose labels training may read.
  public var targetLabelFraction = 0.0
  /// Per-event severity features (LEVL, zl-levels/1) beside the event vectors.
  public var severity = false
  public var selection: ModelSelection = .last
  /// Seeded held-out splits evaluated (the k-th is the run with seed + k; the first's model is written).
  public var splits = 1
  public var thresholdMethod: ThresholdMethod = .fixed
  /// At most this many sessions of each system are used (seeded, stratified by label); nil: all.
  public var maxSessions: Int?

  public init(source: SystemSpec?, target: SystemSpec, glovePath: String?) {
    self.source = source
    self.target = target
    self.glovePath = glovePath
  }

  /// Settings that do not go together, as sentences (empty when the settings can train). The command
  /// line reports the first as a usage error; `FitRun.run` refuses to start with it.
  public func settingsProblems() -> [String] {
    var out: [String] = []
    if needsNetwork {
      if let s = source {
        if !s.hasLabels { out.append("source has no labels: give --source-labels CSV or a preset with inline labels") }
      } else {
        out.append("method \(method.rawValue)\(method == .hybrid ? " with a network" : "") needs labelled source logs: give --source LOG")
      }
      if glovePath == nil { out.append("method \(method.rawValue)\(method == .hybrid ? " with a network" : "") needs word vectors: give --glove FILE") }
    }
    if networkMethod == .metalog && !(targetLabelFraction > 0) { out.append("method metalog needs --target-label-fraction X > 0") }
    if networkMethod == .metalog && !target.hasLabels {
      out.append("method metalog needs target labels (--target-labels or an inline-label preset)")
    }
    return out
  }

  public var hyperParameters: ModelHyperParameters {
    ModelHyperParameters(inputSize: 0, hiddenSize: hiddenSize, layers: layers, bidirectional: bidirectional, attention: attention,
                         maxLength: maxLength, severityFeatures: severity ? Severity.featureCount : 0)
  }

  /// The canonical settings, one typed key each (REPR `train.*`).
  public var record: [(String, Value)] {
    func sys(_ p: String, _ s: SystemSpec) -> [(String, Value)] {
      [("train.\(p).preset", .string(s.presetName)), ("train.\(p).log_format", .string(s.settings.logFormat)),
       ("train.\(p).masks", .strings(s.settings.masks.map { "\($0.name)=\($0.pattern)" })),
       ("train.\(p).drain_depth", .uint(UInt64(s.settings.drain.depth))),
       ("train.\(p).drain_sim", .double(s.settings.drain.similarityThreshold)),
       ("train.\(p).sessions", .string(s.session.rule.description)),
       ("train.\(p).level_field", .string(s.levelField ?? "")),
       ("train.\(p).max_events", .uint(UInt64(s.session.maxEvents))),
       ("train.\(p).labels", .string(s.labelFile != nil ? "file" : s.inlineLabelField != nil ? "inline:\(s.inlineLabelField!)" : "none"))]
    }
    var out = (source.map { sys("source", $0) } ?? []) + sys("target", target) + [
      ("train.method", .string(method.rawValue)),
      ("train.target_test_fraction", .double(targetTestFraction)),
    ]
    // Only when set, so models trained without it keep their bytes.
    if let n = maxSessions { out.append(("train.max_sessions", .uint(UInt64(n)))) }
    if method == .hybrid {
      out += [("train.hybrid.network", .string(hybridNetworkRole.rawValue)),
              ("train.hybrid.pca_variance", .double(TargetDetectors.variance)), ("train.hybrid.pca_alpha", .double(TargetDetectors.alpha)),
              ("train.hybrid.rarity_rate", .double(TargetDetectors.rarityRate)),
              ("train.hybrid.sessions_per_column", .uint(UInt64(TargetDetectors.sessionsPerColumn)))]
    }
    guard needsNetwork else { return out }
    return out + [
      ("train.network_method", .string(networkMethod.rawValue)), ("train.meta_order", .uint(UInt64(metaOrder))),
      ("train.epochs", .uint(UInt64(epochs))), ("train.batch_size", .uint(UInt64(batchSize))),
      ("train.learning_rate", .double(learningRate)), ("train.domain_learning_rate", .double(domainLearningRate)),
      ("train.alpha", .double(meta.alpha)), ("train.beta", .double(meta.beta)), ("train.gamma", .double(meta.gamma)),
      ("train.inner_lr", .double(meta.innerLR)), ("train.reversal", .double(meta.reversal)),
      ("train.layer_dropout", .double(layerDropout)), ("train.domain_dropout", .double(domainDropout)),
      ("train.source_normal_ratio", .double(sourceNormalRatio)), ("train.source_validation_fraction", .double(sourceValidationFraction)),
      ("train.target_label_fraction", .double(targetLabelFraction)),
      ("train.selection", .string(selection.rawValue)), ("train.threshold_method", .string(thresholdMethod.rawValue)),
      ("train.glove_top_words", .uint(UInt64(gloveTopWords))), ("train.hidden_size", .uint(UInt64(hiddenSize))),
      ("train.layers", .uint(UInt64(layers))), ("train.bidirectional", .bool(bidirectional)),
      ("train.attention", .string(attention.rawValue)), ("train.max_length", .uint(UInt64(maxLength))),
      ("train.severity", .bool(severity)), ("train.self_train_epochs", .uint(UInt64(selfTrainEpochs))),
    ]
  }

  public var settingsJSON: JSON { .object(record.map { (String($0.0.dropFirst(6)), $0.1.json) }) }
}
