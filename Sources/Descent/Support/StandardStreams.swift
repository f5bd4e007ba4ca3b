import CDescentKernels

/// Text to the process's standard output and error through the C streams.
///
/// Never `FileHandle.standardOutput.write(_:)`: Foundation's `write(_ data: Data)` is a `try!`
/// around the system call, so a full disk, `> /dev/full` or a closed pipe stops the process on a
/// trap (issue 19). Through the C streams a failed write sets the stream's error flag instead:
/// `descent` checks standard output's flag when the command returns and exits 1 with a message
/// (`descent_finish_standard_output`). The C stream is also the one `print` writes, so text
/// written here and printed text keep their order.
public enum StandardStreams {
  /// Writes `text` to standard output (buffered like `print`).
  public static func writeOutput(_ text: String) {
    descent_write_standard_output(text)
  }

  /// Writes `text` to standard error. A failure is ignored: there is no stream left to report it
  /// on, and a diagnostic must not end the command.
  public static func writeError(_ text: String) {
    descent_write_standard_error(text)
  }
}
