package dev.splot.data;

/**
 * Labelled samples that a trainer reads batch by batch, in any order: held in memory
 * ({@link Dataset}), streamed from files ({@link IdxStream}, the image-folder data set of
 * {@code dev.splot.io}), or a part of another source ({@link Subset}, e.g. a
 * {@link ValidationSplit}). A source that reads files says which file failed, and why, in an
 * {@link java.io.UncheckedIOException} from {@link #gather} (a {@link FileFormatException} as its cause).
 */
public interface SampleSource {
    /** @return what the data is, named in messages and checkpoints, e.g. "mnist train" */
    String name();

    /** @return the number of samples */
    int count();

    /** @return one sample's shape, e.g. (channels, height, width); the caller must not change it */
    int[] sampleShape();

    /** @return the number of classes; every label is in {@code [0, classes)} */
    int classes();

    /** @return values per sample, the product of {@link #sampleShape} */
    default int sampleSize() {
        int size = 1;
        for (int d : sampleShape()) size *= d;
        return size;
    }

    /**
     * Copies samples {@code order[from .. to)} into the batch buffers.
     *
     * @param order sample indices in {@code [0, count)}, e.g. an epoch's shuffled order
     * @param from first position in {@code order}, inclusive
     * @param to last position in {@code order}, exclusive
     * @param batchImages receives {@code (to - from) * sampleSize()} values from index 0
     * @param batchLabels receives {@code to - from} labels from index 0
     * @throws java.io.UncheckedIOException if a file the samples come from cannot be read or is
     *         malformed; its cause names the file
     */
    void gather(int[] order, int from, int to, float[] batchImages, int[] batchLabels);
}
