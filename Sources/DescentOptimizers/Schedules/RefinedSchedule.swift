/// The refined schedule of Defazio, Cutkosky, Mehta & Mishchenko, "When, Why and How Much?
/// Adaptive Learning Rate Scheduling by Refinement" (2023, arXiv:2310.07831): from the gradient
/// norms `G₀ … G_{T−1}` recorded during a first run (see ``GradientNormRecorder``), a schedule for
/// the next run of the same length `T`:
///
/// 1. median-filter the norms with an odd window `w` (default `2·⌊⌊T/10⌋/2⌋ + 1`, about `0.1·T`),
///    the sequence reflected at its end (NumPy `pad(mode: "reflect")`) and its first value repeated
///    before its start;
/// 2. weights `wₜ = Gₜ⁻²` for SGD (ℓ2 norms) or `wₜ = Gₜ⁻¹` for Adam-type methods (ℓ1 norms);
/// 3. `sₜ = wₜ · Σ_{p>t} w_p` (so `s_{T−1} = 0`);
/// 4. scale so that `max sₜ = peakLearningRate`.
///
/// Constant norms give exactly the linear decay `peak · (T − 1 − t)/(T − 1)`; large early norms
/// give a warmup on their own. Steps at or past `T` get 0. The paper's authors' code is
/// CC-BY-NC, so this follows the paper's formula, not that code.
public struct RefinedSchedule: Schedule, Equatable, Codable {
  /// Which optimizer family the schedule is for: it picks the norm and the weight's power.
  public enum Kind: String, Sendable, Codable, CaseIterable {
    /// SGD-type methods: ℓ2 gradient norms, `wₜ = Gₜ⁻²`.
    case sgd
    /// Adam-type (coordinate-wise adaptive) methods: ℓ1 gradient norms, `wₜ = Gₜ⁻¹`.
    case adam

    /// The norm the recorder should collect for this kind.
    public var norm: GradientNormRecorder.Norm { self == .sgd ? .l2 : .l1 }
  }

  /// The learning rate at each step `0..<T`.
  public let values: [Double]

  /// - Parameters:
  ///   - norms: one gradient norm per step of the first run (ℓ2 for `.sgd`, ℓ1 for `.adam`).
  ///   - medianFilterWidth: odd window of the median filter; `nil` picks `2·⌊⌊T/10⌋/2⌋ + 1`.
  /// - Precondition: at least 2 norms, all positive and finite; an odd width ≥ 1.
  public init(
    norms: [Double], peakLearningRate: Double, kind: Kind, medianFilterWidth: Int? = nil
  ) {
    let count = norms.count
    precondition(count >= 2, "RefinedSchedule: needs at least 2 gradient norms, got \(count)")
    precondition(
      norms.allSatisfy { $0 > 0 && $0.isFinite },
      "RefinedSchedule: gradient norms must be positive and finite, got \(norms.first { !($0 > 0 && $0.isFinite) }!)"
    )
    let width = medianFilterWidth ?? Self.defaultMedianFilterWidth(steps: count)
    precondition(
      width >= 1 && width % 2 == 1,
      "RefinedSchedule: medianFilterWidth must be odd and ≥ 1, got \(width)")
    let smoothed = Self.medianFiltered(norms, width: width)
    let weights = smoothed.map { kind == .sgd ? 1 / ($0 * $0) : 1 / $0 }
    var raw = [Double](repeating: 0, count: count)
    var tail = 0.0
    for t in stride(from: count - 1, through: 0, by: -1) {
      raw[t] = weights[t] * tail
      tail += weights[t]
    }
    let largest = raw.max()!
    values = raw.map { $0 / largest * peakLearningRate }
  }

  public func value(atStep step: Int) -> Double {
    step >= 0 && step < values.count ? values[step] : (step < 0 ? values[0] : 0)
  }

  /// `2·⌊⌊T/10⌋/2⌋ + 1`: the odd width nearest below about a tenth of the run.
  public static func defaultMedianFilterWidth(steps: Int) -> Int { 2 * ((steps / 10) / 2) + 1 }

  /// The running median over an odd window centred on each element, the sequence extended by
  /// reflection past its end and by its first value before its start.
  public static func medianFiltered(_ x: [Double], width: Int) -> [Double] {
    let count = x.count
    let half = width / 2
    func extended(_ i: Int) -> Double {
      if i < 0 { return x[0] }
      if i < count { return x[i] }
      // NumPy "reflect" (the edge is not repeated), folded as often as needed.
      guard count > 1 else { return x[0] }
      let period = 2 * (count - 1)
      let k = i % period
      return x[k < count ? k : period - k]
    }
    var window = [Double](repeating: 0, count: width)
    return (0..<count).map { i in
      for j in 0..<width { window[j] = extended(i - half + j) }
      window.sort()
      return window[half]
    }
  }
}
