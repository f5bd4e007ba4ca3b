import Descent
import Foundation

/// The stateful driver: a transformation, its state and the step count, for the one-line
/// training-loop ergonomics of PyTorch.
///
/// ```swift
/// let optimizer = try Optimizer(Adam(learningRate: 1e-3), for: parameters)
/// for batch in data {
///   let (loss, gradients) = valueAndGrad(of: model.loss, at: parameters)
///   try optimizer.step(&parameters, gradients: gradients)
/// }
/// let checkpoint = try optimizer.stateDictionary()          // JSON, bit-exact
/// try restored.loadStateDictionary(checkpoint)              // continues the same trajectory
/// ```
///
/// `step` calls the transformation's fused `apply`, so an elementwise optimizer updates the
/// parameter buffers in place when `parameters` holds the only reference to them.
public final class Optimizer {
  /// The number of steps taken.
  public private(set) var stepCount: Int
  /// The seed from which each step's ``UpdateContext/randomSeed`` is derived.
  public let seed: UInt64
  private let box: any StepperBox

  /// A driver with `transformation`'s initial state for parameters shaped like `parameters`.
  public init<T: GradientTransformation>(
    _ transformation: T, for parameters: ParameterTree, seed: UInt64 = 0
  ) {
    box = Stepper(transformation, state: transformation.initialState(for: parameters))
    stepCount = 0
    self.seed = seed
  }

  /// A driver for a transformation whose type is known only at run time (the catalogue's).
  public convenience init(
    erasing transformation: any GradientTransformation, for parameters: ParameterTree,
    seed: UInt64 = 0
  ) {
    self.init(transformation, for: parameters, seed: seed)
  }

  /// Whether the next step computes Hessian-vector products (see ``HessianVectorProductUser``):
  /// a training loop then computes its gradient with ``valueGradAndCurvature(of:at:)`` and passes
  /// the result as `curvature:`.
  public var usesHessianVectorProductsOnNextStep: Bool {
    (transformation as? any HessianVectorProductUser)?.usesHessianVectorProducts(
      afterCompletedSteps: stepCount) ?? false
  }

  /// The transformation being run.
  public var transformation: any GradientTransformation { box.transformation }

  /// The current state, typed: `optimizer.state(as: Adam.State.self)`.
  public func state<S>(as type: S.Type) -> S? { box.anyState as? S }

  /// One step: `parameters ← parameters + update(gradients)`, in place.
  ///
  /// - Parameters:
  ///   - loss: the loss at `parameters`, for transformations that use it.
  ///   - lossFunction: re-evaluates the loss (line searches, curvature estimates).
  ///   - curvature: the loss's gradient with its graph kept, from `valueGradAndCurvature` at
  ///     `parameters`, when ``usesHessianVectorProductsOnNextStep``: Hessian-vector products then
  ///     cost one backward pass each instead of a new forward and two backward passes.
  public func step(
    _ parameters: inout ParameterTree, gradients: ParameterTree, loss: Double? = nil,
    lossFunction: (@Sendable (ParameterTree) throws -> Tensor)? = nil,
    curvature: CurvatureAtPoint? = nil
  ) throws {
    let context = UpdateContext(
      step: stepCount + 1, parameters: ParameterTree(), loss: loss, lossFunction: lossFunction,
      curvature: curvature, randomSeed: Self.mix(seed, UInt64(stepCount + 1)))
    try box.apply(to: &parameters, gradients: gradients, context: context)
    stepCount += 1
  }

  /// One step on `loss` at `parameters`: computes the value and the gradient, on the shared-graph
  /// path (``valueGradAndCurvature(of:at:)``) when the next step takes Hessian-vector products
  /// (AdaHessian, SophiaH — also inside a ``Chain``), and passes `loss` on for optimizers that
  /// re-evaluate it. Returns the loss before the step.
  ///
  /// ```swift
  /// for batch in batches {
  ///   let value = try optimizer.step(&parameters) { model.loss($0, batch) }
  /// }
  /// ```
  @discardableResult
  public func step(
    _ parameters: inout ParameterTree, loss: @escaping @Sendable (ParameterTree) throws -> Tensor
  ) throws -> Double {
    if usesHessianVectorProductsOnNextStep {
      let curvature = try valueGradAndCurvature(of: loss, at: parameters)
      let value = Self.scalar(curvature.value)
      try step(
        &parameters, gradients: curvature.gradient, loss: value, lossFunction: loss,
        curvature: curvature)
      return value
    }
    let (tensor, gradients) = try valueAndGrad(of: loss, at: parameters)
    let value = Self.scalar(tensor)
    try step(&parameters, gradients: gradients, loss: value, lossFunction: loss)
    return value
  }

