import CDescentKernels
import Descent

/// This machine's limits, measured in the same run as the benchmarks they scale.
public enum MachineLimits {
  /// STREAM triad bandwidth `a[i] = b[i] + s·c[i]` over `count` floats per array, in bytes per
  /// second (12 bytes counted per element, STREAM's convention), with the current thread count.
  /// Buffers are touched before timing, so page faults are not measured. The loop is the
  /// vectorized C kernel of CDescentKernels (AVX-512 where available).
  public static func triadBandwidth(count: Int = 1 << 24, repetitions: Int = 9) -> Double {
    let a = UnsafeMutablePointer<Float>.allocate(capacity: count)
    let b = UnsafeMutablePointer<Float>.allocate(capacity: count)
    let c = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer {
      a.deallocate()
      b.deallocate()
      c.deallocate()
    }
    Parallelism.forEachChunk(count: count) { range in
      for i in range {
        a[i] = 0
        b[i] = 1
        c[i] = 2
      }
    }
    let s: Float = 3
    let seconds = Timing.median(warmup: 2, repetitions: repetitions) {
      Parallelism.forEachChunk(count: count) { range in
        let o = range.lowerBound
        descent_stream_triad_f32(a + o, b + o, c + o, s, range.count)
      }
    }
    return Double(12 * count) / seconds
  }

  /// Bandwidth of the optimizer-step memory pattern: 4 arrays read, 3 written (Adam's p, g, m, v),
  /// 28 bytes per element, trivial arithmetic. The limit an elementwise optimizer step can reach.
  public static func optimizerPatternBandwidth(count: Int = 1 << 24, repetitions: Int = 7) -> Double {
    let arrays = (0..<4).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: count) }
    defer { arrays.forEach { $0.deallocate() } }
    let (p, g, m, v) = (arrays[0], arrays[1], arrays[2], arrays[3])
    Parallelism.forEachChunk(count: count) { range in
      for i in range {
        p[i] = 1
        g[i] = 0.5
        m[i] = 0
        v[i] = 0
      }
    }
    let seconds = Timing.median(warmup: 2, repetitions: repetitions) {
      Parallelism.forEachChunk(count: count) { range in
        let o = range.lowerBound
        descent_stream_4r3w_f32(p + o, g + o, m + o, v + o, range.count)
      }
    }
    return Double(28 * count) / seconds
  }
}
