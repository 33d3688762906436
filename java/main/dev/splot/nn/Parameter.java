package dev.splot.nn;

import dev.splot.backend.Tensor;

/** A trainable tensor, its gradient (same shape, overwritten by each backward pass) and its PyTorch-style name, e.g. "conv2d_1.weight". */
public record Parameter(String name, Tensor value, Tensor grad) {}