  private static func scalar(_ tensor: Tensor) -> Double {
    tensor.cast(to: .float64).scalars(as: Double.self)[0]
  }

  /// Counts a step that was not taken (a non-finite loss under `--on-nonfinite skip-step`, a
  /// gradient-scaler overflow): the step count advances, and with it scheduled hyperparameters
  /// and the per-step random seed, so they stay aligned with the data; the parameters and the
  /// transformation's state (moments, its own step count for bias corrections) stay as they were.
  /// PyTorch's `GradScaler` skips `optimizer.step()` the same way while the scheduler advances.
  public func skipStep() {
    stepCount += 1
  }

  /// The step count and the transformation's state, encoded as JSON. Tensors are stored as raw
  /// bytes and numbers with round-trip precision, so ``loadStateDictionary(_:)`` restores them bit
  /// for bit.
  ///
  /// With an `archive`, the tensors go into it instead of the JSON (for a safetensors checkpoint:
  /// see `TrainingCheckpoint` in DescentData).
  public func stateDictionary(archive: TensorArchive? = nil) throws -> Data {
    try box.encode(stepCount: stepCount, archive: archive)
  }

  /// Restores what ``stateDictionary()`` saved. The transformation must be of the same type and
  /// configuration; throws ``OptimizerError/incompatibleState(_:)`` when the data does not decode
  /// into its state, or when the state does not fit the parameters this driver was made for
  /// (another parameter path, shape or dtype: `StateLayoutCheck`), so a foreign state is refused
  /// at load instead of stopping the first step.
  public func loadStateDictionary(_ data: Data, archive: TensorArchive? = nil) throws {
    stepCount = try box.decode(data, archive: archive)
  }

  /// SplitMix64 of `seed` and the step: a pure function, so a resumed run draws the same numbers.
  static func mix(_ seed: UInt64, _ step: UInt64) -> UInt64 {
    var z = seed &+ step &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

private protocol StepperBox: AnyObject {
  var transformation: any GradientTransformation { get }
  var anyState: Any { get }
  func apply(to parameters: inout ParameterTree, gradients: ParameterTree, context: UpdateContext)
    throws
  func encode(stepCount: Int, archive: TensorArchive?) throws -> Data
  func decode(_ data: Data, archive: TensorArchive?) throws -> Int
}

private struct Checkpoint<State: Codable>: Codable {
  var format = "descent-optimizer-state/1"
  var transformation: String
  var step: Int
  var state: State
}

private final class Stepper<T: GradientTransformation>: StepperBox {
  let typed: T
  var state: T.State

  init(_ transformation: T, state: T.State) {
    typed = transformation
    self.state = state
  }

  var transformation: any GradientTransformation { typed }
  var anyState: Any { state }

  func apply(to parameters: inout ParameterTree, gradients: ParameterTree, context: UpdateContext)
    throws
  {
    try typed.apply(to: &parameters, gradients: gradients, state: &state, context: context)
  }

  func encode(stepCount: Int, archive: TensorArchive?) throws -> Data {
    let encoder = JSONEncoder()
    if let archive { encoder.userInfo[TensorArchive.userInfoKey] = archive }
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try encoder.encode(
      Checkpoint(transformation: String(describing: T.self), step: stepCount, state: state))
  }

  func decode(_ data: Data, archive: TensorArchive?) throws -> Int {
    let decoder = JSONDecoder()
    if let archive { decoder.userInfo[TensorArchive.userInfoKey] = archive }
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let checkpoint: Checkpoint<T.State>
    do {
      checkpoint = try decoder.decode(Checkpoint<T.State>.self, from: data)
    } catch {
      throw OptimizerError.incompatibleState(
        "optimizer state does not decode as \(T.self): \(error)")
    }
    guard checkpoint.transformation == String(describing: T.self) else {
      throw OptimizerError.incompatibleState(
        "optimizer state was saved by \(checkpoint.transformation), this optimizer is \(T.self)")
    }
    // `state` is still the initial state for the parameters this driver was made for.
    let encoder = JSONEncoder()
    encoder.userInfo[TensorArchive.userInfoKey] = TensorArchive()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let fresh = try JSONSerialization.jsonObject(with: encoder.encode(["state": state]))
    let loaded = try JSONSerialization.jsonObject(with: data)
    if let fresh = (fresh as? [String: Any])?["state"], let loaded = (loaded as? [String: Any])?["state"],
      let problem = StateLayoutCheck.mismatch(fresh: fresh, loaded: loaded)
    {
      throw OptimizerError.incompatibleState(problem)
    }
    state = checkpoint.state
    return checkpoint.step
  }
}
