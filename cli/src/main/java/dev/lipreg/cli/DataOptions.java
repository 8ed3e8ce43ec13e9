package dev.lipreg.cli;

import dev.lipreg.data.Dataset;
import dev.lipreg.data.Split;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --data}, {@code --data-dir} and subset sizes, shared by the commands that read a dataset. */
final class DataOptions {
    @Option(names = "--data", paramLabel = "NAME", defaultValue = "fashion-mnist",
            description = "Dataset: fashion-mnist, mnist, cifar10 or cifar100. Default: ${DEFAULT-VALUE}.")
    String data;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Directory of the dataset files. Default: /usr/share/datasets/NAME.")
    Path dir;

    DataSource source() {
        return DataSource.parse("--data", data);
    }

    Path directory() {
        return dir != null ? dir : source().defaultDir;
    }

    Dataset load(Split split) {
        return source().load(directory(), split);
    }

    /** A fixed seeded sample of {@code n} images (all when n is 0 or at least the dataset size). */
    static Dataset subset(Dataset d, int n, long seed, String option) {
        if (n < 0) throw BadInputException.of(option, "a count >= 0 (0 = all)", n);
        return n == 0 || n >= d.count() ? d : d.sample(n, seed);
    }
}
