// Detection metrics against hand-computed values (and scikit-learn's definitions: roc_auc_score,
// average_precision_score).

import Testing
import ZLTraining

@Test func confusionPrecisionRecallF1() {
  let m = DetectionMetrics(scores: [0.9, 0.8, 0.4, 0.3, 0.6, 0.1], labels: [true, false, true, false, true, false], threshold: 0.5)
  #expect(m.tp == 2 && m.fp == 1 && m.fn == 1 && m.tn == 2)
  #expect(abs(m.precision - 200.0 / 3) < 1e-12 && abs(m.recall - 200.0 / 3) < 1e-12 && abs(m.f1 - 200.0 / 3) < 1e-12)
}

@Test func aucValues() {
  // sklearn: roc_auc_score([1,0,1,0,1,0], [.9,.8,.4,.3,.6,.1]) = 0.7777..., average_precision = 0.8055...
  let m = DetectionMetrics(scores: [0.9, 0.8, 0.4, 0.3, 0.6, 0.1], labels: [true, false, true, false, true, false], threshold: 0.5)
  #expect(abs(m.rocAUC! - 7.0 / 9) < 1e-12)
  #expect(abs(m.prAUC! - (1.0 / 3 * 1 + 1.0 / 3 * 2.0 / 3 + 1.0 / 3 * 3.0 / 4)) < 1e-12)
  // Ties count half.
  let t = DetectionMetrics(scores: [0.5, 0.5], labels: [true, false], threshold: 0.5)
  #expect(t.rocAUC == 0.5)
  // One class only: no AUC; nothing predicted: precision 0 (not NaN).
  let one = DetectionMetrics(scores: [0.1, 0.2], labels: [false, false], threshold: 0.5)
  #expect(one.rocAUC == nil && one.precision == 0 && one.f1 == 0)
}

@Test func bestThresholdIsF1Optimal() {
  let s = [0.9, 0.8, 0.4, 0.3, 0.6, 0.1], y = [true, false, true, false, true, false]
  let t = DetectionMetrics.bestF1Threshold(scores: s, labels: y)
  let best = DetectionMetrics(scores: s, labels: y, threshold: t).f1
  for c in stride(from: 0.05, to: 1, by: 0.05) { #expect(DetectionMetrics(scores: s, labels: y, threshold: c).f1 <= best + 1e-12) }
}
