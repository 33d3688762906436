package dev.splot.backend;

/** What a softmax cross-entropy step reads back: the mean loss over the batch and how many argmax predictions were right. */
public record LossResult(double meanLoss, int correct, int count) {}
