package dev.splot.data;

import java.util.Arrays;

/**
 * Images and integer labels held in host memory: images[count * sampleSize] in [0, 1], one
 * sample after another in (channels, height, width) order.
 */
public record Dataset(String name, float[] images, int[] labels, int count, int[] sampleShape, int classes) {

    public Dataset {
        int sampleSize = 1;
        for (int d : sampleShape) sampleSize *= d;
        if (labels.length != count || images.length != (long) count * sampleSize) {
            throw new IllegalArgumentException(name + ": " + count + " samples of " + Arrays.toString(sampleShape)
                    + " need " + ((long) count * sampleSize) + " pixels and " + count + " labels, got "
                    + images.length + " and " + labels.length);
        }
        for (int i = 0; i < count; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of sample " + i + " is outside [0, " + classes + ")");
            }
        }
    }

    public int sampleSize() {
        return images.length / Math.max(count, 1);
    }

    /** The first {@code n} samples (all of them when n >= count). */
    public Dataset limit(int n) {
        if (n >= count) return this;
        if (n <= 0) throw new IllegalArgumentException("limit must be positive, got " + n);
        return new Dataset(name + " (first " + n + ")", Arrays.copyOf(images, n * sampleSize()), Arrays.copyOf(labels, n),
                n, sampleShape, classes);
    }

    /** Copies samples order[from .. to) into the batch buffers. */
    public void gather(int[] order, int from, int to, float[] batchImages, int[] batchLabels) {
        int size = sampleSize();
        for (int i = from; i < to; i++) {
            System.arraycopy(images, order[i] * size, batchImages, (i - from) * size, size);
            batchLabels[i - from] = labels[order[i]];
        }
    }
}
