import Descent
import DescentOptimizers
import Foundation

/// Problems the optimizer tests run on, with gradients in float64.
enum TestProblems {
  /// ∇ of (1−x)² + 100(y−x²)², in the operation order of scripts/golden/make_optimizer_golden.py.
  static func rosenbrockGradient(_ p: [Double]) -> [Double] {
    let (x, y) = (p[0], p[1])
    let r = y - x * x
    return [-2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r]
  }

  /// The golden files' 4-8-3 MLP (SiLU written as z/(1+e^−z)) with mean squared error.
  struct MLP {
    let inputs: Tensor
    let targets: Tensor

    func loss(_ parameters: ParameterTree) -> Tensor {
      let h = inputs.matmul(parameters["0.weight"]!.T) + parameters["0.bias"]!
      let a = h / (1.0 + (-h).exp())
      let y = a.matmul(parameters["2.weight"]!.T) + parameters["2.bias"]!
      let e = y - targets
      return (e * e).mean()
    }
  }
}

/// The values of a tree concatenated in path order.
func flattened(_ tree: ParameterTree) -> [Double] { tree.tensors.flatMap(\.doubles) }

/// A deterministic stream of values in [−1, 1) (SplitMix64), so any failure replays.
struct SplitMix64 {
  var state: UInt64
  mutating func next() -> Double {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Double(z >> 11) / Double(1 << 53) * 2 - 1
  }
  mutating func values(_ n: Int) -> [Double] { (0..<n).map { _ in next() } }
}

/// A learning-rate sweep: the steps an optimizer needs to reach a target at each learning rate of
/// a grid, the best of them and a printable table. Used to compare optimizers each at its own best
/// learning rate (AdaHessianTests), the fair form of "faster than the best-tuned X".
struct LearningRateSweep {
  let name: String
  /// Per learning rate, the steps taken; `nil` when the run diverged or missed the step limit.
  let results: [(learningRate: Double, steps: Int?)]
  let limit: Int

  /// `base · 2^(k/pointsPerOctave)` for k = 0, 1, … up to `top` (inclusive, within rounding).
  static func logGrid(from base: Double, to top: Double, pointsPerOctave: Int) -> [Double] {
    let count = Int((log2(top / base) * Double(pointsPerOctave)).rounded(.down)) + 1
    return (0..<count).map { base * pow(2, Double($0) / Double(pointsPerOctave)) }
  }

  /// Runs `steps(learningRate, limit)` for every learning rate of `grid`.
  static func run(
    _ name: String, grid: [Double], limit: Int, steps: (Double, Int) throws -> Int?
  ) rethrows -> Self {
    LearningRateSweep(
      name: name, results: try grid.map { ($0, try steps($0, limit)) }, limit: limit)
  }

  /// The fewest steps and the learning rate that took them (the smaller one on a tie).
  var best: (learningRate: Double, steps: Int)? {
    results.compactMap { r in r.steps.map { (r.learningRate, $0) } }
      .min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
  }

  /// The best result over several sweeps, with the name of the sweep it came from.
  static func best(of sweeps: [LearningRateSweep]) -> (
    sweep: String, learningRate: Double, steps: Int
  )? {
    sweeps.compactMap { s in s.best.map { (s.name, $0.learningRate, $0.steps) } }
      .min { $0.2 < $1.2 }
  }

  /// `name`, then one `lr steps` line per grid point (`-` when the limit was missed).
  var table: String {
    var text = "\(name) (limit \(limit) steps)\n"
    for r in results {
      text +=
        String(format: "  lr %-12.6g ", r.learningRate) + (r.steps.map(String.init) ?? "-") + "\n"
    }
    if let best {
      text += String(format: "  best: %d steps at lr %.6g\n", best.steps, best.learningRate)
    }
    return text
  }
}
