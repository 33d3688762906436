package dev.splot.train;

public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy, double seconds, double samplesPerSecond) {}
