import Dispatch
import Foundation

/// How many threads Descent's kernels use. Task-local, set with ``withThreads(_:_:)``.
///
/// Results never depend on it: every reduction splits its input into blocks whose boundaries
/// depend only on the sizes, never on the thread count, and combines the block results in a fixed
/// order.
public enum Parallelism {
  @TaskLocal static var requestedThreads: Int? = nil

  /// The number of cores this process may use.
  public static let availableCores: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

  /// Threads the kernels use in the current task (default: all available cores).
  public static var threadCount: Int { requestedThreads ?? availableCores }

  /// Elements below which an elementwise kernel runs on one thread.
  static let elementwiseGrain = 1 << 16
}

/// Runs `body` with Descent's kernels using `threads` threads.
public func withThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
  precondition(threads >= 1, "withThreads: thread count must be at least 1, got \(threads)")
  return try Parallelism.$requestedThreads.withValue(threads) { try body() }
}

/// Splits `0..<count` into at most `threadCount` contiguous chunks (each at least `grain`, chunk
/// boundaries rounded to multiples of `alignment`) and runs `body` on each, in parallel.
@inlinable
func parallelChunks(
  count: Int, grain: Int = 1 << 16, alignment: Int = 16, _ body: (Range<Int>) -> Void
) {
  let threads = Parallelism.threadCount
  if threads <= 1 || count < 2 * grain {
    if count > 0 { body(0..<count) }
    return
  }
  let chunks = min(threads, count / grain)
  let evenSize = (count + chunks - 1) / chunks
  let chunkSize = (evenSize + alignment - 1) / alignment * alignment
  withoutActuallyEscaping(body) { body in
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: chunks) { i in
      let start = i * chunkSize
      let end = min(count, start + chunkSize)
      if start < end { body(start..<end) }
    }
  }
}

/// Runs `body(i)` for `i` in `0..<count`, spread over the threads. Each index runs exactly once.
@inlinable
func parallelFor(_ count: Int, _ body: (Int) -> Void) {
  let threads = Parallelism.threadCount
  if threads <= 1 || count <= 1 {
    for i in 0..<count { body(i) }
    return
  }
  withoutActuallyEscaping(body) { body in
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: min(threads, count)) { worker in
      var i = worker
      let step = min(threads, count)
      while i < count {
        body(i)
        i += step
      }
    }
  }
}

extension Parallelism {
  /// Splits `0..<count` into at most ``threadCount`` contiguous chunks of at least `grain`
  /// elements (boundaries multiples of 16) and runs `body` on each chunk, in parallel. Below
  /// `2 × grain` elements it runs `body(0..<count)` on the calling thread.
  ///
  /// For fused in-place kernels outside this module (optimizer steps): chunks are disjoint, so
  /// `body` may write to its own range of a buffer without synchronization.
  public static func forEachChunk(
    count: Int, grain: Int = 1 << 16, _ body: (Range<Int>) -> Void
  ) {
    parallelChunks(count: count, grain: grain, body)
  }
}
