import Dispatch
import Foundation
import Synchronization

/// A flag that asks a run to stop after its current step (set from a signal handler or another
/// thread; read once per step).
public final class StopRequest: Sendable {
  private let flag = Atomic<Bool>(false)

  public init() {}

  public var isRequested: Bool { flag.load(ordering: .acquiring) }

  public func request() { flag.store(true, ordering: .releasing) }

  /// Sets the flag on SIGINT or SIGTERM (the default actions are disabled while the returned
  /// sources live); a second signal ends the process at once with status 130.
  public func installSignalHandlers() -> [any DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { number in
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { [self] in
        if isRequested { exit(130) }
        request()
      }
      source.resume()
      return source
    }
  }
}
