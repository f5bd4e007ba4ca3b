import ArgumentParser
import Descent
import DescentCurvature
import DescentOptimizers
import DescentRuns
import DescentTraining
import Foundation

/// `descent hessian`: top eigenvalues, trace and spectral density of the full-batch training
/// loss's Hessian (``FullBatchLoss`` + ``HessianReport``).
struct HessianCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "hessian",
    abstract: "Top eigenvalues, trace and spectral density of the training loss's Hessian.",
    discussion: """
      The loss is the mean cross-entropy of the model over every example of --data (features as \
      loaded unless --standardize), or with --checkpoint over the training split of the saved \
      run (its model, data, split and standardization; --model/--weights/--data not allowed). \
      Top eigenvalues by Lanczos with full reorthogonalization, the trace by Hutchinson with \
      --samples Rademacher probes (± its standard error), the density by stochastic Lanczos \
      quadrature, written as an SVG chart (atomically). Every Hessian-vector product is exact \
      (double backpropagation over the whole dataset). \
      Exit status: 0; 64 usage error; 65 a missing or unusable file, or weights that do not fit.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

  @Option(help: "A `descent train` checkpoint (instead of --model/--weights/--data).")
  var checkpoint: String?
  @Option(help: "Model spec (see `descent train --help`).") var model: String?
  @Option(help: "Weights file (.safetensors).") var weights: String?
  @Option(help: "Embedded dataset name or data path.") var data: String?
  @Flag(help: "Standardize features with the data's own statistics.") var standardize = false
  @Option(parsing: .unconditional, help: "How many of the largest eigenvalues (default 5).") var top: String?
  @Flag(help: "Estimate the trace (Hutchinson).") var trace = false
  @Option(help: "Write the spectral density (SLQ) as an SVG chart to this file.")
  var density: String?
  @Option(parsing: .unconditional, help: "Hutchinson probe vectors for the trace (default 100).")
  var samples: String?

  /// The largest `--samples`: beyond it a run is hours of Hessian-vector products for a standard
  /// error already below 0.3% of a single probe's spread.
  static let maximumSamples = 100_000
  @Option(parsing: .unconditional, help: "Seed of the random probe vectors (default 0).") var seed: String?
  @Option(help: "Output: table or json.") var format: Format = .table

  func run() throws {
    func usage(_ message: String) -> ExitCode {
      CommandFailure(command: "hessian", message: message, status: 64).report()
    }
    func whole<Value>(_ text: String?, _ flag: String, _ rule: WholeNumberRule<Value>) throws -> Value? {
      try wholeNumber(text, flag: flag, rule: rule, command: "hessian")
    }
    let top = try whole(top, "--top", WholeNumberFlags.top) ?? 5
    let samples = try whole(samples, "--samples", WholeNumberFlags.samples) ?? 100
    let seed = try whole(seed, "--seed", WholeNumberFlags.seed) ?? 0
    guard top > 0 || trace || density != nil else {
      throw usage("--top 0 with neither --trace nor --density asks for nothing: give --top N ≥ 1")
    }
    if samples > Self.maximumSamples {
      throw usage(
        "--samples \(samples): at most \(Self.maximumSamples) (each probe is one Hessian-vector "
          + "product over the whole data set; the standard error falls as 1/√samples)")
    }
    try OutputChecks(files: [("--density", density)]).verify(command: "hessian")
    let loss: FullBatchLoss
    do {
      if let checkpoint {
        guard model == nil, weights == nil, data == nil else {
          throw usage(
            "--checkpoint takes the model, weights and data from the run; "
              + "leave out --model, --weights and --data")
        }
        loss = try FullBatchLoss.load(checkpoint: URL(fileURLWithPath: checkpoint))
      } else {
        guard let model, let weights, let data else {
          throw usage("give --checkpoint FILE, or --model, --weights and --data")
        }
        loss = try FullBatchLoss.load(
          model: model, weights: weights, data: data, standardize: standardize)
      }
    } catch let error as TrainingError {
      throw CommandFailure(command: "hessian", message: error.description, status: error.exitStatus)
        .report()
    }
    let dimension = loss.parameters.scalarCount
    if top > dimension {
      throw usage(
        "--top \(top): the Hessian of \(loss.model) is \(dimension) × \(dimension), "
          + "so it has at most \(dimension) eigenvalues: give --top ≤ \(dimension)")
    }
    // Lanczos keeps every basis vector (full reorthogonalization): refuse what cannot fit.
    let lanczosVectors = min(dimension, max(2 * top + 20, 40))
    if top > 0, let excess = MemoryBudget.excess(Double(lanczosVectors) * Double(dimension) * 8) {
      throw usage(
        "--top \(top): Lanczos would keep \(lanczosVectors) vectors of \(dimension) numbers "
          + "(\(excess)): ask for fewer eigenvalues")
    }
    var options = HessianReport.Options()
    options.top = top
    options.trace = trace
    options.traceSamples = samples
    options.density = density != nil
    options.seed = seed
    let report = try HessianReport.compute(
      loss: loss.loss, at: loss.parameters, options: options)
    if let density, let svg = report.densitySVG {
      do {
        try AtomicFile.write(svg, to: density)
      } catch ReportWriteError.cannotWrite(_, let detail) {
        throw CommandFailure(
          command: "hessian", message: "--density \(density): cannot write (\(detail))",
          status: 1
        ).report()
      }
    }
    switch format {
    case .json: print(report.jsonString())
    case .table: print(report.table(), terminator: "")
    }
  }
}
