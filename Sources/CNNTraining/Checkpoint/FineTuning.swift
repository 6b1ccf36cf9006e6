import CNNCore
import CNNLayers
import CNNModels

extension LoadedCheckpoint {
    /// `--init`: copies this checkpoint's weights into `model`, a model of the same layers whose
    /// data may have another number of classes. When the class counts differ, the last layer with
    /// parameters (the classifier) keeps the fresh weights it was built with, and the message
    /// returned says so; every other tensor must match in name and shape, as for a strict load.
    /// - Returns: a note to print when the last layer was re-created, else nil.
    public func applyForFineTuning(to model: Sequential, classNames newClassNames: [String]) throws -> String? {
        guard newClassNames.count != classNames.count else {
            try apply(to: model, strict: true)
            return nil
        }
        guard let index = model.layers.lastIndex(where: { !$0.parameters.isEmpty }) else {
            throw CheckpointError(
                "\(path): the model has no layer with weights to re-create for \(newClassNames.count) classes")
        }
        let skippedNames = model.namedParameters().map(\.name).filter { $0.hasPrefix("\(index).") }
        try apply(to: model, strict: true, keepingFresh: Set(skippedNames))
        return
            "--init \(path): its last layer has \(classNames.count) classes, this data has \(newClassNames.count): the last layer (\(skippedNames.joined(separator: ", "))) starts from fresh weights; every other layer is loaded from the checkpoint"
    }
}
