package dev.splot.backend;

/** Element types a backend tensor can hold. Activations and parameters are float32; labels and max-pool argmax are int32. */
public enum DType {
    FLOAT32,
    INT32
}
