/// Whether differentiable ops record autodiff nodes in the current task, and how deeply
/// differentiations are nested. Task-local, so there is no global mutable state.
public enum GradMode {
  @TaskLocal static var recordingDisabled = false
  @TaskLocal static var nestingDepth = 0

  /// Whether ops record autodiff nodes right now (false inside ``withoutGradients(_:)``).
  public static var isRecording: Bool { !recordingDisabled }

  /// How many differentiations (``valueAndGradient(of:at:)`` and friends) enclose the current code.
  public static var depth: Int { nestingDepth }
}

/// Runs `body` with gradient recording off: no op inside records a node, and results are detached.
/// The analogue of PyTorch's `torch.no_grad()`.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
  try GradMode.$recordingDisabled.withValue(true) { try body() }
}

/// Runs `body` with gradient recording on, even inside ``withoutGradients(_:)``.
public func withGradients<R>(_ body: () throws -> R) rethrows -> R {
  try GradMode.$recordingDisabled.withValue(false) { try body() }
}
