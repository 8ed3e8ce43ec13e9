/**
 * Robustness evaluation, Lipschitz estimates and detection, as plain records of
 * arrays and numbers (ready for JSON and plots).
 *
 * <ul>
 *   <li>{@link dev.lipreg.eval.Robustness}: error at fixed ε ({@link dev.lipreg.eval.ErrorCurve}) and per-image
 *       minimal adversarial distances ({@link dev.lipreg.eval.DistanceReport}, with medians, the minimum over
 *       attacks and the implied error-vs-ε curve).</li>
 *   <li>Lipschitz estimates: {@link dev.lipreg.eval.GradientNorms} (‖∇ₓℓ‖ over a dataset),
 *       {@link dev.lipreg.eval.PairwiseLipschitz} (lower bounds from pairs),
 *       {@link dev.lipreg.eval.LipschitzUpperBound} (product of layer norms by {@link dev.lipreg.eval.PowerIteration}
 *       on the true operators), {@link dev.lipreg.eval.CertifiedRadius}.</li>
 *   <li>Detection (the paper's §3): {@link dev.lipreg.eval.DetectionStatistic}, {@link dev.lipreg.eval.DetectionScores},
 *       {@link dev.lipreg.eval.Detector}, {@link dev.lipreg.eval.Roc}, and the detector-aware CW of
 *       {@link dev.lipreg.eval.DetectorPenalty}.</li>
 * </ul>
 * Long loops report to a {@link dev.lipreg.eval.Progress}.
 */
package dev.lipreg.eval;
