import Foundation

/// Wall-clock timing with warm-up and medians, for a shared, noisy machine.
public enum Timing {
  /// Seconds since an arbitrary origin, monotonic.
  public static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
  }

  /// The median of `repetitions` timings of `body`, after `warmup` untimed runs.
  public static func median(warmup: Int = 2, repetitions: Int = 9, _ body: () -> Void) -> Double {
    for _ in 0..<warmup { body() }
    var times: [Double] = []
    times.reserveCapacity(repetitions)
    for _ in 0..<repetitions {
      let start = now()
      body()
      times.append(now() - start)
    }
    return median(of: times)
  }

  /// The median of a list of values (mean of the two middle ones for an even count).
  public static func median(of values: [Double]) -> Double {
    precondition(!values.isEmpty, "median of no values")
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  }
}

/// Keeps a value alive and opaque to the optimizer, so measured work is not removed.
@inline(never) public func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }
