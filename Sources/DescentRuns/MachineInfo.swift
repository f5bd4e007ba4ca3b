import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The machine a run trained on: enough to tell whether two timings are comparable.
public struct MachineInfo: Sendable, Equatable, Codable {
  public var hostname: String
  public var cores: Int
  /// `model name` from /proc/cpuinfo, or `"unknown"`.
  public var cpuModel: String

  public init(hostname: String, cores: Int, cpuModel: String) {
    self.hostname = hostname
    self.cores = cores
    self.cpuModel = cpuModel
  }

  /// This machine, read once per process.
  public static let current = MachineInfo(
    hostname: currentHostname(), cores: ProcessInfo.processInfo.activeProcessorCount,
    cpuModel: cpuModelName())

  /// `gethostname(2)`, which never waits on DNS (unlike `ProcessInfo.hostName`).
  static func currentHostname() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  static func cpuModelName() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
      return "unknown"
    }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
      if let colon = line.firstIndex(of: ":") {
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    return "unknown"
  }
}

/// The version of the code a run was made with.
public enum CodeVersion {
  /// The package version, used when git cannot describe the source tree.
  public static let packageVersion = "0.1.0"

  /// `git describe --tags --always --dirty` of the source tree this binary was built from (when it
  /// is still there, as in development and CI), else `packageVersion`. Computed once per process.
  public static let current: String = {
    let sourceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: sourceDirectory) else { return packageVersion }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "-C", sourceDirectory, "describe", "--tags", "--always", "--dirty"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return packageVersion }
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    process.waitUntilExit()
    guard process.terminationStatus == 0, !text.isEmpty else { return packageVersion }
    return "\(packageVersion)+\(text)"
  }()
}

/// When process `pid` started, in clock ticks since boot (`/proc/PID/stat`, field 22), or nil where
/// that cannot be read (no such process, not Linux). With the PID it names one process even after
/// the PID is reused.
public func processStartTime(_ pid: Int32) -> Int64? {
  guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
    let close = stat.lastIndex(of: ")")
  else { return nil }
  // Fields after the command name (which may hold spaces) start at field 3.
  let fields = stat[stat.index(after: close)...].split(separator: " ")
  guard fields.count > 19 else { return nil }
  return Int64(fields[19])
}

/// Whether the process that started a run still runs: `pid` is alive and, where both start times
/// are known, started at `startTime` (not a later process that got the same PID).
public func isRunProcessAlive(_ pid: Int32, startTime: Int64?) -> Bool {
  guard isProcessAlive(pid) else { return false }
  guard let startTime, let current = processStartTime(pid) else { return true }
  return current == startTime
}

/// Whether a process is alive on this host: `kill(pid, 0)` succeeds, or fails only for lack of
/// permission (the process exists but belongs to someone else).
public func isProcessAlive(_ pid: Int32) -> Bool {
  guard pid > 0 else { return false }
  if kill(pid, 0) == 0 { return true }
  return errno == EPERM
}
