import CBLAS
import Foundation
import Synchronization

/// OpenBLAS, loaded at first use with kernels chosen for this CPU.
///
/// Debian's OpenBLAS 0.3.21 does not recognize recent CPUs (Emerald Rapids, Zen 5) and falls back
/// to its SSE3 "Prescott" kernels, 4–6× slower at GEMM. OpenBLAS reads `OPENBLAS_CORETYPE` only
/// when it is loaded, so Descent does not link it: before loading it, Descent sets the core type
/// from the CPU's own feature flags (AVX-512 → `SkylakeX`, AVX2+FMA → `Haswell`) unless the user set
/// one, then checks GEMM results against a plain reference once. If the library is missing or the
/// check fails, a portable Swift GEMM is used and a warning says why. See docs/blas.md.
public final class BLASLibrary: @unchecked Sendable {
  typealias SGEMM = @convention(c) (
    Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
    UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32
  ) -> Void
  typealias DGEMM = @convention(c) (
    Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32,
    UnsafePointer<Double>?, Int32, Double, UnsafeMutablePointer<Double>?, Int32
  ) -> Void
  typealias SetThreads = @convention(c) (Int32) -> Void
  typealias GetString = @convention(c) () -> UnsafePointer<CChar>?

  /// The process-wide instance.
  public static let shared = BLASLibrary()

  let sgemm: SGEMM?
  let dgemm: DGEMM?
  private let setThreads: SetThreads?
  private let handle: UnsafeMutableRawPointer?
  private let threadsInUse = Mutex<Int32>(0)

  /// Where the core type came from: set by the user, chosen by Descent, or OpenBLAS's own detection.
  public let coreTypeSource: String
  /// The kernel family OpenBLAS reports it is using (e.g. `SkylakeX`), or `nil` without OpenBLAS.
  public let coreName: String?
  /// OpenBLAS's configuration string, or `nil`.
  public let configuration: String?
  /// Why the portable Swift GEMM is in use, or `nil` when OpenBLAS serves GEMM.
  public let fallbackReason: String?

  private init() {
    var source = "detected by OpenBLAS"
    if let user = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !user.isEmpty {
      source = "OPENBLAS_CORETYPE=\(user) set by the user"
    } else if descent_cpu_has_avx512() != 0 {
      setenv("OPENBLAS_CORETYPE", "SkylakeX", 0)
      source = "SkylakeX chosen by Descent (CPU has AVX-512)"
    } else if descent_cpu_has_avx2_fma() != 0 {
      setenv("OPENBLAS_CORETYPE", "Haswell", 0)
      source = "Haswell chosen by Descent (CPU has AVX2 and FMA)"
    }
    coreTypeSource = source
    var handle: UnsafeMutableRawPointer?
    for name in ["libopenblas.so.0", "libopenblas.so", "libopenblasp-r0.3.21.so", "libopenblas.dylib"] {
      handle = dlopen(name, RTLD_NOW | RTLD_LOCAL)
      if handle != nil { break }
    }
    self.handle = handle
    func symbol<F>(_ name: String, _ type: F.Type) -> F? {
      guard let handle, let p = dlsym(handle, name) else { return nil }
      return unsafeBitCast(p, to: F.self)
    }
    let sgemm = symbol("cblas_sgemm", SGEMM.self)
    let dgemm = symbol("cblas_dgemm", DGEMM.self)
    setThreads = symbol("openblas_set_num_threads", SetThreads.self)
    coreName = symbol("openblas_get_corename", GetString.self).flatMap { $0() }.map { String(cString: $0) }
    configuration = symbol("openblas_get_config", GetString.self).flatMap { $0() }.map {
      String(cString: $0)
    }
    var reason: String?
    if handle == nil {
      reason = "OpenBLAS not found (install Debian's libopenblas0 or libopenblas-dev)"
    } else if sgemm == nil || dgemm == nil {
      reason = "OpenBLAS has no cblas_sgemm/cblas_dgemm"
    } else if let failure = BLASLibrary.verify(sgemm: sgemm!, dgemm: dgemm!) {
      reason = "OpenBLAS (\(coreName ?? "?") kernels) gave wrong GEMM results: \(failure)"
    }
    fallbackReason = reason
    if let setThreads { setThreads(1) }
    threadsInUse.withLock { $0 = 1 }
    self.sgemm = reason == nil ? sgemm : nil
    self.dgemm = reason == nil ? dgemm : nil
    if let reason {
      StandardStreams.writeError("descent: warning: \(reason); using the slower portable GEMM\n")
    }
  }

