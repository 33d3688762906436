package dev.splot.data;

import dev.splot.backend.Philox;
import java.util.Arrays;

/**
 * A data set split into a training part and a held-out validation part, deterministically: the
 * same data, fraction and seed always hold out the same samples (a Philox permutation keyed by
 * the seed picks them). Each part keeps the source's order, so a streamed source is read forwards.
 *
 * @param train the samples not held out
 * @param validation the held-out samples
 */
public record ValidationSplit(Subset train, Subset validation) {
    /**
     * Holds out {@code round(fraction * count)} samples of {@code data} for validation.
     *
     * @param data the samples to split (in memory or streamed; nothing is copied)
     * @param fraction the share held out, in (0, 1)
     * @param seed picks which samples are held out
     * @return the two parts, named after {@code data}, the fraction and the seed
     * @throws IllegalArgumentException if the fraction is not in (0, 1) or leaves a part empty
     */
    public static ValidationSplit of(SampleSource data, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("the validation fraction must be in (0, 1), got " + fraction);
        }
        int n = data.count();
        int held = (int) Math.round(fraction * n);
        if (held == 0 || held == n) {
            throw new IllegalArgumentException("a validation fraction of " + fraction + " of the " + n + " samples of " + data.name()
                    + " leaves " + (held == 0 ? "no validation" : "no training") + " samples");
        }
        int[] order = Philox.permutation(n, seed, Philox.PURPOSE_SPLIT, 0);
        int[] validation = Arrays.copyOf(order, held);
        int[] train = Arrays.copyOfRange(order, held, n);
        Arrays.sort(validation);
        Arrays.sort(train);
        String how = String.format(java.util.Locale.ROOT, "%s of %s held out with seed %d", fraction, data.name(), seed);
        return new ValidationSplit(new Subset(data.name() + " (training part, " + how + ")", data, train),
                new Subset(data.name() + " (validation part, " + how + ")", data, validation));
    }
}
