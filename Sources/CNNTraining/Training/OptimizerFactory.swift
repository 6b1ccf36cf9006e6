import CNNCore

/// Builds the optimizer that `--optimizer`, `--momentum`, `--nesterov` and `--weight-decay` describe.
enum OptimizerFactory {
    static func make(_ options: TrainingOptions, parameters: [(name: String, parameter: Parameter)]) throws -> Optimizer
    {
        switch options.optimizer {
        case .sgd:
            return try SGD(
                parameters: parameters, momentum: options.momentum, nesterov: options.nesterov,
                weightDecay: options.weightDecay)
        case .adamw:
            return try AdamW(parameters: parameters, weightDecay: options.weightDecay)
        }
    }
}
