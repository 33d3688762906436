package dev.splot.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A learning-rate schedule in closed form, as PyTorch's schedulers define it, so that the rate of
 * any step follows from the step and epoch alone (a resumed run needs nothing else): an optional
 * linear warm-up times an optional decay. With t the count of the component's unit (epochs done,
 * or optimizer steps done, both from 0):
 * <ul>
 *   <li>{@code step:S[:GAMMA]}: {@code StepLR}, base GAMMA^floor(t / S) (GAMMA defaults to 0.1);
 *   <li>{@code exp:GAMMA}: {@code ExponentialLR}, base GAMMA^t;
 *   <li>{@code cosine:T[:ETA_MIN]}: {@code CosineAnnealingLR}, ETA_MIN + (base - ETA_MIN) (1 + cos(pi t / T)) / 2
 *       (ETA_MIN an absolute rate, default 0);
 *   <li>{@code warmup:N[:START]}: {@code LinearLR} to factor 1, a factor START + (1 - START) min(t, N) / N
 *       that multiplies the rate of the decay (or the base rate); START defaults to 1/3, as PyTorch.
 * </ul>
 * Each component counts epochs unless it ends in {@code @step}; components are joined by commas,
 * e.g. {@code warmup:500@step,cosine:12}. {@link #toString} writes the full form, which
 * {@link #parse} reads back to an equal schedule (checkpoints store it).
 */
public final class LearningRateSchedule {
    /** What a component's t counts. */
    private enum Unit { EPOCH, STEP }

    private record Part(String kind, double a, double b, Unit unit) {
        long t(long step, int epoch) {
            return unit == Unit.STEP ? step : epoch;
        }

        @Override
        public String toString() {
            String first = kind.equals("exp") ? Double.toString(a) : Long.toString((long) a);
            return kind + ":" + first + (kind.equals("exp") ? "" : ":" + b) + "@" + unit.name().toLowerCase(Locale.ROOT);
        }
    }

    private final Part warmup; // null: none
    private final Part decay;  // null: none

    private LearningRateSchedule(Part warmup, Part decay) {
        this.warmup = warmup;
        this.decay = decay;
    }

    /**
     * Reads the compact form described in the class comment.
     *
     * @param spec e.g. "step:4:0.5", "exp:0.9", "cosine:12", "warmup:200@step,cosine:12"
     * @return the schedule
     * @throws IllegalArgumentException naming the component and what is wrong with it
     */
    public static LearningRateSchedule parse(String spec) {
        Part warmup = null, decay = null;
        for (String component : spec.split(",", -1)) {
            Part p = part(component.trim(), spec);
            if (p.kind().equals("warmup")) {
                if (warmup != null) throw bad(spec, "more than one warmup");
                warmup = p;
            } else {
                if (decay != null) throw bad(spec, "more than one of step, exp, cosine");
                decay = p;
            }
        }
        return new LearningRateSchedule(warmup, decay);
    }

    private static Part part(String component, String spec) {
        Unit unit = Unit.EPOCH;
        String body = component;
        int at = component.indexOf('@');
        if (at >= 0) {
            String u = component.substring(at + 1);
            if (u.equals("step")) unit = Unit.STEP;
            else if (!u.equals("epoch")) throw bad(spec, "'" + component + "': the unit after @ must be step or epoch");
            body = component.substring(0, at);
        }
        String[] f = body.split(":", -1);
        String kind = f[0];
        List<String> args = new ArrayList<>(List.of(f).subList(1, f.length));
        switch (kind) {
            case "step" -> {
                long size = count(spec, component, args, 0);
                double gamma = args.size() > 1 ? decimal(spec, component, args.get(1)) : 0.1;
                arity(spec, component, args, 1, 2);
                if (!(gamma > 0)) throw bad(spec, "'" + component + "': gamma must be > 0");
                return new Part(kind, size, gamma, unit);
            }
            case "exp" -> {
                arity(spec, component, args, 1, 1);
                double gamma = decimal(spec, component, args.get(0));
                if (!(gamma > 0)) throw bad(spec, "'" + component + "': gamma must be > 0");
                return new Part(kind, gamma, 0, unit);
            }
            case "cosine" -> {
                long tMax = count(spec, component, args, 0);
                double etaMin = args.size() > 1 ? decimal(spec, component, args.get(1)) : 0;
                arity(spec, component, args, 1, 2);
                if (!(etaMin >= 0)) throw bad(spec, "'" + component + "': the minimum rate must be >= 0");
                return new Part(kind, tMax, etaMin, unit);
            }
            case "warmup" -> {
                long n = count(spec, component, args, 0);
                double start = args.size() > 1 ? decimal(spec, component, args.get(1)) : 1.0 / 3;
                arity(spec, component, args, 1, 2);
                if (!(start > 0 && start <= 1)) throw bad(spec, "'" + component + "': the start factor must be in (0, 1]");
                return new Part(kind, n, start, unit);
            }
            default -> throw bad(spec, "'" + component + "' is none of step:S[:GAMMA], exp:GAMMA, cosine:T[:ETA_MIN], "
                    + "warmup:N[:START] (each optionally @step or @epoch)");
        }
    }

    private static void arity(String spec, String component, List<String> args, int min, int max) {
        if (args.size() < min || args.size() > max) {
            throw bad(spec, "'" + component + "' takes " + (min == max ? "" + min : min + " or " + max) + (max == 1 ? " value" : " values")
                    + " after the name");
        }
    }

    private static long count(String spec, String component, List<String> args, int i) {
        if (args.size() <= i) throw bad(spec, "'" + component + "' needs a count");
        try {
            long v = Long.parseLong(args.get(i));
            if (v > 0) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(spec, "'" + component + "': the count must be a positive integer, got '" + args.get(i) + "'");
    }

    private static double decimal(String spec, String component, String v) {
        try {
            double x = Double.parseDouble(v);
            if (Double.isFinite(x)) return x;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(spec, "'" + component + "': '" + v + "' is not a finite number");
    }

    private static IllegalArgumentException bad(String spec, String problem) {
        return new IllegalArgumentException("learning-rate schedule \"" + spec + "\": " + problem);
    }

    /**
     * The learning rate of a step.
     *
     * @param base the optimizer's base learning rate
     * @param step optimizer steps done before this one, over all epochs
     * @param epoch epochs done before this step's epoch
     * @return the rate for this step
     */
    public double rate(double base, long step, int epoch) {
        double r = base;
        if (decay != null) {
            long t = decay.t(step, epoch);
            r = switch (decay.kind()) {
                case "step" -> base * Math.pow(decay.b(), Math.floorDiv(t, (long) decay.a()));
                case "exp" -> base * Math.pow(decay.a(), t);
                case "cosine" -> decay.b() + (base - decay.b()) * (1 + Math.cos(Math.PI * t / decay.a())) / 2;
                default -> throw new IllegalStateException(decay.kind());
            };
        }
        if (warmup != null) {
            long t = warmup.t(step, epoch);
            double start = warmup.b();
            r *= start + (1 - start) * Math.min(t, (long) warmup.a()) / warmup.a();
        }
        return r;
    }

    /** The full form, which {@link #parse} reads back to an equal schedule. */
    @Override
    public String toString() {
        if (warmup == null) return decay == null ? "" : decay.toString();
        return decay == null ? warmup.toString() : warmup + "," + decay;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LearningRateSchedule s && s.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
