import dev.splot.backend.Backend;
import dev.splot.backend.Backends;
import dev.splot.data.Dataset;
import dev.splot.nn.Dense;
import dev.splot.nn.Flatten;
import dev.splot.nn.ReLU;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.train.EpochStats;
import dev.splot.train.Progress;
import dev.splot.train.Trainer;
import java.util.List;

/**
 * A user's program with splot on the module path (.ci/module-path runs it with the source launcher):
 * says which module splot was loaded from, which backend providers ServiceLoader found there, and
 * trains a small model one step (4 samples, batch 4) on the backend named by its argument.
 */
public class TrainOneStep {
    public static void main(String[] args) {
        System.out.println("splot module: " + Backend.class.getModule().getName());
        System.out.println("providers: " + Backends.names());
        if (args.length != 1) throw new IllegalArgumentException("usage: TrainOneStep BACKEND");
        float[] images = new float[4 * 2 * 3];
        for (int i = 0; i < images.length; i++) images[i] = (i % 7) / 7f;
        Dataset data = new Dataset("tiny", images, new int[] {0, 1, 2, 1}, 4, new int[] {2, 3}, 3);
        try (Backend backend = Backends.open(args[0], null, System.out::println);
             Sequential model = Sequential.builder(2, 3).add(new Flatten()).add(new Dense(5)).add(new ReLU()).add(new Dense(3))
                     .build(backend, 7);
             AdaDelta optimizer = new AdaDelta()) {
            Trainer trainer = new Trainer(model, optimizer, 4, 7).addListener(new Progress(System.out));
            List<EpochStats> history = trainer.fit(data, null, 1, null);
            double loss = history.get(0).trainLoss();
            if (!Double.isFinite(loss)) throw new AssertionError("loss " + loss);
            System.out.println("trained " + trainer.step() + " step on " + backend.name() + ", loss finite");
        }
    }
}
