import Descent

/// Collects one gradient norm per step of a run, for ``RefinedSchedule``: the ℓ2 norm of all
/// gradients together for SGD-type methods, the ℓ1 norm for Adam-type ones.
///
///     var recorder = GradientNormRecorder(.l2)
///     for step in 0..<steps {
///       let (loss, gradients) = valueAndGrad(of: lossFunction, at: parameters)
///       recorder.record(gradients)
///       ...
///     }
///     let schedule = RefinedSchedule(norms: recorder.norms, peakLearningRate: 0.1, kind: .sgd)
public struct GradientNormRecorder: Sendable, Codable, Equatable {
  public enum Norm: String, Sendable, Codable { case l1, l2 }

  public let norm: Norm
  /// The norms recorded so far, one per call of `record`.
  public private(set) var norms: [Double] = []

  public init(_ norm: Norm) { self.norm = norm }

  /// The recorder that suits the refined schedule of `kind`.
  public init(for kind: RefinedSchedule.Kind) { self.init(kind.norm) }

  /// The norm of `tensors` taken as one vector (accumulated in Double whatever their dtype).
  public func normOf(_ tensors: [Tensor]) -> Double {
    var total = 0.0
    for tensor in tensors {
      switch norm {
      case .l1: for v in tensor.doubles { total += abs(v) }
      case .l2: for v in tensor.doubles { total += v * v }
      }
    }
    return norm == .l2 ? total.squareRoot() : total
  }

  /// Records the norm of this step's gradients and returns it.
  @discardableResult
  public mutating func record(_ gradients: [Tensor]) -> Double {
    let value = normOf(gradients)
    norms.append(value)
    return value
  }

  /// Records the norm of this step's gradients and returns it.
  @discardableResult
  public mutating func record(_ gradients: ParameterTree) -> Double { record(gradients.tensors) }

  /// Records a norm computed elsewhere.
  public mutating func record(norm value: Double) { norms.append(value) }

  /// The refined schedule of these norms (see ``RefinedSchedule``).
  public func refinedSchedule(
    peakLearningRate: Double, kind: RefinedSchedule.Kind, medianFilterWidth: Int? = nil
  ) -> RefinedSchedule {
    precondition(
      kind.norm == norm,
      "GradientNormRecorder: a .\(kind) refined schedule needs \(kind.norm) norms, these are \(norm)"
    )
    return RefinedSchedule(
      norms: norms, peakLearningRate: peakLearningRate, kind: kind,
      medianFilterWidth: medianFilterWidth)
  }
}
