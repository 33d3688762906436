package dev.splot.backend;

/** Keras padding modes. {@code SAME} pads so that output = ceil(input / stride), extra padding at the bottom/right (as TensorFlow). */
public enum Padding {
    /** No padding: windows lie inside the input, {@code output = (input - kernel) / stride + 1}. */
    VALID,
    /** Zero padding so that {@code output = ceil(input / stride)}, the odd pixel at the bottom/right. */
    SAME
}
