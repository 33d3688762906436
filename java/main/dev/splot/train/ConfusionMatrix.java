package dev.splot.train;

/**
 * Counts of true class against predicted class, and the per-class metrics that follow from them:
 * precision, recall and F1. A metric whose denominator is 0 (a class never predicted, or absent
 * from the data) is undefined and returned as NaN rather than as a made-up 0 or 1.
 */
public final class ConfusionMatrix {
    private final int[][] counts;

    private ConfusionMatrix(int[][] counts) {
        this.counts = counts;
    }

    /**
     * Counts {@code [true][predicted]} over the samples.
     *
     * @param trueLabels the true class of each sample
     * @param predicted the predicted class of each sample
     * @param classes the number of classes, {@code > 0}
     * @return the matrix
     * @throws IllegalArgumentException if the arrays differ in length or a class is outside {@code [0, classes)},
     *         naming the sample
     */
    public static ConfusionMatrix of(int[] trueLabels, int[] predicted, int classes) {
        if (classes <= 0) throw new IllegalArgumentException("classes must be positive, got " + classes);
        if (trueLabels.length != predicted.length) {
            throw new IllegalArgumentException(trueLabels.length + " true labels but " + predicted.length + " predictions");
        }
        int[][] m = new int[classes][classes];
        for (int i = 0; i < trueLabels.length; i++) {
            int t = trueLabels[i], p = predicted[i];
            if (t < 0 || t >= classes || p < 0 || p >= classes) {
                throw new IllegalArgumentException("sample " + i + ": label " + t + " / prediction " + p + " outside 0.." + (classes - 1));
            }
            m[t][p]++;
        }
        return new ConfusionMatrix(m);
    }

    /**
     * A matrix of given counts (e.g. one saved earlier).
     *
     * @param counts {@code [true][predicted]}, square, non-negative (copied)
     * @return the matrix
     * @throws IllegalArgumentException if the counts are not square or one is negative
     */
    public static ConfusionMatrix ofCounts(int[][] counts) {
        int k = counts.length;
        if (k == 0) throw new IllegalArgumentException("a confusion matrix needs at least one class");
        int[][] m = new int[k][];
        for (int i = 0; i < k; i++) {
            if (counts[i].length != k) throw new IllegalArgumentException("row " + i + " has " + counts[i].length + " counts, not " + k);
            for (int v : counts[i]) if (v < 0) throw new IllegalArgumentException("row " + i + " has a negative count " + v);
            m[i] = counts[i].clone();
        }
        return new ConfusionMatrix(m);
    }

    /** @return the number of classes */
    public int classes() { return counts.length; }

    /**
     * @param trueClass the true class
     * @param predictedClass the predicted class
     * @return how many samples of {@code trueClass} were predicted as {@code predictedClass}
     */
    public int count(int trueClass, int predictedClass) { return counts[trueClass][predictedClass]; }

    /** @return a copy of the counts, {@code [true][predicted]} */
    public int[][] counts() {
        int[][] c = new int[counts.length][];
        for (int i = 0; i < c.length; i++) c[i] = counts[i].clone();
        return c;
    }

    /** @return the number of samples counted */
    public long total() {
        long n = 0;
        for (int i = 0; i < counts.length; i++) n += support(i);
        return n;
    }

    /** @return the number of samples predicted correctly (the diagonal) */
    public long correct() {
        long n = 0;
        for (int i = 0; i < counts.length; i++) n += counts[i][i];
        return n;
    }

    /** @return the share of samples predicted correctly, NaN if there are none */
    public double accuracy() { return ratio(correct(), total()); }

    /**
     * @param c a class
     * @return how many samples have true class {@code c} (its row's sum)
     */
    public long support(int c) {
        long n = 0;
        for (int v : counts[c]) n += v;
        return n;
    }

    /**
     * @param c a class
     * @return how many samples were predicted as {@code c} (its column's sum)
     */
    public long predictedAs(int c) {
        long n = 0;
        for (int[] row : counts) n += row[c];
        return n;
    }

    /**
     * @param c a class
     * @return of the samples predicted as {@code c}, the share that are {@code c}; NaN if none was predicted as {@code c}
     */
    public double precision(int c) { return ratio(counts[c][c], predictedAs(c)); }

    /**
     * @param c a class
     * @return of the samples of class {@code c}, the share predicted as {@code c}; NaN if the data has none
     */
    public double recall(int c) { return ratio(counts[c][c], support(c)); }

    /**
     * @param c a class
     * @return the harmonic mean of precision and recall of {@code c}: {@code 2 TP / (2 TP + FP + FN)}; NaN if the
     *         class was neither present nor predicted
     */
    public double f1(int c) { return ratio(2L * counts[c][c], support(c) + predictedAs(c)); }

    /** @return the unweighted mean of the F1 scores of the classes whose F1 is defined, NaN if none is */
    public double macroF1() {
        double sum = 0;
        int n = 0;
        for (int c = 0; c < counts.length; c++) {
            double f = f1(c);
            if (!Double.isNaN(f)) {
                sum += f;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? Double.NaN : a / (double) b;
    }
}
