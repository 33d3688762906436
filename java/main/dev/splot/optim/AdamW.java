package dev.splot.optim;

import java.util.Map;

/**
 * AdamW as PyTorch's {@code torch.optim.AdamW} (Loshchilov and Hutter 2017): {@link Adam} with the
 * weight decay decoupled from the gradient (each step first multiplies the parameters by
 * 1 - lr weight_decay); PyTorch's defaults lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2.
 * Its state tensors and settings are named as Adam's.
 */
public final class AdamW extends Adam {
    /** The type name in checkpoints. */
    public static final String TYPE = "adamw";

    /** AdamW with PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2. */
    public AdamW() {
        this(1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f);
    }

    /**
     * AdamW with the given settings.
     *
     * @param lr learning rate, finite and {@code > 0}
     * @param beta1 decay of the first moment, {@code 0 <= beta1 < 1}
     * @param beta2 decay of the second moment, {@code 0 <= beta2 < 1}
     * @param eps added to the denominator, finite and {@code > 0}
     * @param weightDecay decoupled weight decay, finite and {@code >= 0}
     * @throws IllegalArgumentException naming the settings if one is out of range
     */
    public AdamW(float lr, float beta1, float beta2, float eps, float weightDecay) {
        this(lr, beta1, beta2, eps, weightDecay, 0);
    }

    AdamW(float lr, float beta1, float beta2, float eps, float weightDecay, long steps) {
        super(lr, beta1, beta2, eps, weightDecay, true, steps);
    }

    /** From settings as {@link #config} writes them. */
    static AdamW fromConfig(Map<String, String> config) {
        return (AdamW) Adam.fromConfig(config, true);
    }
}