  /// A dynamic-library symbol of the loaded OpenBLAS (for LAPACK routines), or `nil`.
  func symbol<F>(_ name: String, as type: F.Type) -> F? {
    guard let handle, let p = dlsym(handle, name) else { return nil }
    return unsafeBitCast(p, to: F.self)
  }

  /// Calls OpenBLAS's `cblas_sgemm` directly (row-major, no transposes, `C = A·B`) on `threads` of
  /// OpenBLAS's own threads, bypassing Descent's tensor layer: the machine's GEMM limit for
  /// benchmarks. Returns false without OpenBLAS. (Descent's own calls are single-threaded: see
  /// `gemm`.)
  public func rawSGEMM(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
    m: Int, n: Int, k: Int, threads: Int
  ) -> Bool {
    guard let sgemm else { return false }
    useThreads(threads)
    sgemm(101, 111, 111, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, c, Int32(n))
    useThreads(1)
    return true
  }

  /// A one-line description of the BLAS in use.
  public var summary: String {
    if let fallbackReason { return "portable Swift GEMM (\(fallbackReason))" }
    return "OpenBLAS, \(coreName ?? "unknown") kernels (\(coreTypeSource))"
  }

  /// Makes OpenBLAS use `threads` threads for the next calls. Descent keeps it at 1 (set when the
  /// library loads) and splits work over its own threads, so results do not depend on the count.
  func useThreads(_ threads: Int) {
    guard let setThreads else { return }
    threadsInUse.withLock { current in
      if current != Int32(threads) {
        setThreads(Int32(threads))
        current = Int32(threads)
      }
    }
  }

  /// Checks GEMM on odd sizes, all transpose combinations, against a plain reference.
  private static func verify(sgemm: SGEMM, dgemm: DGEMM) -> String? {
    let (m, n, k) = (37, 29, 53)
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53) - 0.5
    }
    let a = (0..<(m * k)).map { _ in next() }
    let b = (0..<(k * n)).map { _ in next() }
    for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
      var reference = [Double](repeating: 0, count: m * n)
      for i in 0..<m {
        for j in 0..<n {
          var s = 0.0
          for p in 0..<k {
            let av = ta ? a[p * m + i] : a[i * k + p]
            let bv = tb ? b[j * k + p] : b[p * n + j]
            s += av * bv
          }
          reference[i * n + j] = s
        }
      }
      let lda = Int32(ta ? m : k)
      let ldb = Int32(tb ? k : n)
      var c64 = [Double](repeating: 0, count: m * n)
      dgemm(101, ta ? 112 : 111, tb ? 112 : 111, Int32(m), Int32(n), Int32(k), 1, a, lda, b, ldb, 0, &c64, Int32(n))
      let af = a.map { Float($0) }
      let bf = b.map { Float($0) }
      var c32 = [Float](repeating: 0, count: m * n)
      sgemm(101, ta ? 112 : 111, tb ? 112 : 111, Int32(m), Int32(n), Int32(k), 1, af, lda, bf, ldb, 0, &c32, Int32(n))
      for i in 0..<(m * n) {
        if abs(c64[i] - reference[i]) > 1e-12 * Double(k) { return "dgemm element \(i): \(c64[i]) vs \(reference[i])" }
        if abs(Double(c32[i]) - reference[i]) > 1e-5 * Double(k) { return "sgemm element \(i): \(c32[i]) vs \(reference[i])" }
      }
    }
    return nil
  }
}
