import Testing

/// Non-finite values are printed `nan` / `inf` / `-inf` everywhere (issue 19): printf writes a
/// NaN with its sign bit set as `-nan`, which the second hostile-user run still found in
/// `optimize`'s divergence message and `train`'s progress lines.
@Suite struct NonFiniteTextTests {
  @Test func aDivergedTrajectorySaysNan() throws {
    let output = try DescentExecutable.run([
      "optimize", "--function", "rosenbrock", "--optimizer", "adam", "--steps", "3", "--dtype",
      "float32", "--start", "1e39,1",
    ])
    #expect(output.stderr.contains("the loss became nan"), "\(output.stderr)")
    #expect(!output.stderr.contains("-nan") && !output.stdout.contains("-nan"))
  }

  @Test func skippedStepsPrintNan() throws {
    let output = try DescentExecutable.run([
      "train", "--no-store", "--steps", "3", "--lr", "1e30", "--on-nonfinite", "skip-step",
    ])
    #expect(output.stdout.contains("loss nan") || output.stderr.contains("loss nan"), "\(output)")
    #expect(!output.stderr.contains("-nan") && !output.stdout.contains("-nan"), "\(output)")
  }
}
