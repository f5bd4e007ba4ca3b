import Testing

@testable import DescentRuns

/// The terminal table of `descent compare`: columns as wide as their longest cell, readable
/// numbers for diverged runs.
@Suite struct ComparisonTableTextTests {
  func row(_ optimizer: String, loss: Double) -> ComparisonTable.Row {
    ComparisonTable.Row(
      optimizer: optimizer, seeds: 3, finalLossMean: loss, finalLossStd: loss / 10,
      bestLossMean: loss / 2, finalAccuracyMean: 0.9, finalAccuracyStd: 0.01,
      bestAccuracyMean: 0.95, timeToTargetMean: 0.5, reachedTarget: 3, secondsMean: 1,
      stepsPerSecondMean: 1000, optimizerStateBytes: 64)
  }

  @Test func longOptimizerNamesKeepEveryColumnAligned() {
    var table = ComparisonTable(runs: [])
    table.rows = [row("sgd", loss: 0.5), row("schedule-free-adamw", loss: 0.25)]
    let lines = table.text.split(separator: "\n").map(String.init)
    #expect(lines.count == 3)
    let seedColumn = lines[0].range(of: "seeds")!.lowerBound.utf16Offset(in: lines[0])
    for line in lines.dropFirst() {
      let index = line.index(line.startIndex, offsetBy: seedColumn)
      #expect(line[index] == "3", "seeds column misaligned in: \(line)")
      #expect(line[line.index(before: index)] == " ")
    }
  }

  @Test func divergedLossesPrintInShortExponentForm() {
    var table = ComparisonTable(runs: [])
    table.rows = [row("dowg", loss: 5.16234575008e11)]
    let text = table.text
    #expect(text.contains("5.162e+11 ± 5.162e+10"))
    #expect(!text.contains("516234575008.0000"))
  }
}
