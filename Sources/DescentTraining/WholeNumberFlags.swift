import DescentOptimizers

/// The range of every whole-number option of `train`, `compare`, `hessian`, `bench` and
/// `reproduce`, stated once: the command line parses a flag's text with its rule and
/// ``TrainingConfiguration/validate()`` checks a configuration (from a TOML file or the
/// library) with the same rule, so both word a refusal alike (`WholeNumberRule`).
public enum WholeNumberFlags {
  public static let batchSize = WholeNumberRule<Int>(atLeast: 1)
  public static let epochs = WholeNumberRule<Int>(atLeast: 1)
  public static let steps = WholeNumberRule<Int>(atLeast: 1)
  public static let warmup = WholeNumberRule<Int>(atLeast: 0)
  public static let evalEvery = WholeNumberRule<Int>(atLeast: 0)
  public static let checkpointEvery = WholeNumberRule<Int>(atLeast: 0)
  /// More threads than this only add start-up cost (``TrainingConfiguration/maximumThreads``).
  public static let threads = WholeNumberRule<Int>(1...TrainingConfiguration.maximumThreads)
  public static let accumulate = WholeNumberRule<Int>(1...1_000_000)
  public static let printEvery = WholeNumberRule<Int>(atLeast: 1)
  /// Every 64-bit seed.
  public static let seed = WholeNumberRule<UInt64>(atLeast: 0)
  /// `hessian --top` (0 with `--trace` or `--density`) and `--samples`.
  public static let top = WholeNumberRule<Int>(atLeast: 0)
  public static let samples = WholeNumberRule<Int>(atLeast: 1)
  /// `bench --repetitions`.
  public static let repetitions = WholeNumberRule<Int>(atLeast: 1)
}
