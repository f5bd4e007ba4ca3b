import ArgumentParser
import DescentRuns

/// The outputs a command will write, checked before it starts working (`OutputPreflight`): an
/// unwritable one ends the command at once with exit status 1 and one line naming the flag.
struct OutputChecks {
  var files: [(flag: String, path: String?)] = []
  var folders: [(flag: String, path: String?)] = []

  func verify(command: String) throws {
    for (flag, path) in files {
      if let path, let problem = OutputPreflight.problem(writingFile: path, flag: flag) {
        throw CommandFailure(command: command, message: problem, status: 1).report()
      }
    }
    for (flag, path) in folders {
      if let path, let problem = OutputPreflight.problem(writingFolder: path, flag: flag) {
        throw CommandFailure(command: command, message: problem, status: 1).report()
      }
    }
  }
}
