package dev.splot.backend;

/**
 * What a softmax cross-entropy step reads back: the mean loss over the batch and how many argmax predictions were right.
 *
 * @param meanLoss the loss averaged over the rows
 * @param correct the rows whose first maximal logit is the label
 * @param count the rows, n
 */
public record LossResult(double meanLoss, int correct, int count) {}
