/// Accuracy of an estimated DAG against the true one, as the reference's `count_accuracy`
/// (SAMiatto/colide `utils.py`, modified from NOTEARS' `xunzheng/notears` `utils.py`), for 0/1
/// adjacency matrices (d×d row-major, rows = parents; no CPDAG entries):
///
/// - SHD: extra + missing edges of the skeleton, plus edges in the wrong direction;
/// - FDR: (reversed + false positive) / predicted; TPR: true positive / true edges;
/// - FPR: (reversed + false positive) / (d(d − 1)/2 − true edges); NNZ: predicted edges.
public struct DAGAccuracy: Sendable, Equatable {
  public let shd: Int
  public let fdr: Double
  public let tpr: Double
  public let fpr: Double
  public let predictedEdges: Int
  /// Predicted edges whose reverse is a true edge (the part of the SHD that orientation causes).
  public let reversedEdges: Int

  public init(truth: [Int], estimate: [Int], dimension d: Int) {
    precondition(
      truth.count == d * d && estimate.count == d * d,
      "DAGAccuracy: \(truth.count) and \(estimate.count) entries for \(d)×\(d)")
    var truePositive = 0
    var reversed = 0
    var falsePositive = 0
    var predicted = 0
    var condition = 0
    for i in 0..<d {
      for j in 0..<d {
        let k = i * d + j
        if truth[k] != 0 { condition += 1 }
        guard estimate[k] != 0 else { continue }
        predicted += 1
        if truth[k] != 0 {
          truePositive += 1
        } else if truth[j * d + i] != 0 {
          reversed += 1
        } else {
          falsePositive += 1
        }
      }
    }
    // Skeleton differences on the lower triangle of A + Aᵀ.
    var extra = 0
    var missing = 0
    for i in 0..<d {
      for j in 0...i {
        let p = estimate[i * d + j] + estimate[j * d + i] != 0
        let c = truth[i * d + j] + truth[j * d + i] != 0
        if p && !c { extra += 1 }
        if c && !p { missing += 1 }
      }
    }
    let negatives = Double(d * (d - 1)) / 2 - Double(condition)
    shd = extra + missing + reversed
    fdr = Double(reversed + falsePositive) / Double(max(predicted, 1))
    tpr = Double(truePositive) / Double(max(condition, 1))
    fpr = Double(reversed + falsePositive) / max(negatives, 1)
    predictedEdges = predicted
    reversedEdges = reversed
  }
}
