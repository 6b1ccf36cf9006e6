import Foundation

/// Where the running `cnntrain` executable really is.
///
/// `CommandLine.arguments[0]` is whatever the shell passed: a bare `cnntrain` when the program was
/// found through `PATH`, or a symlink such as `/usr/local/bin/cnntrain`. The kernel's
/// `/proc/self/exe` names the file itself, so the repository it was built in (`<repo>/.build/…`)
/// is found from any working directory.
public enum ExecutablePath {
    public static var current: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        let argument = CommandLine.arguments.first ?? ""
        if argument.contains("/") { return URL(fileURLWithPath: argument).resolvingSymlinksInPath().path }
        // Found through PATH: search it as the shell did.
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(folder)/\(argument)"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path
            }
        }
        return argument
    }
}
