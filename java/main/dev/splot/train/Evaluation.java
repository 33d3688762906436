package dev.splot.train;

/** Loss, accuracy and the predicted class of every sample of a dataset. */
public record Evaluation(double loss, double accuracy, int[] predicted) {}
