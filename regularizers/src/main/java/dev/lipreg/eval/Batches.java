package dev.lipreg.eval;

import dev.lipreg.attacks.Inputs;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

/** Walks a dataset held as tensors [N, ...] (and optional labels [N]) in batches, each in its own scope. */
final class Batches {
    private Batches() {
    }

    /** One batch: images and labels (null when none were given) and the index of its first image. */
    interface Body {
        void accept(Tensor images, Tensor labels, int offset);
    }

    /** Checks the shapes; values are checked per batch by the attacks. */
    static int check(Tensor images, Tensor labels, int batchSize) {
        if (images == null) throw new IllegalArgumentException("images must not be null");
        if (images.rank() < 2 || images.dim(0) < 1) {
            throw new IllegalArgumentException("images must be a non-empty batch [N, ...] of rank >= 2, got " + images.shape());
        }
        if (labels != null) Inputs.checkLabels(labels, images.dim(0), "labels");
        Inputs.checkPositive(batchSize, "batchSize");
        return images.dim(0);
    }

    static void forEach(Tensor images, Tensor labels, int batchSize, Progress progress, long totalWork, long workDone, Body body) {
        int n = images.dim(0);
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            try (Scope s = Scope.open()) {
                Tensor x = start == 0 && end == n ? images : images.backend().slice(images, 0, start, end);
                Tensor y = labels == null ? null : start == 0 && end == n ? labels : labels.backend().slice(labels, 0, start, end);
                body.accept(x, y, start);
            }
            progress.update(workDone + end, totalWork);
        }
    }
}
