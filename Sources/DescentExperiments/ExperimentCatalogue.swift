import DescentRuns
import Foundation

/// The experiments `descent reproduce` runs, one per reproduced paper.
public enum ExperimentCatalogue {
  /// Every experiment, in ``PaperCatalogue`` order.
  public static var experiments: [any Experiment] {
    let all: [any Experiment] = [
      DiffGradExperiment(),
      LearningRateBatchSizeExperiment(),
      MFACExperiment(),
      StabilityExperiment(),
      AdaHessianExperiment(),
      AdAdaGradExperiment(),
      RefinedSchedulesExperiment(),
      SophiaExperiment(),
      EightBitOptimizersExperiment(),
      InContextLearningExperiment(),
      OptimisticOMDExperiment(),
      LastIterateExperiment(),
      PretrainingExperiment(),
      NeuralTangentKernelExperiment(),
      HessianAlignmentExperiment(),
      SNNKExperiment(),
      ReSTEExperiment(),
      SequentialGradientCodingExperiment(),
      CoLiDEExperiment(),
    ]
    return PaperCatalogue.ids.compactMap { id in all.first { $0.id == id } }
  }

  /// The experiment of paper `id`, or nil.
  public static func experiment(id: String) -> (any Experiment)? {
    experiments.first { $0.id == id }
  }

  /// Runs the experiment of paper `id` and times it. Throws
  /// ``ExperimentError/unknownPaper(_:)`` or ``ExperimentError/notReproduced(_:)`` for an id
  /// without an experiment.
  public static func run(id: String, context: ExperimentContext) throws -> ExperimentResult {
    guard let paper = PaperCatalogue.paper(id: id) else {
      throw ExperimentError.unknownPaper(id)
    }
    guard let experiment = experiment(id: id) else { throw ExperimentError.notReproduced(paper) }
    let started = Date()
    let findings = try experiment.run(context)
    let seconds = Date().timeIntervalSince(started)
    var result = ExperimentResult(
      id: id, title: paper.title, claim: experiment.claim, method: experiment.method,
      quickDifferences: context.quick ? experiment.quickDifferences : nil, seed: context.seed,
      quick: context.quick, seconds: seconds, criteria: findings.criteria,
      accepted: !findings.criteria.isEmpty && findings.criteria.allSatisfy(\.passed),
      notes: findings.notes, runIds: context.recorder?.runIDs ?? [])
    result.figures = findings.figures
    return result
  }
}

/// Why `descent reproduce` cannot run what it was asked for.
public enum ExperimentError: Error, CustomStringConvertible, Equatable {
  case unknownPaper(String)
  case notReproduced(Paper)

  public var description: String {
    switch self {
    case .unknownPaper(let id):
      let typed = id.lowercased()
      let candidates = PaperCatalogue.ids + ["all"]
      let nearest = candidates.min { editDistance($0, typed) < editDistance($1, typed) }
      let suggestion =
        nearest.flatMap { name in
          let distance = editDistance(name, typed)
          return !typed.isEmpty && distance <= max(1, min(name.count, typed.count) / 3)
            ? " (did you mean '\(name)'?)" : nil
        } ?? ""
      return "unknown paper '\(id)'\(suggestion); `descent reproduce --list` lists the ids"
    case .notReproduced(let paper):
      let reproduced = ExperimentCatalogue.experiments.map(\.id).joined(separator: ", ")
      return "paper '\(paper.id)' has no experiment yet (status \(paper.status.rawValue)); "
        + "reproducible now: \(reproduced)"
    }
  }
}

/// Levenshtein distance, for "did you mean".
func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a), b = Array(b)
  var previous = Array(0...b.count)
  for i in 1...max(1, a.count) where !a.isEmpty {
    var current = [i] + Array(repeating: 0, count: b.count)
    for j in 1...max(1, b.count) where !b.isEmpty {
      current[j] = min(
        previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return a.isEmpty ? b.count : previous[b.count]
}
