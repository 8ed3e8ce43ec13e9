/**
 * Adversarial attacks on batches of images in [0,1], on any backend.
 *
 * <p>Every attack implements {@link dev.lipreg.attacks.Attack} and returns an
 * {@link dev.lipreg.attacks.AttackResult} (adversarial images in the caller's
 * scope, per-image success, ℓ2 and ℓ∞ distances, wall time). Fixed-budget
 * attacks ({@link dev.lipreg.attacks.FixedBudgetAttack}: {@link dev.lipreg.attacks.Fgsm},
 * {@link dev.lipreg.attacks.Pgd} incl. BIM, {@link dev.lipreg.attacks.Apgd}) take
 * one ε per image; minimal-distance attacks ({@link dev.lipreg.attacks.CarliniWagnerL2},
 * {@link dev.lipreg.attacks.DeepFool}, {@link dev.lipreg.attacks.BoundaryAttack})
 * search for the closest adversarial. The Boundary attack sees the model only
 * through a {@link dev.lipreg.attacks.LabelOracle}.
 */
package dev.lipreg.attacks;
