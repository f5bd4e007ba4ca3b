import Descent
import Foundation

/// The path of an optimizer on a test function: the point and the loss at every step, from the
/// start (step 0) to the last step, as `descent optimize` prints it.
public struct Trajectory: Sendable {
  /// The point after `step` optimizer steps and the loss there.
  public struct Row: Sendable, Equatable {
    public let step: Int
    public let loss: Double
    public let point: [Double]

    public init(step: Int, loss: Double, point: [Double]) {
      self.step = step
      self.loss = loss
      self.point = point
    }
  }

  /// Where the run stopped early: the first step whose loss or point was not finite.
  public struct Divergence: Sendable, Equatable {
    public let step: Int
    public let loss: Double
    public let point: [Double]
  }

  public let function: String
  public let optimizer: String
  public let dtype: DType
  /// The optimizer's hyperparameters as resolved (defaults with `--lr` and `--set` applied).
  public let hyperparameters: [String: HyperparameterValue]
  /// The number of steps requested.
  public let steps: Int
  /// Every finite row, from step 0: `steps + 1` of them unless the run diverged.
  public internal(set) var rows: [Row] = []
  /// Set when the loss or the point became non-finite; `rows` then ends at the step before.
  public internal(set) var divergence: Divergence?

  /// The point's dimension.
  public var dimension: Int { rows.first?.point.count ?? divergence?.point.count ?? 0 }

  /// `step,loss,x1,...,xd` then one line per row, numbers at full precision (``format(_:)``);
  /// every line ends with a newline.
  public func csv() -> String {
    var text = csvHeader(dimension: dimension) + "\n"
    for row in rows { text += csvLine(row) + "\n" }
    return text
  }

  /// `step,loss,x1,...,xd`.
  public func csvHeader(dimension d: Int) -> String {
    (["step", "loss"] + (0..<d).map { "x\($0 + 1)" }).joined(separator: ",")
  }

  /// One CSV line (no newline).
  public func csvLine(_ row: Row) -> String {
    ([String(row.step), format(row.loss)] + row.point.map(format)).joined(separator: ",")
  }

  /// A number at the precision that round-trips in this trajectory's dtype: `%.17g` for float64,
  /// `%.9g` for float32 (`nan`, `inf`, `-inf` for non-finite values).
  public func format(_ x: Double) -> String {
    // printf writes a NaN with its sign bit set as "-nan"; a NaN has no sign worth printing.
    if x.isNaN { return "nan" }
    return String(format: dtype == .float32 ? "%.9g" : "%.17g", x)
  }

  /// A JSON object: `function`, `optimizer`, `dtype`, `steps`, `hyperparameters` (name → value),
  /// `rows` (`{"step", "loss", "x": [...]}`, shortest round-trip decimals of the dtype) and
  /// `diverged` (`null`, or `{"step", "loss"}` with the loss as the string `nan`/`inf`/`-inf`).
  /// Keys sorted, pretty-printed.
  public func json() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(JSONDocument(self)), as: UTF8.self)
  }

  private struct JSONDocument: Encodable {
    let trajectory: Trajectory
    init(_ trajectory: Trajectory) { self.trajectory = trajectory }

    enum Keys: String, CodingKey {
      case function, optimizer, dtype, steps, hyperparameters, rows, diverged
    }
    enum RowKeys: String, CodingKey { case step, loss, x }

    func encode(to encoder: any Encoder) throws {
      let t = trajectory
      var c = encoder.container(keyedBy: Keys.self)
      try c.encode(t.function, forKey: .function)
      try c.encode(t.optimizer, forKey: .optimizer)
      try c.encode(t.dtype == .float32 ? "float32" : "float64", forKey: .dtype)
      try c.encode(t.steps, forKey: .steps)
      try c.encode(t.hyperparameters, forKey: .hyperparameters)
      var rows = c.nestedUnkeyedContainer(forKey: .rows)
      for row in t.rows {
        var r = rows.nestedContainer(keyedBy: RowKeys.self)
        try r.encode(row.step, forKey: .step)
        if t.dtype == .float32 {
          try r.encode(Float(row.loss), forKey: .loss)
          try r.encode(row.point.map { Float($0) }, forKey: .x)
        } else {
          try r.encode(row.loss, forKey: .loss)
          try r.encode(row.point, forKey: .x)
        }
      }
      if let d = t.divergence {
        var r = c.nestedContainer(keyedBy: RowKeys.self, forKey: .diverged)
        try r.encode(d.step, forKey: .step)
        try r.encode(t.format(d.loss), forKey: .loss)
      } else {
        try c.encodeNil(forKey: .diverged)
      }
    }
  }
}

/// Runs an optimizer on a test function (`descent optimize`).
public enum TrajectoryRunner {
  /// The trajectory of `request`: the start point, then `steps` optimizer steps driven by the
  /// function's autodiff gradient, in the request's dtype. Stops early, recording
  /// ``Trajectory/divergence``, at the first non-finite loss or point.
  public static func run(_ request: TrajectoryRequest) throws -> Trajectory {
    let transformation = try request.optimizer.make(
      learningRate: request.learningRate, settings: request.settings)
    var trajectory = Trajectory(
      function: request.function.name, optimizer: request.optimizer.name, dtype: request.dtype,
      hyperparameters: request.hyperparameters, steps: request.steps)
    let function = request.function
    var parameters = ParameterTree([("x", Tensor(request.start, dtype: request.dtype))])
    let driver = Optimizer(erasing: transformation, for: parameters)
    trajectory.rows.reserveCapacity(min(request.steps, 1 << 16) + 1)
    for step in 0...request.steps {
      let (value, gradient) = valueAndGrad(of: { function.value($0) }, at: parameters[index: 0])
      let loss = value.item
      let point = parameters[index: 0].doubles
      guard loss.isFinite, point.allSatisfy(\.isFinite) else {
        trajectory.divergence = Trajectory.Divergence(step: step, loss: loss, point: point)
        break
      }
      trajectory.rows.append(Trajectory.Row(step: step, loss: loss, point: point))
      if step == request.steps { break }
      try driver.step(
        &parameters, gradients: ParameterTree([("x", gradient)]), loss: loss,
        lossFunction: { function.value($0[index: 0]) })
    }
    return trajectory
  }

  /// The one-line message for a diverged run.
  public static func divergenceMessage(_ trajectory: Trajectory) -> String? {
    guard let d = trajectory.divergence else { return nil }
    return
      "the loss became \(trajectory.format(d.loss)) at step \(d.step) of \(trajectory.optimizer) on \(trajectory.function): the run diverged (\(trajectory.rows.count) finite rows printed); try a smaller --lr"
  }
}
