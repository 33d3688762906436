package dev.splot.io;

import dev.splot.nn.Sequential;
import dev.splot.optim.Optimizer;
import dev.splot.train.BestValue;
import dev.splot.train.EpochMetric;
import dev.splot.train.EpochStats;
import dev.splot.train.Trainer;
import dev.splot.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A {@link TrainingListener} that keeps the best model of a run: after every epoch whose metric
 * improves on the best so far (by more than {@code minDelta}), it saves the model, optimizer and
 * training position to one file ({@link Checkpoint#save}, atomically replaced), so the file always
 * holds the best epoch's weights, and tells the trainer (a later divergence names it). After
 * training, {@link #restoreBest} puts those weights back into the model; {@link Checkpoint#load}
 * reads them as a model of their own.
 */
public final class BestCheckpoint implements TrainingListener {
    private final Path file;
    private final Sequential model;
    private final Optimizer optimizer;
    private final Trainer trainer;
    private final BestValue best;

    /**
     * @param file the safetensors file to keep the best model in
     * @param model the model being trained
     * @param optimizer its optimizer
     * @param trainer the trainer this listener is added to (for the training position)
     * @param metric the watched metric
     * @param mode the direction of improvement
     * @param minDelta how much better a value must be to count as an improvement, {@code >= 0}
     */
    public BestCheckpoint(Path file, Sequential model, Optimizer optimizer, Trainer trainer, EpochMetric metric,
            EpochMetric.Mode mode, double minDelta) {
        this.file = java.util.Objects.requireNonNull(file, "file");
        this.model = model;
        this.optimizer = optimizer;
        this.trainer = trainer;
        this.best = new BestValue(metric, mode, minDelta);
    }

    /**
     * Saves the model whenever the metric improves.
     *
     * @throws UncheckedIOException naming the file, if it cannot be written
     */
    @Override
    public void onEpoch(EpochStats epoch) {
        if (!best.update(epoch)) return;
        try {
            Checkpoint.save(file, model, optimizer, trainer.position());
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot save the best model (epoch " + epoch.epoch() + ") to " + file + ": "
                    + e.getMessage(), e));
        }
        trainer.lastCheckpoint(file.toString());
    }

    /**
     * Puts the best epoch's weights back into the model (e.g. after {@link dev.splot.train.EarlyStopping}
     * ended training some epochs past it); the optimizer and the trainer's position stay where training stopped.
     *
     * @throws IllegalStateException if no epoch has been saved yet
     * @throws IOException if the file cannot be read back
     */
    public void restoreBest() throws IOException {
        if (best.bestEpoch() == 0) throw new IllegalStateException("no best model to restore: " + file + " was not written yet");
        Checkpoint.loadWeights(file, model);
    }

    /** @return the best value so far and its epoch, the one saved in the file */
    public BestValue best() { return best; }

    /** @return the file that holds the best model */
    public Path file() { return file; }
}
