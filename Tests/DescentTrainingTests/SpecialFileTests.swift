import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Hardening (issue 19, the second hostile-user run): paths that are not regular files and empty
/// data specs. A device or FIFO given as data would be read forever; one given as an output would
/// be replaced by the atomic rename (as root, `--checkpoint /dev/null` destroyed the device).
@Suite("Special files and empty specs", .serialized)
struct SpecialFileTests {
  static let folder: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-special-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    mkfifo(url.appendingPathComponent("fifo.csv").path, 0o644)
    try? FileManager.default.createSymbolicLink(
      atPath: url.appendingPathComponent("zero.csv").path, withDestinationPath: "/dev/zero")
    try? FileManager.default.createSymbolicLink(
      atPath: url.appendingPathComponent("null-device").path, withDestinationPath: "/dev/null")
    return url
  }()

  static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  @Test(arguments: ["fifo.csv", "zero.csv"])
  func dataThatIsNotARegularFileIsRefused(name: String) throws {
    _ = try DescentExecutable.expectOneLineError(
      ["train", "--no-store", "--steps", "1", "--data", Self.path(name)], status: 65,
      containing: "not a regular file")
  }

  /// A symbolic link to /dev/null stands for the device: it must survive the command.
  @Test(arguments: ["--checkpoint", "--log"])
  func anOutputThatIsADeviceIsRefusedBeforeWork(flag: String) throws {
    _ = try DescentExecutable.expectOneLineError(
      ["train", "--no-store", "--steps", "2", flag, Self.path("null-device")], status: 1,
      containing: "is a device, pipe or socket, not a file")
    var info = stat()
    #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
  }

  @Test(arguments: ["", ",", "iris,", "a.npy,,b.npy"])
  func emptyPartsOfADataSpecAreAUsageError(spec: String) throws {
    _ = try DescentExecutable.expectOneLineError(
      ["train", "--no-store", "--steps", "1", "--data", spec], status: 64,
      containing: "(no empty parts)")
  }

  @Test func anEmptyOutputPathIsNamedAsEmpty() throws {
    _ = try DescentExecutable.expectOneLineError(
      ["train", "--no-store", "--steps", "1", "--checkpoint", ""], status: 1,
      containing: "--checkpoint: the path is empty")
  }

  /// gpt-char sizes are estimated before anything is allocated, as MLP sizes are.
  @Test(arguments: ["gpt-char:dim=100000,heads=1", "gpt-char:layers=100000"])
  func languageModelsThatCannotFitAreRefusedWithTheFigure(spec: String) throws {
    let text = Self.path("text.txt")
    try String(repeating: "hello world ", count: 500).write(
      toFile: text, atomically: true, encoding: .utf8)
    _ = try DescentExecutable.expectOneLineError(
      ["train", "--no-store", "--steps", "1", "--data", text, "--model", spec], status: 64,
      containing: "parameters at batch size 32 needs about")
  }

  @Test func hessianSamplesAreCapped() throws {
    _ = try DescentExecutable.expectOneLineError(
      [
        "hessian", "--model", "mlp:=4-3", "--weights", "w.safetensors", "--data", "iris", "--trace",
        "--samples", "1000000000",
      ], status: 64, containing: "--samples 1000000000: at most 100000")
  }
}
