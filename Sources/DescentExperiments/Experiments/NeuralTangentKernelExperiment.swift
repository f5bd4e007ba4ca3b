import Descent
import DescentCurvature
import DescentOptimizers
import Foundation

/// The neural tangent kernel (Jacot, Gabriel and Hongler, "Neural Tangent Kernel: Convergence
/// and Generalization in Neural Networks", NeurIPS 2018, arXiv:1806.07572).
///
/// The paper: in the NTK parameterization, as the widths grow the network's tangent kernel
/// converges to a deterministic limit that stays constant during training, so least-squares
/// gradient descent follows the linear ODE f_t = f* + e^{−ηΘt/N}(f₀ − f*). The digest's repro,
/// on a network with 2 hidden ReLU layers, β = 0.1, inputs on the unit circle:
///
/// - (a) 16 points, widths 64, 256, 1024, 4096, 5 initializations: the relative Frobenius error
///   of ``empiricalNTK(of:at:)`` against ``ReLUNeuralTangentKernel`` falls with a log–log slope in
///   [−0.65, −0.3] and is below 7% at width 4096;
/// - (b) width 4096, 8 training points, full-batch gradient descent (the catalogue's `sgd`) at a
///   small rate: the outputs stay within 0.05 of the kernel ODE driven by the initial empirical
///   kernel at every logged step, and the residual along Θ's top eigenvector decays at rate
///   ηλ₁/N ± 10%.
public struct NeuralTangentKernelExperiment: Experiment {
  public init() {}

  public let id = "ntk"
  public let claim =
    "In the NTK parameterization the neural tangent kernel of a network converges, as the "
    + "widths grow, to a deterministic limit and stays constant during training, so "
    + "least-squares gradient descent on the network follows the linear kernel ODE "
    + "f_t = f* + exp(-eta Theta t / N)(f_0 - f*)."
  public let method =
    "Two hidden ReLU layers, NTK parameterization, beta = 0.1, N(0, 1) parameters, inputs on the "
    + "unit circle. (a) 16 points, widths 64, 256, 1024, 4096, 5 initializations each: relative "
    + "Frobenius distance of the empirical NTK (vjp + jvp products) to the infinite-width "
    + "recursion. (b) Width 4096, 8 training points with targets sin(2 angle), full-batch "
    + "gradient descent (sgd) at eta lambda_1 / N = 0.05 for 200 steps, against the kernel ODE of "
    + "the initial empirical kernel."
  public let quickDifferences: String? =
    "(a) 2 initializations per width instead of 5; (b) 100 steps instead of 200, logged every "
    + "10. The criteria are the same."

  static let widths = [64, 256, 1024, 4096]
  static let beta = 0.1
  static let kernelPoints = 16, trainingPoints = 8, trainingWidth = 4096
  /// ηλ₁/N of part (b).
  static let topRate = 0.05

