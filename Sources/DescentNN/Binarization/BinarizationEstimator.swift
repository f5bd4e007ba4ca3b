import Descent
import Foundation

/// The backward rule of sign binarization: sign has zero derivative almost everywhere, so
/// binary networks train with an estimator g(x) in its place (grad_in = grad_out · g(x)).
///
/// - `straightThrough`: the straight-through estimator (Bengio et al. 2013; Courbariaux et al.
///   2016, "BinaryNet"), g(x) = 1[|x| ≤ 1] — Larq's `ste_sign`.
/// - `rectified(power:threshold:interval:)`: the rectified straight-through estimator, ReSTE (Wu,
///   Zheng, Liu and Zheng, "Estimator Meets Equilibrium Perspective: A Rectified Straight Through
///   Estimator for Binary Neural Networks Training", ICCV 2023, arXiv:2308.06689; reference
///   `Binary_ReSTE` in DravenALG/ReSTE, `model/binary_module/binarized_modules.py` at 0d3c36a).
///   It is the derivative of the forward estimate f(x) = sign(x)|x|^{1/o}, with a linear segment
///   near 0 that avoids the infinite slope there, cut at the threshold t:
///
///       g(x) = interval^{1/o} / interval         |x| ≤ interval
///              (1/o)|x|^{(1−o)/o}                interval < |x| ≤ t
///              0                                 |x| > t
///
///   Defaults as the reference: t = 1.5, interval = 0.1. o = 1 is the identity's derivative on
///   [−t, t]; as o grows f approaches sign ("equilibrium" between the estimate's fitting error and
///   the gradient's variance), scheduled by ``rectifiedPower(epoch:epochs:end:)``.
public enum BinarizationEstimator: Sendable, Equatable {
  case straightThrough
  case rectified(power: Double, threshold: Double = 1.5, interval: Double = 0.1)

  /// g(x), elementwise, in `x`'s dtype. Differentiable in `x` (for second-order passes through
  /// a binarized network).
  public func gradientScale(_ x: Tensor) -> Tensor {
    let magnitude = x.abs()
    switch self {
    case .straightThrough:
      return (magnitude .<= 1).cast(to: x.dtype)
    case .rectified(let o, let t, let interval):
      precondition(
        o >= 1 && o.isFinite && t > interval && interval > 0,
        "BinarizationEstimator.rectified: need o ≥ 1, t > interval > 0, got o \(o), t \(t), "
          + "interval \(interval)")
      let linear = pow(interval, 1 / o) / interval
      let kept = maximum(magnitude, interval)
      let power = kept.pow((1 - o) / o) * x.scalar(1 / o)
      let inside = `where`(magnitude .<= t, power, 0)
      return `where`(magnitude .<= interval, x.scalar(linear).expanded(to: x.shape), inside)
    }
  }

  /// The forward estimate f whose derivative the rule is: sign(x)|x|^{1/o} for ReSTE (the
  /// reference's `ReSTE_Forward`), x for the straight-through estimator (o = 1).
  public func forwardEstimate(_ x: Tensor) -> Tensor {
    switch self {
    case .straightThrough: return x
    case .rectified(let o, _, _):
      return x.sign() * x.abs().pow(1 / o)
    }
  }

  /// ReSTE's fitting-error indicator of a weight tensor: ‖f(w) − sign(w)‖₂ (the reference's
  /// `get_fitting_error`, one layer).
  public func fittingError(_ weight: Tensor) -> Double {
    let difference = forwardEstimate(weight.detached()) - weight.detached().sign()
    return (difference * difference).sum().item.squareRoot()
  }

  /// ReSTE's schedule of o: 1 + (end − 1)(1 − cos(π/2 · epoch/epochs)), from 1 at epoch 0 to
  /// `end` at `epochs` (the reference's `ReSTE(epoch)` in `main.py`; its default end is 3).
  public static func rectifiedPower(epoch: Int, epochs: Int, end: Double = 3) -> Double {
    precondition(epochs >= 1 && epoch >= 0, "rectifiedPower: need epochs ≥ 1 and epoch ≥ 0")
    let ratio = Double(epoch) / Double(epochs)
    return 1 + (end - 1) * (1 - cos(ratio * Double.pi / 2))
  }
}

extension Tensor {
  /// sign(x) forward (sign(0) = 0, as `torch.sign`), `estimator`'s g(x)·ḡ backward — a binarized
  /// weight or activation (``customVJP(_:inputs:forward:backward:)``).
  public func binarized(_ estimator: BinarizationEstimator) -> Tensor {
    customVJP("binarize", inputs: [self], forward: { $0[0].sign() }) { gradient, inputs, _ in
      [gradient * estimator.gradientScale(inputs[0])]
    }
  }
}
