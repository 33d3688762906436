package dev.splot.nn;

import dev.splot.backend.Philox;

/** Weight initialisation, drawn from Philox so that a seed gives the same weights on every backend. */
final class Initializers {
    private Initializers() {}

    /** Glorot (Xavier) uniform, as Keras: U(-limit, limit) with limit = sqrt(6 / (fanIn + fanOut)). */
    static float[] glorotUniform(int size, int fanIn, int fanOut, long seed, int layerIndex) {
        float[] w = new float[size];
        Philox.uniforms(seed, Philox.PURPOSE_INIT, 0, layerIndex, w);
        float limit = (float) Math.sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < size; i++) {
            w[i] = (2f * w[i] - 1f) * limit;
        }
        return w;
    }
}
