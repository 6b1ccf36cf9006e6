import ArgumentParser
import CNNModels
import CNNNorms
import CNNTraining

/// The help text of every option that more than one subcommand has, written once.
enum OptionHelp {
    static let model: ArgumentHelp =
        "Model: a name in Models/ (smallcnn, lenet, resnet) or a path to a .cfg file. Default: smallcnn."
    static let data: ArgumentHelp =
        "Dataset: a folder of IDX files (.gz or plain), an ImageFolder tree (class/*.png|jpg), or CIFAR-10 binary batches. Default: Fashion-MNIST from Debian's dataset-fashion-mnist."
    static let norm: ArgumentHelp =
        "Norm for every norm slot of the model: \(NormKind.allCases.map(\.rawValue).joined(separator: ", ")). Default: group."
    static let groups: ArgumentHelp =
        "GroupNorm's group count; must divide every normed channel count. Default: a slot's groups=, else 8."
    static let normPosition: ArgumentHelp =
        "Norm before or after the activation that follows its slot: before, after. Default: before."
    static let trainLimit: ArgumentHelp =
        "Use only N training images: a class-stratified subset seeded by the run's seed (--seed; in a study, each cell's seed), the same on every dataset kind (quick experiments)."
    static let testLimit: ArgumentHelp =
        "Use only N test images: a class-stratified subset seeded by the run's seed (--seed; in a study, each cell's seed); eval takes the same ones."
    static func normList(_ what: String) -> ArgumentHelp {
        ArgumentHelp("\(what): a comma list of \(NormList.allowed), or all.")
    }
}

extension TrainingOptions {
    /// `validate()` as ArgumentParser reports it: a bad value is a usage error (exit status 64).
    func validateForCommandLine() throws {
        do {
            try validate()
        } catch let error as InvalidOption {
            throw ValidationError(error.description)
        }
    }
}

extension NormKind: ExpressibleByArgument {}
extension NormPosition: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
