package dev.splot.backend;

/** Keras padding modes. {@code SAME} pads so that output = ceil(input / stride), extra padding at the bottom/right (as TensorFlow). */
public enum Padding {
    VALID,
    SAME
}
