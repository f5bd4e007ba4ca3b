import Descent

// Loss functions with PyTorch's definitions (`torch.nn.functional`). Each is a composition of
// differentiable core ops (plain cross-entropy: the fused `Tensor.softmaxCrossEntropy`, whose
// higher-order derivatives fall back to its composite form), so derivatives of every order exist.

/// How per-element losses are combined, PyTorch's `reduction`.
public enum Reduction: Sendable {
  /// The mean over elements (for cross-entropy and NLL: over the counted targets).
  case mean
  case sum
  /// The per-element losses.
  case none
}

private func reduce(_ losses: Tensor, _ reduction: Reduction) -> Tensor {
  switch reduction {
  case .mean: losses.mean()
  case .sum: losses.sum()
  case .none: losses
  }
}

private func checkLabels(_ scores: Tensor, _ labels: Tensor, _ name: String) {
  precondition(
    labels.dtype == .int32, "\(name): labels must be int32 class indices, got \(labels.dtype)")
  precondition(
    scores.rank >= 1 && Array(scores.shape.dropLast()) == labels.shape,
    "\(name): scores \(scores.shape) must be labels' shape \(labels.shape) plus a class axis")
}

/// Negative log-likelihood, `F.nll_loss`: `−logProbabilities[…, labels[…]]`, reduced.
///
/// `logProbabilities` is `[…, C]` with the classes on the *last* axis (PyTorch puts them on axis 1
/// for rank > 2: transpose `[N, C, L]` to `[N, L, C]`); `labels` is `int32` with the leading shape.
/// Targets equal to `ignoreIndex` contribute 0 and are not counted by the mean (PyTorch's
/// `ignore_index`; the mean of an all-ignored batch is NaN, as there).
public func nllLoss(
  logProbabilities: Tensor, labels: Tensor, ignoreIndex: Int? = nil, reduction: Reduction = .mean
) -> Tensor {
  checkLabels(logProbabilities, labels, "nllLoss")
  let picked = negativeLogLikelihoods(logProbabilities, labels, ignoreIndex)
  return reduceCounted(picked.losses, picked.counted, reduction)
}

/// The per-target `−log p[label]` (0 where ignored) and the mask of counted targets.
private func negativeLogLikelihoods(_ logP: Tensor, _ labels: Tensor, _ ignoreIndex: Int?) -> (
  losses: Tensor, counted: Tensor?
) {
  guard let ignoreIndex else {
    let picked = logP.gather(axis: -1, indices: labels.unsqueezed(axis: labels.rank))
    return (-picked.squeezed(axes: [labels.rank]), nil)
  }
  let counted = labels .!= Double(ignoreIndex)
  let safeLabels = Descent.where(counted, labels, labels.scalar(0))
  let picked = logP.gather(axis: -1, indices: safeLabels.unsqueezed(axis: labels.rank))
    .squeezed(axes: [labels.rank])
  return (Descent.where(counted, -picked, 0), counted)
}

/// `reduction` of `losses`, where the mean divides by the number of counted targets.
private func reduceCounted(_ losses: Tensor, _ counted: Tensor?, _ reduction: Reduction) -> Tensor {
  guard let counted, reduction == .mean else { return reduce(losses, reduction) }
  return losses.sum() / counted.cast(to: losses.dtype).sum()
}

/// Cross-entropy from logits, `F.cross_entropy`: `−log softmax(logits)[label]`, with optional label
/// smoothing `ε` as PyTorch: the target is `(1 − ε)·onehot + ε/C`, so each loss is
/// `(1 − ε)·nll + ε·mean_c(−log p_c)`.
///
/// `logits` `[…, C]` (classes last, see
/// ``nllLoss(logProbabilities:labels:ignoreIndex:reduction:)``), `labels` `int32` `[…]` in
/// `0..<C`, or `ignoreIndex` for targets that do not count (padding).
public func crossEntropy(
  logits: Tensor, labels: Tensor, labelSmoothing: Double = 0, ignoreIndex: Int? = nil,
  reduction: Reduction = .mean
) -> Tensor {
  checkLabels(logits, labels, "crossEntropy")
  precondition(
    labelSmoothing >= 0 && labelSmoothing <= 1,
    "crossEntropy: labelSmoothing must be in [0, 1], got \(labelSmoothing)")
  if labelSmoothing == 0 && ignoreIndex == nil {
    // The common case in one fused op (log-sum-exp per row, no [N, C] log-probabilities).
    return reduce(logits.softmaxCrossEntropy(labels: labels), reduction)
  }
  let logP = logits.logSoftmax(axis: -1)
  let (nll, counted) = negativeLogLikelihoods(logP, labels, ignoreIndex)
  guard labelSmoothing > 0 else { return reduceCounted(nll, counted, reduction) }
  var smooth = -logP.mean(axis: -1)
  if let counted { smooth = Descent.where(counted, smooth, 0) }
  return reduceCounted(nll * (1 - labelSmoothing) + smooth * labelSmoothing, counted, reduction)
}

/// Mean squared error, `F.mse_loss`: `(x − y)²`, reduced.
public func mseLoss(_ predictions: Tensor, _ targets: Tensor, reduction: Reduction = .mean)
  -> Tensor
{
  let d = predictions - targets
  return reduce(d * d, reduction)
}

/// Mean absolute error, `F.l1_loss`: `|x − y|`, reduced. Derivative `sign(x − y)` (0 at a tie).
public func l1Loss(_ predictions: Tensor, _ targets: Tensor, reduction: Reduction = .mean) -> Tensor
{
  reduce((predictions - targets).abs(), reduction)
}

/// Huber loss, `F.huber_loss`: with `d = x − y`, `½d²` where `|d| < δ`, else `δ(|d| − ½δ)`;
/// reduced. `δ = 1` by default (equal to `smooth_l1_loss` there).
public func huberLoss(
  _ predictions: Tensor, _ targets: Tensor, delta: Double = 1, reduction: Reduction = .mean
) -> Tensor {
  precondition(delta > 0, "huberLoss: delta must be positive, got \(delta)")
  let d = predictions - targets
  let a = d.abs()
  let quadratic = d * d * 0.5
  let linear = (a - 0.5 * delta) * delta
  return reduce(Descent.where(a .< delta, quadratic, linear), reduction)
}

/// Binary cross-entropy on logits, `F.binary_cross_entropy_with_logits`:
/// `−[y log σ(x) + (1 − y) log(1 − σ(x))] = softplus(x) − x·y`, in that stable form (no overflow
/// for large |x|). `targets` are probabilities in [0, 1] with the logits' shape. With
/// `positiveWeight` `p` (PyTorch's `pos_weight`): `(1 − y)·x + (1 + (p − 1)y)·softplus(−x)`.
public func binaryCrossEntropyWithLogits(
  logits: Tensor, targets: Tensor, positiveWeight: Tensor? = nil, reduction: Reduction = .mean
) -> Tensor {
  precondition(
    logits.shape == targets.shape,
    "binaryCrossEntropyWithLogits: logits \(logits.shape) and targets \(targets.shape) differ")
  let losses: Tensor
  if let positiveWeight {
    losses = (1 - targets) * logits + (1 + (positiveWeight - 1) * targets) * (-logits).softplus()
  } else {
    losses = logits.softplus() - logits * targets
  }
  return reduce(losses, reduction)
}
