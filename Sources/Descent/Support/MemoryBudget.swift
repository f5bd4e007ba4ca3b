import Foundation

/// How much memory work sized from a user's number may take before it starts: commands estimate
/// the bytes first (`--steps 2000000000` rows of a trajectory, an `mlp:3000000000` model) and
/// refuse with the figure instead of dying in an allocation half-way through.
///
/// The budget is half the machine's physical memory, so that the estimate's slack and the rest of
/// the process still fit.
public enum MemoryBudget {
  /// Half of `ProcessInfo.physicalMemory`.
  public static var bytes: Double { Double(ProcessInfo.processInfo.physicalMemory) / 2 }

  /// nil when `bytes` fits the budget; otherwise a message fragment such as
  /// "about 160 GB, more than half of this machine's 24 GiB of memory".
  public static func excess(_ estimate: Double) -> String? {
    guard !(estimate <= bytes) else { return nil }
    return "about \(format(estimate)), more than half of this machine's "
      + "\(format(Double(ProcessInfo.processInfo.physicalMemory))) of memory"
  }

  /// `1.6e11` → "149 GiB"; non-finite estimates read "more than any machine has".
  public static func format(_ bytes: Double) -> String {
    guard bytes.isFinite else { return "more bytes than any machine has" }
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var value = bytes
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return value >= 100 || unit == 0
      ? "\(Int(value.rounded())) \(units[unit])" : String(format: "%.1f %@", value, units[unit])
  }
}
