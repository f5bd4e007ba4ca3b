import Foundation

/// Performance profiles of optimizers over several tasks (Dolan and Moré, "Benchmarking
/// optimization software with performance profiles", Math. Programming 91, 2002).
///
/// Each task (the runs' `task` text) is one problem. On it:
/// - the target is the loss every optimizer reached: the largest, over the optimizers, of the mean
///   best training loss of its seeds (the report's own target rule, applied per task);
/// - an optimizer's cost t(p, s) is the median over its seeds of the first logged step whose
///   training loss is ≤ the target; a seed that never gets there counts as infinite, so an
///   optimizer whose seeds miss half of the time or more has not solved the problem;
/// - its ratio is r(p, s) = t(p, s) / min over optimizers of t(p, ·).
///
/// The profile of optimizer s is ρ_s(τ) = |{p : r(p, s) ≤ τ}| / |P|: the fraction of tasks it
/// solves within τ times the best optimizer's steps. ρ_s(1) is its share of wins (ties count for
/// each), ρ_s(∞) its share of tasks solved at all. Optimizers missing from a task count as not
/// solving it.
public struct PerformanceProfile: Sendable, Equatable {
  /// Task texts, sorted.
  public var tasks: [String]
  /// Optimizer names, sorted.
  public var optimizers: [String]
  /// `ratios[s][p]`: optimizer `optimizers[s]` on task `tasks[p]`; `.infinity` when unsolved.
  public var ratios: [[Double]]
  /// Per task, the target loss and the best optimizer's median steps to it.
  public var targets: [(loss: Double, bestSteps: Double)]

  public static func == (a: PerformanceProfile, b: PerformanceProfile) -> Bool {
    a.tasks == b.tasks && a.optimizers == b.optimizers && a.ratios == b.ratios
      && a.targets.map(\.loss) == b.targets.map(\.loss)
      && a.targets.map(\.bestSteps) == b.targets.map(\.bestSteps)
  }

  /// The profile of `runs`, or nil when they cover fewer than two tasks (a profile of one task
  /// is only its ranking) or no optimizer solves any task.
  public init?(runs: [RunData]) {
    let byTask = Dictionary(grouping: runs, by: \.run.task)
    guard byTask.count >= 2 else { return nil }
    tasks = byTask.keys.sorted()
    optimizers = Set(runs.map(\.run.optimizer)).sorted()
    var ratios = Array(repeating: [Double](repeating: .infinity, count: tasks.count),
                       count: optimizers.count)
    var targets: [(loss: Double, bestSteps: Double)] = []
    for (p, task) in tasks.enumerated() {
      let byOptimizer = Dictionary(grouping: byTask[task]!, by: \.run.optimizer)
      let target = byOptimizer.values.compactMap { seeds in
        MeanAndDeviation(seeds.compactMap { RunNumbers($0).bestLoss }.filter(\.isFinite))?.mean
      }.max()
      var costs = [Double](repeating: .infinity, count: optimizers.count)
      if let target {
        for (s, optimizer) in optimizers.enumerated() {
          guard let seeds = byOptimizer[optimizer] else { continue }
          costs[s] = Self.median(seeds.map { Self.stepsToTarget($0, target: target) })
        }
      }
      let best = costs.min() ?? .infinity
      targets.append((target ?? .nan, best))
      guard best.isFinite else { continue }
      for s in optimizers.indices where costs[s].isFinite {
        // A step count of 0 (the starting point is already on target) is one step of work.
        ratios[s][p] = max(costs[s], 1) / max(best, 1)
      }
    }
    guard ratios.contains(where: { $0.contains { $0.isFinite } }) else { return nil }
    self.ratios = ratios
    self.targets = targets
  }

  /// ρ_s(τ) for optimizer index `s`.
  public func fraction(optimizer s: Int, within tau: Double) -> Double {
    Double(ratios[s].filter { $0.isFinite && $0 <= tau }.count) / Double(tasks.count)
  }

  /// The step function ρ_s over τ from 1 to `maximumTau`, as the points of a line chart (each
  /// jump drawn vertically).
  public func curve(optimizer s: Int, maximumTau: Double) -> (tau: [Double], fraction: [Double]) {
    let jumps = Array(Set(ratios[s].filter { $0.isFinite && $0 <= maximumTau })).sorted()
    var tau = [1.0]
    var fraction = [fraction(optimizer: s, within: 1)]
    for jump in jumps where jump > 1 {
      tau += [jump, jump]
      fraction += [fraction.last!, self.fraction(optimizer: s, within: jump)]
    }
    tau.append(maximumTau)
    fraction.append(fraction.last!)
    return (tau, fraction)
  }

  /// The largest finite ratio (at least 2), where the chart's τ axis ends.
  public var largestFiniteRatio: Double {
    max(2, ratios.flatMap { $0 }.filter(\.isFinite).max() ?? 2)
  }

  /// The first logged step whose training loss is ≤ `target`; `.infinity` when none is.
  static func stepsToTarget(_ data: RunData, target: Double) -> Double {
    data.metrics.first { $0.trainLoss <= target }.map { Double($0.step) } ?? .infinity
  }

  static func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .infinity }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }
}
