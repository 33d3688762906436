package dev.splot.data;

import java.util.Arrays;

/**
 * Some samples of another source, by index, without copying them: a part of a
 * {@link ValidationSplit}, read from the source (in memory or streamed) when a batch is gathered.
 */
public final class Subset implements SampleSource {
    private final String name;
    private final SampleSource source;
    private final int[] indices;

    /**
     * @param name what this part is, named in messages and checkpoints
     * @param source the samples to take from
     * @param indices the source's samples this subset holds, in its order (copied)
     * @throws IllegalArgumentException naming the source, if an index is outside {@code [0, source.count())}
     */
    public Subset(String name, SampleSource source, int[] indices) {
        for (int i : indices) {
            if (i < 0 || i >= source.count()) {
                throw new IllegalArgumentException(name + ": index " + i + " is outside the " + source.count() + " samples of "
                        + source.name());
            }
        }
        this.name = name;
        this.source = source;
        this.indices = indices.clone();
    }

    @Override
    public String name() { return name; }

    @Override
    public int count() { return indices.length; }

    @Override
    public int[] sampleShape() { return source.sampleShape(); }

    @Override
    public int classes() { return source.classes(); }

    /** @return the source's index of each sample of this subset, in order (a copy) */
    public int[] indices() { return indices.clone(); }

    @Override
    public void gather(int[] order, int from, int to, float[] batchImages, int[] batchLabels) {
        int[] inSource = new int[to - from];
        for (int i = from; i < to; i++) inSource[i - from] = indices[order[i]];
        source.gather(inSource, 0, inSource.length, batchImages, batchLabels);
    }

    @Override
    public String toString() {
        return name + " (" + indices.length + " of " + source.count() + " samples: " + Arrays.toString(Arrays.copyOf(indices,
                Math.min(5, indices.length))).replace("]", indices.length > 5 ? ", ...]" : "]") + ")";
    }
}
