import Descent
import DescentNN
import DescentOptimizers

/// SophiaG's one extra call in ``Trainer``: the Gauss–Newton–Bartlett (GNB) estimate of the
/// Hessian diagonal, from the gradient of the loss on labels sampled from the model itself.
///
/// ```
/// after every k-th completed step t (k = SophiaG.hessianUpdateInterval), at the start of step t+1,
/// at the parameters θ_t and on step t+1's batch x:
///   z ← f(θ_t; x)                     (logits, one row per prediction)
///   ŷ ~ Categorical(softmax(z))       (SophiaG.sampleLabels, seeded by (seed, t))
///   ĝ ← ∇_θ mean crossEntropy(f(θ; x), ŷ) at θ_t
///   SophiaG.updateHessianEstimate(ĝ)  (folded as h ← β₂h + (1 − β₂) ĝ⊙ĝ by step t+1)
/// ```
///
/// This is the official loop's order (Liuhong99/Sophia, `train_sophiag.py`): after
/// `optimizer.step()` of iteration `iter % k == k − 1`, the script evaluates the model on the
/// batch it has already fetched for the next iteration, samples `y_sample` from
/// `Categorical(logits=logits)`, back-propagates the mean cross-entropy on it and calls
/// `update_hessian()`, which the next step uses. Running it at the start of step t+1 rather than
/// at the end of step t uses the same parameters and batch, and makes a resumed run exact: the
/// estimate is recomputed from checkpointed state (parameters, step, seed), not stored.
///
/// The sampled labels are drawn once, from the detached logits of the same forward pass whose
/// graph gives ĝ (one forward and one backward pass every k steps).
///
/// Deviation: the official script clips ĝ to norm 1 (`clip_grad_norm_`, its `grad_clip`) before
/// `update_hessian()`, as it clips every gradient; ``Trainer`` clips no gradient, so ĝ is not
/// clipped either.
///
/// Paper: Liu, Li, Hall, Liang & Ma, "Sophia: A Scalable Stochastic Second-order Optimizer for
/// Language Model Pre-training" (ICLR 2024, arXiv:2305.14342), Algorithm 2 (GNB estimator).
struct SampledLabelHessianEstimate {
  let sophia: SophiaG
  let seed: UInt64

  /// Nil unless `transformation` is SophiaG (the catalogue's `sophia`).
  init?(_ transformation: any GradientTransformation, seed: UInt64) {
    guard let sophia = transformation as? SophiaG else { return nil }
    self.sophia = sophia
    self.seed = seed
  }

  /// Hands SophiaG the estimate at `parameters` when `completedSteps` is a multiple of k.
  /// `logits` gives the model's logits on the step's batch, `[predictions, classes]`.
  func update(
    completedSteps: Int, parameters: ParameterTree, logits: (ParameterTree) -> Tensor
  ) {
    guard completedSteps > 0, sophia.shouldUpdateHessianEstimate(afterStep: completedSteps)
    else { return }
    let labelSeed = Self.mix(seed, UInt64(completedSteps))
    let gradient = grad(
      of: { p in
        let z = logits(p)
        let sampled = SophiaG.sampleLabels(logits: z.detached(), seed: labelSeed)
        return crossEntropy(logits: z, labels: sampled)
      }, at: parameters)
    sophia.updateHessianEstimate(gradientOnSampledLabels: gradient)
  }

  /// SplitMix64 of the run's seed (in a stream of its own) and the step.
  static func mix(_ seed: UInt64, _ step: UInt64) -> UInt64 {
    var z = (seed ^ 0x6A5D_39EA_E116_586D) &+ step &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