  public func run(_ context: ExperimentContext) throws -> ExperimentFindings {
    // (a) Convergence of the empirical kernel to its limit.
    let initializations = context.size(full: 5, quick: 2)
    let circle = Self.circle(Self.kernelPoints, offset: 0)
    let limit = try ReLUNeuralTangentKernel(hiddenLayers: 2, biasScale: Self.beta).kernel(circle)
    let limitNorm = Self.frobenius(limit)
    let inputs = circle.cast(to: .float32)
    var errors: [Double] = []
    for width in Self.widths {
      var total = 0.0
      for index in 0..<initializations {
        let parameters = Self.initialParameters(
          width: width, key: RandomKey(seed: context.stream("initialization \(width)", index)))
        let theta = empiricalNTK(
          of: { Self.outputs($0, inputs) }, at: parameters
        ).cast(to: .float64)
        total += Self.frobenius(theta - limit) / limitNorm
      }
      errors.append(total / Double(initializations))
      context.progress("ntk: width \(width) done")
    }
    let slope = Self.slope(x: Self.widths.map { log(Double($0)) }, y: errors.map { log($0) })

    // (b) Gradient descent against the kernel ODE.
    let dynamics = try trainAgainstTheODE(context: context)
    context.progress("ntk: training done")

    let criteria: [Criterion] = [
      .within(
        "(a) log-log slope of the relative Frobenius error of the empirical NTK against width",
        slope, -0.65, -0.3),
      .atMost("(a) relative Frobenius error at width 4096", errors.last!, 0.07),
      .atMost(
        "(b) width 4096: max |network output - kernel ODE prediction| over logged steps",
        dynamics.maximumDeviation, 0.05),
      .within(
        "(b) decay rate of the residual along Theta's top eigenvector / (eta lambda_1 / N)",
        dynamics.measuredRate / Self.topRate, 0.9, 1.1),
    ]
    let notes = [
      "(a) mean relative Frobenius error over \(initializations) initializations at widths "
        + Self.widths.map(String.init).joined(separator: ", ") + ": "
        + errors.map { Criterion.format($0) }.joined(separator: ", ") + ".",
      "(b) lambda_1 of the initial empirical kernel " + Criterion.format(dynamics.topEigenvalue)
        + ", eta = " + Criterion.format(dynamics.learningRate) + "; the kernel moved by "
        + Criterion.format(dynamics.kernelChange)
        + " (relative Frobenius) over the run; final training loss "
        + Criterion.format(dynamics.finalLoss) + "; top-mode rate fitted over steps 0-"
        + String(dynamics.fitSteps) + ".",
    ]
    let figures = [
      ExperimentFigure.lines(
        title: "Empirical NTK against its infinite-width limit", xLabel: "width",
        yLabel: "relative Frobenius error", yScale: .log,
        lines: [
          ("empirical NTK (mean of \(initializations))", Self.widths.map(Double.init), errors),
          (
            "width^-1/2 through width 64", Self.widths.map(Double.init),
            Self.widths.map { errors[0] * (64 / Double($0)).squareRoot() }
          ),
        ],
        caption: "Relative distance of the empirical kernel to the limiting recursion on 16 "
          + "points of the circle; the reference line falls as width^-1/2.",
        identifier: "ntk-convergence"),
      ExperimentFigure.lines(
        title: "Gradient descent against the kernel ODE (width 4096)", xLabel: "step",
        yLabel: "output", yScale: .linear,
        lines: dynamics.curves,
        caption: "Network outputs on three training points during gradient descent (solid "
          + "colors) and the kernel ODE's prediction from the initial empirical kernel (the "
          + "following lines, same order).",
        identifier: "ntk-dynamics"),
    ]
    return ExperimentFindings(criteria: criteria, figures: figures, notes: notes)
  }

  // MARK: - The network

  /// `count` points of the unit circle at angles 2πk/count + offset, `[count, 2]` float64.
  static func circle(_ count: Int, offset: Double) -> Tensor {
    let angles = (0..<count).map { 2 * Double.pi * Double($0) / Double(count) + offset }
    return Tensor(angles.flatMap { [cos($0), sin($0)] }, shape: [count, 2], dtype: .float64)
  }

  /// N(0, 1) weights and biases of 2 → width → width → 1, float32.
  static func initialParameters(width: Int, key: RandomKey) -> ParameterTree {
    let shapes: [(String, [Int])] = [
      ("w0", [width, 2]), ("b0", [width]), ("w1", [width, width]), ("b1", [width]),
      ("w2", [1, width]), ("b2", [1]),
    ]
    return ParameterTree(
      shapes.enumerated().map { index, entry in
        (entry.0, Tensor.normal(entry.1, key: key.folded(in: UInt64(index))))
      })
  }

  /// f(x) `[n]`: z¹ = W⁰x/√2 + βb⁰, z² = W¹relu(z¹)/√width + βb¹, f = W²relu(z²)/√width + βb².
  static func outputs(_ p: ParameterTree, _ x: Tensor) -> Tensor {
    let width = Double(p["w1"]!.shape[0])
    let beta = x.scalar(beta)
    let inputScale = x.scalar(1 / 2.0.squareRoot())
    let hiddenScale = x.scalar(1 / width.squareRoot())
    var h = (x.matmulTransposed(p["w0"]!) * inputScale + p["b0"]! * beta).relu()
    h = (h.matmulTransposed(p["w1"]!) * hiddenScale + p["b1"]! * beta).relu()
    let f = h.matmulTransposed(p["w2"]!) * hiddenScale + p["b2"]! * beta
    return f.reshaped([x.shape[0]])
  }

  // MARK: - (b)

  private struct Dynamics {
    var maximumDeviation: Double
    var measuredRate: Double
    var topEigenvalue: Double
    var learningRate: Double
    var kernelChange: Double
    var finalLoss: Double
    var fitSteps: Int
    var curves: [(name: String, x: [Double], y: [Double])]
  }

