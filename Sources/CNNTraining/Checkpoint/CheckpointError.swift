/// A checkpoint file that cannot be read or written; the message names the file and the problem.
public struct CheckpointError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
