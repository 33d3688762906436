package dev.splot.train;

import java.io.PrintStream;

/**
 * A {@link TrainingListener} that prints the progress of each epoch on one line: rewritten in
 * place on a terminal, and printed at every tenth of the epoch when the output is a log file (so
 * logs stay readable). Installed with {@link Trainer#addListener}, as the Mnist program does.
 */
public final class Progress implements TrainingListener {
    private final PrintStream out;
    private final boolean interactive;
    private long lastPrint;
    private int lastDecile;
    private int epoch;

    /** @param out where the progress lines go */
    public Progress(PrintStream out) {
        this.out = out;
        this.interactive = System.console() != null;
    }

    @Override
    public void onStep(StepStats s) {
        int done = s.samplesDone(), total = s.samplesTotal();
        if (s.epoch() != epoch) { // a new epoch starts a new line
            epoch = s.epoch();
            lastDecile = 0;
            lastPrint = 0;
        }
        long now = System.nanoTime();
        int decile = (int) (10L * done / total);
        boolean due = interactive ? now - lastPrint > 250_000_000L || done == total : decile > lastDecile;
        if (!due) return;
        lastPrint = now;
        lastDecile = decile;
        String line = String.format("epoch %d %6d/%d  loss %.4f  acc %.4f  %.0f samples/s", s.epoch(), done, total, s.meanLoss(),
                s.accuracy(), done / Math.max(s.seconds(), 1e-9));
        if (interactive) {
            out.print("\r" + line + (done == total ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }
}
