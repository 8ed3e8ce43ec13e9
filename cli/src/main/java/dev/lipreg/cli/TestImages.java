package dev.lipreg.cli;

import dev.lipreg.data.Dataset;
import dev.lipreg.data.Split;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

/** A fixed seeded sample of test images, as a dataset and as tensors in the current scope. */
record TestImages(Dataset data, Tensor images, Tensor labels) {

    static TestImages load(DataOptions options, int n, long seed, Backend backend) {
        if (n < 1) throw BadInputException.of("--test-subset", "a count >= 1", n);
        Dataset d = DataOptions.subset(options.load(Split.TEST), n, seed, "--test-subset");
        return of(d, backend);
    }

    static TestImages of(Dataset d, Backend backend) {
        return new TestImages(d, backend.fromArray(d.images(), Shape.of(d.count(), d.channels(), d.height(), d.width())),
                Tensor.ofLabels(backend, d.labels()));
    }

    int[] chw() {
        return new int[]{data.channels(), data.height(), data.width()};
    }

    int count() {
        return data.count();
    }
}
