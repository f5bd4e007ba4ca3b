import Descent
import Synchronization

/// Layers that ask for 32-bit optimizer state for some of their parameters, whatever precision
/// the optimizer keeps for the others.
///
/// The paper's ``StableEmbedding`` (Dettmers et al., "8-bit Optimizers via Block-wise
/// Quantization", arXiv:2110.02861, §2.3) keeps its weight's optimizer state in 32 bits: rare
/// tokens' rows get few, large gradients, which block-wise 8-bit state rounds badly. A layer
/// declares such a parameter from its ``Layer/visitParameters(prefix:_:)``, right after visiting it:
///
/// ```swift
/// visit(prefix + "weight", &weight, .parameter)
/// FullPrecisionState.declare(prefix + "weight")
/// ```
///
/// and ``Layer/fullPrecisionStatePaths`` collects the declared paths of a whole model (through any
/// container, since containers already pass their prefixes down). The optimizer side takes them
/// as a set of paths: `StateStorage.keepingFullPrecision(_:)` in DescentOptimizers, or
/// `OptimizerCatalogue.make(_:settings:fullPrecisionStatePaths:)`, which `descent train` uses.
public enum FullPrecisionState {
  /// The paths declared during one ``Layer/fullPrecisionStatePaths`` visit.
  final class Collector: Sendable {
    let paths = Mutex<[String]>([])
  }

  @TaskLocal static var collector: Collector?

  /// Declares that the optimizer state of the parameter at `path` stays 32-bit. Outside a
  /// ``Layer/fullPrecisionStatePaths`` visit (ordinary parameter visits) it does nothing.
  public static func declare(_ path: String) {
    collector?.paths.withLock { $0.append(path) }
  }
}

extension Layer {
  /// The parameter paths whose optimizer state the model's layers ask to keep in 32 bits (each
  /// ``StableEmbedding``'s `weight`), in visiting order; see ``FullPrecisionState``.
  public var fullPrecisionStatePaths: [String] {
    let collector = FullPrecisionState.Collector()
    var copy = self
    FullPrecisionState.$collector.withValue(collector) {
      copy.visitParameters(prefix: "") { _, _, _ in }
    }
    return collector.paths.withLock { $0 }
  }
}
