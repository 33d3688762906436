package dev.splot.nn;

import dev.splot.backend.Tensor;

/**
 * A non-trainable float32 tensor of a layer that is saved with the model, under its PyTorch-style
 * name (BatchNorm's running statistics: "batch_normalization.running_mean", ...). The optimizer
 * never sees it; the layer updates it itself (in training forward passes).
 *
 * @param name the tensor's name in checkpoints, starting with the layer's name
 * @param value the tensor, owned by the layer
 */
public record Buffer(String name, Tensor value) {}
