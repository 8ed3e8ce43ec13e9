package dev.lipreg.nn;

import java.util.Arrays;

/** Learning rate as a function of the epoch (0-based). */
@FunctionalInterface
public interface LrSchedule {
    /**
     * The learning rate of {@code epoch}.
     *
     * @param epoch the epoch, from 0
     * @return the learning rate
     */
    double at(int epoch);

    /**
     * The same rate every epoch.
     *
     * @param lr the learning rate
     * @return the schedule
     */
    static LrSchedule constant(double lr) {
        return e -> lr;
    }

    /**
     * lr · gamma^⌊epoch / stepSize⌋ (PyTorch StepLR).
     *
     * @param lr       the first rate
     * @param stepSize epochs between decays
     * @param gamma    the decay factor
     * @return the schedule
     */
    static LrSchedule step(double lr, int stepSize, double gamma) {
        if (stepSize < 1) throw new IllegalArgumentException("step schedule: stepSize must be >= 1, got " + stepSize);
        return e -> lr * Math.pow(gamma, e / stepSize);
    }

    /**
     * lr · gamma^(number of milestones ≤ epoch) (PyTorch MultiStepLR).
     *
     * @param lr         the first rate
     * @param milestones the epochs at which the rate decays
     * @param gamma      the decay factor
     * @return the schedule
     */
    static LrSchedule multiStep(double lr, int[] milestones, double gamma) {
        int[] m = milestones.clone();
        Arrays.sort(m);
        return e -> {
            int passed = 0;
            for (int x : m) if (e >= x) passed++;
            return lr * Math.pow(gamma, passed);
        };
    }

    /**
     * Cosine annealing from lr to minLr over {@code epochs} (PyTorch CosineAnnealingLR, T_max = epochs).
     *
     * @param lr     the first rate
     * @param epochs the epochs of the anneal
     * @param minLr  the last rate
     * @return the schedule
     */
    static LrSchedule cosine(double lr, int epochs, double minLr) {
        if (epochs < 1) throw new IllegalArgumentException("cosine schedule: epochs must be >= 1, got " + epochs);
        return e -> minLr + (lr - minLr) * (1 + Math.cos(Math.PI * Math.min(e, epochs) / epochs)) / 2;
    }
}
