package dev.splot.backend;

/** Element types a backend tensor can hold. Activations and parameters are float32; labels and max-pool argmax are int32. */
public enum DType {
    /** IEEE 754 single precision, 4 bytes: activations, parameters, gradients. */
    FLOAT32,
    /** Signed 32-bit integers, 4 bytes: class labels and max-pool argmax indices. */
    INT32
}
