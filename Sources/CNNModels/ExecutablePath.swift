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

    /// The checkout the executable was built in (`<repo>/.build/<triple>/<config>/cnntrain`): the
    /// nearest folder above it with a Package.swift and a Models/ folder; nil for an installed copy.
    public static var repositoryRoot: String? {
        var url = URL(fileURLWithPath: current).deletingLastPathComponent()
        for _ in 0..<5 {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path),
                FileManager.default.fileExists(atPath: url.appendingPathComponent("Models").path)
            {
                return url.path
            }
            url = url.deletingLastPathComponent()
        }
        return nil
    }

    /// A repository-relative default path (`Datasets/generated/…`): under the working directory when
    /// it is there, else under the executable's repository, so defaults work from any directory.
    public static func repositoryFile(_ relative: String) -> String {
        if FileManager.default.fileExists(atPath: relative) { return relative }
        if let root = repositoryRoot, FileManager.default.fileExists(atPath: root + "/" + relative) {
            return root + "/" + relative
        }
        return relative
    }
}
