package dev.splot.train;

/**
 * What {@link Trainer#evaluate} found on a data set: mean loss and accuracy, and per sample its true
 * class, the predicted class and the rank of the true class among the model's scores (0: predicted,
 * 1: second best, ...), from which the other metrics follow.
 *
 * @param loss mean cross-entropy loss
 * @param accuracy fraction of samples predicted correctly, in [0, 1]
 * @param predicted the predicted class (highest score, lowest index on ties) of every sample
 * @param labels the true class of every sample
 * @param trueClassRank how many classes scored above the true class, for every sample
 * @param classes the number of classes the model outputs
 */
public record Evaluation(double loss, double accuracy, int[] predicted, int[] labels, int[] trueClassRank, int classes) {
    /**
     * The share of samples whose true class is among the {@code k} highest scores ({@code k = 1} is
     * the accuracy, up to how the backend breaks exact ties).
     *
     * @param k how many of the best classes count, in {@code [1, classes]}
     * @return a fraction in [0, 1]
     * @throws IllegalArgumentException if {@code k} is outside {@code [1, classes]}
     */
    public double topKAccuracy(int k) {
        if (k < 1 || k > classes) throw new IllegalArgumentException("top-k accuracy needs k in [1, " + classes + "], got " + k);
        long hits = 0;
        for (int r : trueClassRank) if (r < k) hits++;
        return trueClassRank.length == 0 ? Double.NaN : hits / (double) trueClassRank.length;
    }

    /** @return the confusion matrix of true against predicted classes, from which precision, recall and F1 follow */
    public ConfusionMatrix confusionMatrix() {
        return ConfusionMatrix.of(labels, predicted, classes);
    }
}
