package dev.splot.data;

import java.util.Arrays;

/**
 * Samples and integer labels held in host memory: images[count * sampleSize], one sample after
 * another in (channels, height, width) order, any number of channels. Pixels read from image files
 * are in [0, 1]; other float inputs (e.g. standardised features) are taken as they are.
 *
 * @param name what the data is, named in messages and checkpoints, e.g. "mnist train"
 * @param images {@code count * product(sampleShape)} values, sample after sample
 * @param labels {@code count} class indices in {@code [0, classes)}
 * @param count the number of samples
 * @param sampleShape one sample's shape (channels, height, width)
 * @param classes the number of classes
 */
public record Dataset(String name, float[] images, int[] labels, int count, int[] sampleShape, int classes) implements SampleSource {

    /**
     * Checks that the arrays hold {@code count} samples and that every label is a class.
     *
     * @param name what the data is
     * @param images the pixels, sample after sample
     * @param labels the class of each sample
     * @param count the number of samples
     * @param sampleShape one sample's shape
     * @param classes the number of classes
     * @throws IllegalArgumentException naming the data set, if the sizes disagree or a label is out of range
     */
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

    /** @return values per sample, the product of {@link #sampleShape} */
    @Override
    public int sampleSize() {
        return images.length / Math.max(count, 1);
    }

    /**
     * The first {@code n} samples (all of them when {@code n >= count}).
     *
     * @param n how many samples to keep, {@code > 0}
     * @return a copy named "NAME (first n)", or this data set when it has no more than {@code n}
     * @throws IllegalArgumentException if {@code n <= 0}
     */
    public Dataset limit(int n) {
        if (n >= count) return this;
        if (n <= 0) throw new IllegalArgumentException("limit must be positive, got " + n);
        return new Dataset(name + " (first " + n + ")", Arrays.copyOf(images, n * sampleSize()), Arrays.copyOf(labels, n),
                n, sampleShape, classes);
    }

    /**
     * Copies samples {@code order[from .. to)} into the batch buffers.
     *
     * @param order sample indices, e.g. an epoch's shuffled order
     * @param from first position in {@code order}, inclusive
     * @param to last position in {@code order}, exclusive
     * @param batchImages receives {@code (to - from) * sampleSize()} values from index 0
     * @param batchLabels receives {@code to - from} labels from index 0
     */
    @Override
    public void gather(int[] order, int from, int to, float[] batchImages, int[] batchLabels) {
        int size = sampleSize();
        for (int i = from; i < to; i++) {
            System.arraycopy(images, order[i] * size, batchImages, (i - from) * size, size);
            batchLabels[i - from] = labels[order[i]];
        }
    }
}