  private func trainAgainstTheODE(context: ExperimentContext) throws -> Dynamics {
    let n = Self.trainingPoints
    let x = Self.circle(n, offset: Double.pi / 16)
    let targets = (0..<n).map { sin(2 * (2 * Double.pi * Double($0) / Double(n) + Double.pi / 16)) }
    let inputs = x.cast(to: .float32)
    let y = Tensor(targets, shape: [n], dtype: .float32)
    var parameters = Self.initialParameters(
      width: Self.trainingWidth, key: RandomKey(seed: context.stream("training initialization")))
    let theta0 = empiricalNTK(of: { Self.outputs($0, inputs) }, at: parameters).cast(
      to: .float64)
    let (eigenvalues, eigenvectors) = try eigh(theta0)
    let lambdas = eigenvalues.doubles
    let vectors = eigenvectors.doubles  // column k is eigenvector k (ascending)
    let top = lambdas[n - 1]
    let eta = Self.topRate * Double(n) / top
    let f0 = Self.outputs(parameters, inputs).cast(to: .float64).doubles
    // The ODE in Θ₀'s eigenbasis: cₖ(t) = e^{−ηλₖt/N} cₖ(0), cₖ = vₖᵀ(f − y).
    let initialResidual = (0..<n).map { k in
      (0..<n).reduce(0.0) { $0 + vectors[$1 * n + k] * (f0[$1] - targets[$1]) }
    }
    func prediction(_ step: Int) -> [Double] {
      let decayed = (0..<n).map { k -> Double in
        let exponent: Double = -eta * lambdas[k] * Double(step) / Double(n)
        return exp(exponent) * initialResidual[k]
      }
      return (0..<n).map { i -> Double in
        var sum = targets[i]
        for k in 0..<n { sum += vectors[i * n + k] * decayed[k] }
        return sum
      }
    }

    let steps = context.size(full: 200, quick: 100)
    let logEvery = 10
    let optimizer = Optimizer(try SGD(learningRate: Hyperparameter(eta)), for: parameters)
    var deviation = 0.0
    var loggedSteps: [Double] = []
    var topResiduals: [Double] = []
    var network = [[Double]](repeating: [], count: 3)
    var ode = network
    var finalLoss = 0.0
    for step in 0...steps {
      if step % logEvery == 0 {
        let f = Self.outputs(parameters, inputs).cast(to: .float64).doubles
        let predicted = prediction(step)
        deviation = max(deviation, zip(f, predicted).map { abs($0 - $1) }.max()!)
        loggedSteps.append(Double(step))
        topResiduals.append(
          (0..<n).reduce(0.0) { $0 + vectors[$1 * n + n - 1] * (f[$1] - targets[$1]) })
        for c in 0..<3 {
          network[c].append(f[c])
          ode[c].append(predicted[c])
        }
      }
      if step == steps { break }
      let (value, gradients) = valueAndGrad(
        of: { p -> Tensor in
          let residual = Self.outputs(p, inputs) - y
          return (residual * residual).sum() * residual.scalar(0.5 / Double(n))
        }, at: parameters)
      try optimizer.step(&parameters, gradients: gradients)
      finalLoss = value.item
    }
    // The top mode's rate: the least-squares slope of log|r_t| while |r_t| > 1% of |r_0|.
    let threshold = 0.01 * abs(topResiduals[0])
    let kept = topResiduals.indices.prefix { abs(topResiduals[$0]) > threshold }
    let rate = -Self.slope(
      x: kept.map { loggedSteps[$0] }, y: kept.map { log(abs(topResiduals[$0])) })
    let thetaT = empiricalNTK(of: { Self.outputs($0, inputs) }, at: parameters).cast(
      to: .float64)
    var curves: [(name: String, x: [Double], y: [Double])] = []
    for c in 0..<3 { curves.append(("network, point \(c)", loggedSteps, network[c])) }
    for c in 0..<3 { curves.append(("kernel ODE, point \(c)", loggedSteps, ode[c])) }
    return Dynamics(
      maximumDeviation: deviation, measuredRate: rate, topEigenvalue: top, learningRate: eta,
      kernelChange: Self.frobenius(thetaT - theta0) / Self.frobenius(theta0),
      finalLoss: finalLoss, fitSteps: Int(loggedSteps[kept.last ?? 0]), curves: curves)
  }

  static func frobenius(_ m: Tensor) -> Double { (m * m).sum().item.squareRoot() }

  static func slope(x: [Double], y: [Double]) -> Double {
    let mx = x.reduce(0, +) / Double(x.count)
    let my = y.reduce(0, +) / Double(y.count)
    var sxy = 0.0
    var sxx = 0.0
    for (a, b) in zip(x, y) {
      sxy += (a - mx) * (b - my)
      sxx += (a - mx) * (a - mx)
    }
    return sxy / sxx
  }
}
