import ArgumentParser

/// Throws the usual message when an integer option is below its least allowed value:
/// "--repeats 0 is not allowed; use 1 or more".
func requireAtLeast(_ minimum: Int, _ value: Int, option: String) throws {
    guard value >= minimum else {
        throw ValidationError("\(option) \(value) is not allowed; use \(minimum) or more")
    }
}

/// `requireAtLeast` for an option that may be left out.
func requireAtLeast(_ minimum: Int, _ value: Int?, option: String) throws {
    if let value { try requireAtLeast(minimum, value, option: option) }
}
