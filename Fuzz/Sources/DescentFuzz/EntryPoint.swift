import Descent
import Foundation

/// The target this process fuzzes, from `DESCENT_FUZZ_TARGET` (scripts/fuzz.sh sets it): one
/// binary serves every reader, so the instrumented libraries are built once.
let selectedTarget: FuzzTarget = {
  let name = ProcessInfo.processInfo.environment["DESCENT_FUZZ_TARGET"] ?? ""
  guard let target = FuzzTarget(rawValue: name) else {
    let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
    StandardStreams.writeError("DescentFuzz: set DESCENT_FUZZ_TARGET to one of: \(known)\n")
    exit(64)
  }
  return target
}()

/// The input file: one path per process, rewritten for every input (the readers read files).
let inputURL = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
  "descent-fuzz-\(ProcessInfo.processInfo.processIdentifier).\(selectedTarget.fileExtension)")

/// libFuzzer's entry point: called once per input; returns 0 (the input is never rejected).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = size == 0 || data == nil ? Data() : Data(bytes: data!, count: size)
  do {
    try bytes.write(to: inputURL)
  } catch {
    StandardStreams.writeError("DescentFuzz: cannot write \(inputURL.path): \(error)\n")
    exit(1)
  }
  do { try selectedTarget.run(inputURL, bytes: bytes) } catch {}
  return 0
}
