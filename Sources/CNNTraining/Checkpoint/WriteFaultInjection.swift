import Foundation

/// Test-only fault injection for the atomic checkpoint writer (`SafeTensorsFile.write`), driven by
/// one environment variable that normal runs never set:
///
///     CNNTRAIN_TEST_WRITE_FAULT=<action>:<file name>:<n>
///
/// On the n-th write (from 1, counted in this process) of a file with that name, half of its bytes
/// go to the temporary file, then:
/// - `hang`: `<directory>/<file name>.hanging` is created and the process sleeps until it is killed
///   (tests SIGKILL it there: a kill in the middle of a checkpoint write);
/// - `enospc`: the write fails as if the disk were full (errno ENOSPC).
enum WriteFaultInjection {
    static let variable = "CNNTRAIN_TEST_WRITE_FAULT"

    enum Action: String { case hang, enospc }

    struct Fault {
        let action: Action
        let name: String
        let occurrence: Int
    }

    /// The configured fault; nil in every normal run.
    static let configured: Fault? = {
        guard let text = ProcessInfo.processInfo.environment[variable] else { return nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let action = Action(rawValue: String(parts[0])), let occurrence = Int(parts[2]),
            occurrence >= 1
        else {
            FileHandle.standardError.write(
                Data("warning: \(variable)=\(text) ignored; use hang|enospc:<file name>:<n ≥ 1>\n".utf8))
            return nil
        }
        return Fault(action: action, name: String(parts[1]), occurrence: occurrence)
    }()

    /// Writes counted per file name (checkpoints are written from one thread).
    nonisolated(unsafe) static var counts: [String: Int] = [:]

    /// Whether this write of `path` is the one to fail; counts the write. Nil when it is not.
    static func fault(forWriteOf path: String) -> Fault? {
        guard let fault = configured else { return nil }
        let name = (path as NSString).lastPathComponent
        guard name == fault.name else { return nil }
        counts[name, default: 0] += 1
        return counts[name] == fault.occurrence ? fault : nil
    }

    /// Called with half of the file written to its temporary file: hangs, or returns the errno to fail with.
    static func trigger(_ fault: Fault, path: String) -> Int32 {
        switch fault.action {
        case .enospc:
            return ENOSPC
        case .hang:
            _ = FileManager.default.createFile(atPath: path + ".hanging", contents: Data())
            while true { sleep(60) }
        }
    }
}
