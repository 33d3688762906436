package dev.splot.backend;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), the
 * counter-based generator behind every random draw in splot. The same (key, counter) gives the
 * same bits on every backend; the C++ and OpenCL versions are line-for-line copies of this one.
 *
 * <p>Conventions, fixed here once for all backends:
 * <ul>
 *   <li>key = (low 32 bits of seed, high 32 bits of seed);</li>
 *   <li>a stream is named by (purpose, step, layer); element {@code i} of a stream comes from
 *       counter (i / 4, layer, low32(step), purpose ^ high32(step)) and is word {@code i % 4}
 *       of the output;</li>
 *   <li>a uniform float is {@code (bits >>> 8) * 2^-24}, in [0, 1) with 24 random bits.</li>
 * </ul>
 */
public final class Philox {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

    /** Stream purposes, so that dropout masks never reuse the bits of initialisation or shuffling. */
    public static final int PURPOSE_DROPOUT = 0;
    /** The purpose of the streams that initialise parameters. */
    public static final int PURPOSE_INIT = 0x1000_0000;
    /** The purpose of the streams that shuffle the training set each epoch. */
    public static final int PURPOSE_SHUFFLE = 0x2000_0000;
    /** Draws that split a data set into training and validation parts. */
    public static final int PURPOSE_SPLIT = 0x3000_0000;

    private Philox() {}

    /**
     * One Philox4x32-10 block: ten rounds over the 128-bit counter with the 64-bit key.
     *
     * @param c0 counter word 0 (the element index / 4 in splot's streams)
     * @param c1 counter word 1 (the layer)
     * @param c2 counter word 2 (low 32 bits of the step)
     * @param c3 counter word 3 (purpose XOR high 32 bits of the step)
     * @param k0 key word 0 (low 32 bits of the seed)
     * @param k1 key word 1 (high 32 bits of the seed)
     * @return a new array of the four 32-bit output words
     */
    public static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32), lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        return new int[] {c0, c1, c2, c3};
    }

    /**
     * The 32 random bits of element {@code index} of the stream (seed, purpose, step, layer).
     *
     * @param seed the key
     * @param purpose one of the {@code PURPOSE_} constants
     * @param step the training step (or epoch) the stream belongs to
     * @param layer the layer (or other sub-stream) index
     * @param index the element, {@code >= 0}; word {@code index % 4} of block {@code index / 4}
     * @return the bits, the same on every backend
     */
    public static int bits(long seed, int purpose, long step, int layer, long index) {
        int[] out = block((int) (index >>> 2), layer, (int) step, purpose ^ (int) (step >>> 32), (int) seed, (int) (seed >>> 32));
        return out[(int) (index & 3)];
    }

    /**
     * Uniform in [0, 1) with 24 random bits, exactly representable as a float.
     *
     * @param bits 32 random bits, of which the top 24 are used
     * @return {@code (bits >>> 8) * 2^-24}
     */
    public static float uniform(int bits) {
        return (bits >>> 8) * 0x1.0p-24f;
    }

    /**
     * Fills {@code out} with elements {@code 0 .. out.length-1} of a stream as uniform floats in [0, 1):
     * the same values as {@link #uniform}({@link #bits}(seed, purpose, step, layer, i)), one block per
     * four elements.
     *
     * @param seed the key
     * @param purpose one of the {@code PURPOSE_} constants
     * @param step the step the stream belongs to
     * @param layer the layer (or other sub-stream) index
     * @param out overwritten with the values
     */
    public static void uniforms(long seed, int purpose, long step, int layer, float[] out) {
        uniforms(seed, purpose, step, layer, 0, out);
    }

    /**
     * Fills {@code out} with elements {@code first .. first+out.length-1} of a stream as uniform floats
     * in [0, 1): {@code out[k]} is element {@code first + k}, whatever the alignment of {@code first}
     * to the four words of a block (a worker's slice of a batch starts anywhere).
     *
     * @param seed the key
     * @param purpose the stream's purpose, e.g. {@link #PURPOSE_DROPOUT}
     * @param step the step that names the stream
     * @param layer the layer that names the stream
     * @param first the index of the stream element that goes to {@code out[0]}, {@code >= 0}
     * @param out receives the uniforms
     */
    public static void uniforms(long seed, int purpose, long step, int layer, long first, float[] out) {
        int[] b = null;
        for (int k = 0; k < out.length; k++) {
            long index = first + k;
            if (b == null || (index & 3) == 0) {
                b = block((int) (index >>> 2), layer, (int) step, purpose ^ (int) (step >>> 32), (int) seed, (int) (seed >>> 32));
            }
            out[k] = uniform(b[(int) (index & 3)]);
        }
    }

    /**
     * The inverted-dropout factor of element {@code index}: 0 when dropped, 1/(1-rate) when kept (u >= rate),
     * u being the element's uniform of the {@link #PURPOSE_DROPOUT} stream. Every backend's dropout
     * mask is defined by this method.
     *
     * @param seed the run's seed
     * @param step the training step
     * @param layer the layer's index
     * @param index the element's flat index in the layer's output
     * @param rate the fraction dropped, {@code 0 <= rate < 1}
     * @return 0 or {@code 1 / (1 - rate)}
     */
    public static float dropoutScale(long seed, long step, int layer, long index, float rate) {
        float u = uniform(bits(seed, PURPOSE_DROPOUT, step, layer, index));
        return u >= rate ? 1.0f / (1.0f - rate) : 0.0f;
    }

    /**
     * A permutation of {@code 0 .. n-1} by Fisher-Yates with the draws of stream (seed, purpose, step, layer 0):
     * an epoch's shuffled order (purpose {@link #PURPOSE_SHUFFLE}, step = epoch) or a validation split.
     *
     * @param n the number of elements, {@code >= 0}
     * @param seed keys the draws
     * @param purpose names the stream, e.g. {@link #PURPOSE_SHUFFLE}
     * @param step the stream's step, e.g. the epoch
     * @return the permutation
     */
    public static int[] permutation(int n, long seed, int purpose, long step) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            long bits = bits(seed, purpose, step, 0, i) & 0xFFFFFFFFL;
            int j = (int) ((bits * (i + 1)) >>> 32); // unbiased enough for n << 2^32 (bias below 2^-16)
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
