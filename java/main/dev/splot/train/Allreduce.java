package dev.splot.train;

/**
 * Sums vectors over the workers of a synchronous data-parallel run: every worker calls the same
 * method with a vector of the same length, and every worker gets the same sum back, added in rank
 * order ({@code ((v0 + v1) + v2) + ...}) so that a run is deterministic. A {@link Trainer} given one
 * ({@link Trainer#dataParallel}) computes its slice of each batch and sums the gradients with it.
 * Calls block until every worker has made the same call; an implementation fails (rather than
 * waits forever) when a worker does not, naming it.
 */
public interface Allreduce {
    /** @return this worker's rank, in {@code [0, workers())} */
    int rank();

    /** @return the number of workers, {@code >= 1} */
    int workers();

    /**
     * Replaces {@code values} by the element-wise sum of every worker's {@code values}, in rank order.
     *
     * @param values this worker's vector; the sum on return
     * @throws IllegalStateException naming the worker, if one fails, hangs or sends a vector of another length
     */
    void sum(float[] values);

    /**
     * As {@link #sum(float[])} for a short vector of doubles (per-step statistics: loss sums, counts).
     *
     * @param values this worker's vector; the sum on return
     * @throws IllegalStateException as {@link #sum(float[])}
     */
    void sum(double[] values);
}
