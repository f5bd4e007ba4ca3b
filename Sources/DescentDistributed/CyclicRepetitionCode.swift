import Descent

/// The cyclic-repetition gradient code of Tandon, Lei, Dimakis and Karampatziakis ("Gradient
/// Coding: Avoiding Stragglers in Distributed Learning", ICML 2017, arXiv:1612.03301,
/// Algorithm 2): n workers, n data partitions, any s stragglers tolerated.
///
/// Worker i holds the s + 1 partitions i, i + 1, …, i + s (mod n) and sends the single vector
/// Σⱼ B[i][j]·gⱼ. The encoding matrix B (n × n, s + 1 nonzeros per row) is built so that every
/// row lies in the null space of a random H ∈ ℝ^{s×n} with H·1 = 0:
///
///     H[:, 0..<n−1] ~ N(0, 1),  H[:, n−1] = −Σ_{j<n−1} H[:, j]
///     for each row i: B[i][i] = 1, and the other s entries of the support solve
///         H[:, support \ {i}] · x = −H[:, i]          (an s × s system)
///
/// The null space of H has dimension n − s and contains 1, and with probability one any n − s
/// rows of B are independent, so they span it: for every surviving set F with |F| ≥ n − s there
/// is a decoding vector a with aᵀ B_F = 1ᵀ, and Σ_{i∈F} aᵢ·(worker i's vector) = Σⱼ gⱼ, the
/// full gradient. ``decodingVector(survivors:)`` solves that system (Householder least squares
/// over n − s of the survivors, residual checked).
///
/// s = 0 is the uncoded scheme (B = I); s = n − 1 is full repetition.
public struct CyclicRepetitionCode: Sendable, Equatable {
  /// The number of workers n (= the number of partitions).
  public let workers: Int
  /// The number of stragglers s tolerated.
  public let stragglers: Int
  /// B, row i = worker i's coefficients over the n partitions (zero off its support).
  public let encodingMatrix: [[Double]]

  /// The largest decoding residual ‖B_Fᵀa − 1‖∞ accepted.
  public static let residualTolerance = 1e-9

  /// Builds the code; `seed` draws H. Throws for n < 1 or s outside 0..<n.
  public init(workers: Int, stragglers: Int, seed: UInt64 = 0) throws {
    guard workers >= 1 else {
      throw GradientCodingError.invalidParameter(name: "workers", value: workers, allowed: "n ≥ 1")
    }
    guard (0..<workers).contains(stragglers) else {
      throw GradientCodingError.invalidParameter(
        name: "stragglers", value: stragglers, allowed: "0 ≤ s ≤ n − 1 = \(workers - 1)")
    }
    self.workers = workers
    self.stragglers = stragglers
    let n = workers
    let s = stragglers
    var matrix = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    if s == 0 {
      for i in 0..<n { matrix[i][i] = 1 }
    } else {
      // Redraw H on the (probability-zero) event of a singular s × s block.
      var generator = RandomGenerator(seed: seed)
      var attempt = 0
      construction: while true {
        attempt += 1
        let draws = Tensor.normal([s * n], dtype: .float64, using: &generator).doubles
        var h = (0..<s).map { row in Array(draws[(row * n)..<(row * n + n)]) }
        for row in 0..<s {
          h[row][n - 1] = -h[row][0..<(n - 1)].reduce(0, +)
        }
        for i in 0..<n {
          let others = (1...s).map { (i + $0) % n }
          let block = (0..<s).map { row in others.map { h[row][$0] } }
          let rhs = (0..<s).map { -h[$0][i] }
          guard let x = DenseLinearSolve.solve(block, rhs), x.allSatisfy(\.isFinite) else {
            precondition(attempt < 100, "CyclicRepetitionCode: 100 singular draws of H")
            continue construction
          }
          matrix[i] = [Double](repeating: 0, count: n)
          matrix[i][i] = 1
          for (k, j) in others.enumerated() { matrix[i][j] = x[k] }
        }
        break
      }
    }
    encodingMatrix = matrix
  }

  /// The partitions worker `worker` holds: worker, worker + 1, …, worker + s (mod n).
  public func support(worker: Int) -> [Int] {
    (0...stragglers).map { (worker + $0) % workers }
  }

  /// Worker `worker`'s coefficients on its ``support(worker:)``, in that order.
  public func coefficients(worker: Int) -> [Double] {
    support(worker: worker).map { encodingMatrix[worker][$0] }
  }

  /// Normalized load: the fraction of the data each worker processes, (s + 1)/n.
  public var normalizedLoad: Double { Double(stragglers + 1) / Double(workers) }

  /// The decoding vector a (one entry per survivor, in the order given) with aᵀ B_F = 1ᵀ.
  /// Throws when fewer than n − s survivors are given, for an unknown or repeated worker, or
  /// when the residual exceeds ``residualTolerance``. Survivors beyond the first n − s get 0.
  public func decodingVector(survivors: [Int]) throws -> [Double] {
    for w in survivors where !(0..<workers).contains(w) {
      throw GradientCodingError.invalidWorker(index: w, workers: workers)
    }
    guard Set(survivors).count == survivors.count else {
      throw GradientCodingError.invalidParameter(
        name: "survivors (repeated worker)", value: survivors.count, allowed: "distinct workers")
    }
    let needed = workers - stragglers
    guard survivors.count >= needed else {
      throw GradientCodingError.tooFewSurvivors(
        job: nil, survivors: survivors.count, needed: needed)
    }
    let used = Array(survivors.prefix(needed))
    // The system B_Kᵀ a = 1: n equations (one per partition), n − s unknowns.
    let system = (0..<workers).map { j in used.map { encodingMatrix[$0][j] } }
    let ones = [Double](repeating: 1, count: workers)
    guard let (x, _) = DenseLinearSolve.leastSquares(system, ones) else {
      throw GradientCodingError.illConditioned(survivors: used, residual: .infinity)
    }
    var worst = 0.0
    for j in 0..<workers {
      var s = -1.0
      for (k, w) in used.enumerated() { s += x[k] * encodingMatrix[w][j] }
      worst = max(worst, abs(s))
    }
    guard worst <= Self.residualTolerance else {
      throw GradientCodingError.illConditioned(survivors: used, residual: worst)
    }
    return x + [Double](repeating: 0, count: survivors.count - needed)
  }

  /// Worker `worker`'s message Σⱼ B[worker][j]·gⱼ from the partition gradients `partials`
  /// (n vectors of one length).
  public func encode(partials: [[Double]], worker: Int) -> [Double] {
    precondition(
      partials.count == workers, "encode: \(partials.count) partials for \(workers) workers")
    var out = [Double](repeating: 0, count: partials[0].count)
    for j in support(worker: worker) {
      let c = encodingMatrix[worker][j]
      for k in out.indices { out[k] += c * partials[j][k] }
    }
    return out
  }

  /// Σ aᵢ·messageᵢ over the survivors' messages: the sum of all partition gradients.
  public func decode(messages: [Int: [Double]]) throws -> [Double] {
    let survivors = messages.keys.sorted()
    let a = try decodingVector(survivors: survivors)
    guard let length = messages.values.first?.count else {
      throw GradientCodingError.tooFewSurvivors(
        job: nil, survivors: 0, needed: workers - stragglers)
    }
    var out = [Double](repeating: 0, count: length)
    for (k, w) in survivors.enumerated() where a[k] != 0 {
      let m = messages[w]!
      for i in out.indices { out[i] += a[k] * m[i] }
    }
    return out
  }
}
